package report

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Skip is one benchmark or package that a run did not measure, from the
// R.skips.tsv file that scripts/bench.sh writes beside a result file R.txt
// (docs/design.md §5).
type Skip struct {
	// Kind is "skip" (absent by design), "fail", "norows" or
	// "interrupted".
	Kind string `json:"kind"`
	// Package is the Go package, Benchmark the full name without the
	// -GOMAXPROCS suffix, or "-" for a whole package.
	Package   string `json:"package"`
	Benchmark string `json:"benchmark"`
	// Reason is one line.
	Reason string `json:"reason"`
	// File is the skips file it came from.
	File string `json:"file"`
}

// skipsHeader is the first line of a skips file.
const skipsHeader = "# teebench skips v1"

// SkipsPath returns the skips file of a result file.
func SkipsPath(resultPath string) string {
	return strings.TrimSuffix(resultPath, ".txt") + ".skips.tsv"
}

// skipKinds are the kinds a skips file may hold.
var skipKinds = map[string]bool{"skip": true, "fail": true, "norows": true, "interrupted": true}

// readSkips reads a skips file; a missing file is no skips. A file with
// another first line, or a line without four tab-separated fields or with
// an unknown kind, is an error naming file:line.
func readSkips(path string) ([]Skip, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading skips: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var out []Skip
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			if line != skipsHeader {
				return nil, fmt.Errorf("%s:1: not a skips file (first line %q, want %q)", path, line, skipsHeader)
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.SplitN(line, "\t", 4)
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: want kind<TAB>package<TAB>benchmark<TAB>reason, got %d field(s)", path, n, len(fields))
		}
		if !skipKinds[fields[0]] {
			return nil, fmt.Errorf("%s:%d: unknown kind %q (want skip, fail, norows or interrupted)", path, n, fields[0])
		}
		out = append(out, Skip{Kind: fields[0], Package: fields[1], Benchmark: fields[2], Reason: fields[3], File: path})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, n+1, err)
	}
	return out, nil
}

// addSkips reads the skips file beside in.Path into the arms of its
// results (every arm the file contributed to).
func (d *Dataset) addSkips(in Input) error {
	sk, err := readSkips(SkipsPath(in.Path))
	if err != nil || len(sk) == 0 {
		return err
	}
	for _, a := range d.Arms {
		for _, f := range a.Files {
			if f == in.Path {
				a.Skips = append(a.Skips, sk...)
				break
			}
		}
	}
	return nil
}

// notMeasured lists each arm's skipped and failed benchmarks with their
// reasons.
func (r *renderer) notMeasured() {
	var rows [][]string
	for _, a := range r.d.Arms {
		for _, s := range a.Skips {
			b := s.Benchmark
			if b == "-" {
				b = "(whole package)"
			}
			rows = append(rows, []string{a.Label, s.Kind, esc(s.Package), "`" + esc(b) + "`", esc(s.Reason)})
		}
	}
	if len(rows) == 0 {
		return
	}
	r.p("## Not measured here\n\n")
	r.p("Benchmarks the runs skipped (absent by design), failed, or that produced no rows, from the `.skips.tsv` files beside the result files. " +
		"A section without a row for them is no evidence either way.\n\n")
	r.table([]string{"arm", "kind", "package", "benchmark", "reason"}, rows)
}
