package benchenv

import (
	"fmt"
	"strings"
)

// RunInfoPrefix starts a run-info line: a fact about one run (the suite's
// revision, when it ran, a reference tool's version, steal time over a
// package) that changes from run to run. Such facts must not be `key: value`
// config lines: benchstat splits its tables on config keys whose values
// differ, so `benchstat base.txt head.txt` would lose its deltas. benchfmt
// ignores a line that starts with '#', so a run-info line travels inside the
// result file (and under its evidence binding) without touching the tables.
const RunInfoPrefix = "# run "

// RunInfoLine formats one run-info line (without the newline):
// "# run key: value". The key follows the config-key rule (lower case, no
// spaces); newlines in value are replaced by spaces.
func RunInfoLine(key, value string) string {
	value = strings.Join(strings.Fields(value), " ")
	return fmt.Sprintf("%s%s: %s", RunInfoPrefix, key, value)
}

// ParseRunInfo splits a run-info line into its key and value; ok is false
// for any other line.
func ParseRunInfo(line string) (key, value string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), RunInfoPrefix)
	if !ok {
		return "", "", false
	}
	key, value, ok = strings.Cut(rest, ":")
	if !ok || key == "" || strings.ContainsAny(key, " \t") {
		return "", "", false
	}
	return key, strings.TrimSpace(value), true
}
