package benchenv

import (
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// TestRunInfoIgnoredByBenchfmt: a run-info line round-trips through
// ParseRunInfo and is not a config key for benchfmt, so differing values do
// not split benchstat's tables.
func TestRunInfoIgnoredByBenchfmt(t *testing.T) {
	l := RunInfoLine("suite-revision", "abc123\nx")
	if l != "# run suite-revision: abc123 x" {
		t.Fatalf("RunInfoLine = %q", l)
	}
	k, v, ok := ParseRunInfo(l + "\n")
	if !ok || k != "suite-revision" || v != "abc123 x" {
		t.Fatalf("ParseRunInfo = %q %q %v", k, v, ok)
	}
	if _, _, ok := ParseRunInfo("tee: none"); ok {
		t.Fatal("a config line parsed as run info")
	}
	r := benchfmt.NewReader(strings.NewReader("tee: none\n"+l+"\nBenchmarkX 1 2 ns/op\n"), "x")
	for r.Scan() {
		if res, ok := r.Result().(*benchfmt.Result); ok {
			for _, c := range res.Config {
				if strings.Contains(c.Key, "run") || strings.Contains(c.Key, "suite") {
					t.Errorf("run-info line became config %q", c.Key)
				}
			}
		}
	}
}
