// Command compare compares result files of two or more environments with
// benchstat; scripts/compare.sh runs it:
//
//	compare baseline.txt tee.txt [more.txt ...]
//	compare -md [-threshold 5%] [-fail-on-regression] base.txt head.txt
//
// The arms are the report package's (report -arms): a label=path argument
// names its arm, other files are grouped by their `tee:` values (none,
// tdx, sev-snp), so one table per package gets a delta column, and files
// of one tee value from different testbeds (cpu-model, vcpus, kernel ...)
// are separate arms (tdx, tdx#2). Every other config key is ignored rather
// than splitting the tables, and a warning names the keys that differ
// between files pooled into one arm. When all files have the same tee
// value the arms are the files. Extra benchstat flags go in
// BENCHSTAT_FLAGS, e.g. BENCHSTAT_FLAGS="-filter .unit:req/s".
//
// -md writes the pull-request comment instead (report -pr): only the
// significant changes over the threshold, a geomean per package, the full
// table folded; the flags after -md go to it.
//
// Paths are taken relative to the working directory. benchstat reads a
// cleaned copy of each file (results.CleanCopy: CRLF line endings become
// LF, a line longer than benchstat's 64 KiB limit is dropped with a
// warning naming file:line), in a temporary directory removed on exit; a
// binary file is refused. benchstat runs as `go tool benchstat` in the
// teebench tree (-root, default: the module root above the working
// directory). Exit status: 0, 1 an error (or -fail-on-regression), 2 usage.
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/report/cli"
	"github.com/teebench/teebench/internal/report/results"
	"github.com/teebench/teebench/internal/runner"
)

const usage = `usage: compare.sh baseline.txt tee.txt [more.txt ...]
       compare.sh -md [-threshold 5%] [-fail-on-regression] base.txt head.txt`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// valued are the -md flags that take a value.
var valued = map[string]bool{"-threshold": true, "-o": true, "-full": true, "-max-error-rate": true}

func run(args []string, stdout, stderr io.Writer) int {
	root := ""
	if len(args) >= 2 && args[0] == "-root" {
		root, args = args[1], args[2:]
	}
	if len(args) > 0 && args[0] == "-md" {
		args = args[1:]
		var flags []string
		for len(args) > 0 && strings.HasPrefix(args[0], "-") {
			if valued[args[0]] {
				if len(args) < 2 {
					fmt.Fprintln(stderr, usage)
					return 2
				}
				flags, args = append(flags, args[0], args[1]), args[2:]
				continue
			}
			flags, args = append(flags, args[0]), args[1:]
		}
		if len(args) != 2 {
			fmt.Fprintln(stderr, usage)
			return 2
		}
		// The report reads CRLF files and long lines itself.
		if err := cli.Command(append(append([]string{"-pr"}, flags...), args...), stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "report:", err)
			return 1
		}
		return 0
	}
	if len(args) < 2 || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-") }) {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if err := compare(root, args, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "compare.sh:", err)
		return 1
	}
	return 0
}

// configKeyRE is a config line's key: lower-case start, no spaces or
// upper case.
var configKeyRE = regexp.MustCompile(`(?m)^([a-z][^ A-Z:\r\n]*):`)

func compare(root string, files []string, stdout, stderr io.Writer) error {
	var arms strings.Builder
	if err := cli.Command(append([]string{"-arms"}, files...), &arms, stderr); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "teebench-compare.")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	keys := map[string]bool{}
	var labelled []string
	for i, line := range strings.Split(strings.TrimSpace(arms.String()), "\n") {
		label, path, _ := strings.Cut(line, "=")
		out := filepath.Join(tmp, fmt.Sprintf("%d.txt", i+1))
		if err := cleanCopy(path, out, stderr); err != nil {
			return err
		}
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		for _, m := range configKeyRE.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		labelled = append(labelled, label+"="+out)
	}
	var ignore []string
	for k := range keys {
		if k != "pkg" && k != "goos" && k != "goarch" {
			ignore = append(ignore, k)
		}
	}
	slices.Sort(ignore)
	r, err := runner.ModuleRootOf(root)
	if err != nil {
		return err
	}
	args := []string{"tool", "benchstat", "-table", "pkg", "-col", ".file"}
	if len(ignore) > 0 {
		args = append(args, "-ignore", strings.Join(ignore, ","))
	}
	args = append(args, strings.Fields(os.Getenv("BENCHSTAT_FLAGS"))...)
	cmd := exec.Command("go", append(args, labelled...)...)
	cmd.Dir = r
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("benchstat: %w", err)
	}
	return nil
}

// cleanCopy writes the copy of path that benchstat reads and names the
// lines it drops.
func cleanCopy(path, out string, stderr io.Writer) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	long, err := results.CleanCopy(f, in, path)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	for _, l := range long {
		fmt.Fprintf(stderr, "compare.sh: %s:%d: line of %d bytes skipped (benchstat reads at most 64 KiB per line)\n", l.File, l.Line, l.Bytes)
	}
	return err
}
