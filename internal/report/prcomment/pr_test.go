package prcomment

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/teebench/teebench/internal/report/golden"
	"github.com/teebench/teebench/internal/report/results"
)

// prComment writes the pull-request comment of base against head, read as
// the report command's -pr reads them (labelled base and head), with
// opt.Thresholds defaulting to DefaultThreshold.
func prComment(t *testing.T, base, head string, opt PROptions) (string, PRResult) {
	t.Helper()
	in, err := results.ParseInputs([]string{base, head})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range []string{"base", "head"} {
		if in[i].Label == "" {
			in[i].Label = l
		}
	}
	d, err := results.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	if opt.Thresholds == nil {
		opt.Thresholds = &Thresholds{Default: DefaultThreshold}
	}
	var b bytes.Buffer
	res, err := WritePRComment(&b, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), res
}

// derived are the two-arm derived fixtures of internal/report/testdata.
var derived = []string{"../testdata/derived-base.txt", "../testdata/derived-tee.txt"}

// TestPRComment renders the PR comment for a base-vs-head pair: the
// derived fixture (significant changes everywhere), the PR fixture (one
// regression, one improvement) and a real run with too few samples.
func TestPRComment(t *testing.T) {
	th := &Thresholds{Default: DefaultThreshold}
	for _, v := range []string{"5%", "errors/op=50%"} {
		if err := th.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	got, res := prComment(t, derived[0], derived[1], PROptions{Thresholds: th})
	if res.Regressions == 0 {
		t.Error("the derived fixture has no regression")
	}
	for _, want := range []string{"## teebench: `head` vs `base`", "regressions, ", "| `Fio/job=read_iops/engine=go` | IOPS ↑ |",
		"| cpu_bench | 34 | 1.250× |", "threshold (5%,errors/op=50%)", "change (+ = worse)", "head/base time ×"} {
		if !strings.Contains(got, want) {
			t.Errorf("PR comment lacks %q", want)
		}
	}
	if !strings.Contains(got, "rows have as few as n=3 on a side") || strings.Contains(got, "every row has") {
		t.Error("only write_seq/engine=fio has n=3 in the TEE arm; the comment should say so for those rows only")
	}
	// The PR fixture: head = base with one regression and one improvement,
	// in the + = worse convention (an IOPS drop is +10%, 1.111× slower).
	pr, _ := prComment(t, derived[0], "../testdata/pr-head.txt", PROptions{})
	for _, want := range []string{"**1 regression, 1 improvement** (benchmarks; 0 noisy).",
		"| `Fio/job=read_iops/engine=go` | IOPS ↑ | 80.95k ±1% | 72.86k ±1% | +10.00% (p=0.002 n=6) | 1.111× | **regression** |",
		"| `Wakeup/mech=futex` | sec/op ↓ | 17.83µs ±1% | 14.26µs ±1% | -20.00% (p=0.002 n=6) | 0.800× | improvement |"} {
		if !strings.Contains(pr, want) {
			t.Errorf("PR fixture comment lacks %q:\n%.1500s", want, pr)
		}
	}
	real := "../../../results/vm-none-20261128T192405Z.txt" // one sample per benchmark
	small, res := prComment(t, real, real, PROptions{})
	if res.Regressions != 0 {
		t.Errorf("no significance possible, yet %d regressions", res.Regressions)
	}
	if !strings.Contains(small, "**No significance is possible**") || !strings.Contains(small, "every row has as few as n=1") ||
		!strings.Contains(small, "`COUNT=6`") {
		t.Errorf("small-n comment:\n%.800s", small)
	}
	if strings.Contains(small, "/results/") || strings.Contains(small, "../") {
		t.Errorf("a path that is not relative to the working directory reached the comment:\n%.600s", small)
	}
}

// TestPRCountsPerBenchmark: two real runs (6 samples each where the
// benchmark was swept) count one regression or improvement per benchmark
// on its primary metric. The old comment said "5 regression(s), 11
// improvement(s)": Stream copy three times (sec/op, B/s, best-B/s), the
// ab client's b.N time as a regression while its req/s did not change,
// and a CPU-per-request row.
func TestPRCountsPerBenchmark(t *testing.T) {
	got, _ := prComment(t, "../testdata/real-run1.txt", "../testdata/real-run2.txt", PROptions{})
	if !strings.Contains(got, "**1 regression, 2 improvements** (benchmarks; 2 noisy).") {
		t.Errorf("want 1 regression (Stream copy, on B/s) and 2 improvements (req/s of two gateway runs):\n%s", got)
	}
	// Each counted benchmark is one row of the counted table.
	counted := between(got, "| benchmark | unit |", "\n\n")
	for _, want := range []string{
		"| `Stream/kernel=copy/impl=go/threads=1` | B/s ↑ | 25.03GiB/s ±13% | 20.49GiB/s ±75% | +18.13% (p=0.004 n=6) *noisy* | 1.221× | **regression** |",
		"| `Gateway/path=direct/keepalive=off/c=50/client=go` | req/s ↑ |",
		"| `Gateway/path=tls-proxy/keepalive=off/c=200/client=ab` | req/s ↑ |",
	} {
		if !strings.Contains(counted, want) {
			t.Errorf("counted table lacks %q:\n%s", want, counted)
		}
	}
	if n := strings.Count(counted, "\n| `"); n != 3 {
		t.Errorf("%d counted rows, want 3:\n%s", n, counted)
	}
	// The load generator's b.N time is shown among the other rows, not
	// counted; so is the 763.3µs ±304% sec/op twin of Stream copy, marked.
	for _, want := range []string{"| `Gateway/path=direct/keepalive=off/c=200/client=ab` | sec/op ↓ |", "763.3µs ±304% | +21.73% (p=0.004 n=6) *noisy* |"} {
		if !strings.Contains(got, want) || strings.Contains(counted, want) {
			t.Errorf("%q should be in the folded other rows only", want)
		}
	}
}

// between returns s from the first from to the next end after it.
func between(s, from, end string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

// reportProfile expands a quick-profile result file of the 2-vCPU dev VM
// into the row set of the report profile on a 4-vCPU runner: GOMAXPROCS 4,
// threads 1..32 (cpu_bench's report sweep), 7-Zip and zstd dictionaries
// 2^22..2^25, gateway concurrency 200..2000, open-loop rates 200..1000,
// 51 clients of 40 connections, zk messages of 64, 256 and 1024 bytes.
// Each new case repeats the samples of the case it was made from: the
// fixture's point is its row count, as the figures are unchanged copies.
func reportProfile(t *testing.T, src, dst string) int {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// Each rule rewrites one name part (matched as "/part/" on the name
	// without its GOMAXPROCS suffix, with a "/" appended); no to drops it.
	rules := []struct {
		from string
		to   []string
	}{
		{"/threads=2/", []string{"/threads=2/", "/threads=4/", "/threads=8/", "/threads=16/", "/threads=32/"}},
		{"/dict=22/", []string{"/dict=22/", "/dict=23/", "/dict=24/", "/dict=25/"}},
		{"/c=50/", nil},
		{"/c=200/", []string{"/c=200/", "/c=500/", "/c=1000/", "/c=2000/"}},
		{"/rate=50/", nil},
		{"/rate=200/", []string{"/rate=200/", "/rate=500/", "/rate=1000/"}},
		{"/clients=6/c=10/", []string{"/clients=51/c=40/"}},
		{"/msg=64B/", []string{"/msg=64B/", "/msg=256B/", "/msg=1024B/"}},
	}
	procs := regexp.MustCompile(`-[0-9]+$`)
	var out strings.Builder
	rows := 0
	for _, line := range strings.SplitAfter(string(b), "\n") {
		name, rest, ok := strings.Cut(line, "\t")
		if !strings.HasPrefix(line, "Benchmark") || !ok {
			out.WriteString(line)
			continue
		}
		names := []string{procs.ReplaceAllString(name, "") + "/"}
		for _, r := range rules {
			var next []string
			for _, n := range names {
				if !strings.Contains(n, r.from) {
					next = append(next, n)
					continue
				}
				for _, to := range r.to {
					next = append(next, strings.Replace(n, r.from, to, 1))
				}
			}
			names = next
		}
		for _, n := range names {
			out.WriteString(strings.TrimSuffix(n, "/") + "-4\t" + rest)
			rows++
		}
	}
	if err := os.WriteFile(dst, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return rows
}

// prLimit is GitHub's limit on a comment body, in characters.
const prLimit = 65536

// TestPRCommentLarge: the report profile's row set on a 4-vCPU runner,
// generated from the derived fixture. The old comment folded the full
// table into the comment (derived-base vs pr-head alone came to 65,244
// characters and was cut mid-row by scripts/ci/prcomment). Now the comment
// stays within DefaultPRChars, so that two runner sections fit in one
// comment, with rows cut whole and every <details> closed; the full table
// goes to -full. The two comments are the fixtures of prcomment's test
// (scripts/ci/prcomment/testdata; go test -update rewrites them).
func TestPRCommentLarge(t *testing.T) {
	dir := t.TempDir()
	gen := func(src string) string {
		dst := filepath.Join(dir, filepath.Base(src))
		b, _ := os.ReadFile(src)
		if n, was := reportProfile(t, src, dst), strings.Count(string(b), "\nBenchmark"); n < 2*was {
			t.Fatalf("%s: %d result lines from %d, the generator is broken", src, n, was)
		}
		return dst
	}
	base, all, few := gen(derived[0]), gen(derived[1]), gen("../testdata/pr-head.txt")
	for _, tc := range []struct {
		name, head, goldenFile, want string
	}{
		// Every benchmark changed (the TEE arm as head): more counted rows
		// than fit.
		{"all", all, "large-all.md", "more counted benchmark(s) did not fit: see the full table"},
		// Two changed benchmarks among 1,400 result lines.
		{"few", few, "large-few.md", "**1 regression, 1 improvement** (benchmarks; 0 noisy)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// As -pr -o DIR/comment.body.md -full DIR/full-table.md writes them.
			full := filepath.Join(dir, tc.name, "full-table.md")
			got, _ := prComment(t, "base="+base, "head="+tc.head, PROptions{FullTable: full, RelTo: filepath.Dir(full)})
			in, err := results.ParseInputs([]string{"base=" + base, "head=" + tc.head})
			if err != nil {
				t.Fatal(err)
			}
			d, err := results.Read(in)
			if err != nil {
				t.Fatal(err)
			}
			var fb bytes.Buffer
			if err := WritePRFull(&fb, d); err != nil {
				t.Fatal(err)
			}
			chars := utf8.RuneCountInString(got)
			open, closed := strings.Count(got, "<details>"), strings.Count(got, "</details>")
			t.Logf("%s: %d characters (%d bytes), <details> %d, </details> %d; full table %d characters, %d rows",
				tc.name, chars, len(got), open, closed, utf8.RuneCountInString(fb.String()), strings.Count(fb.String(), "\n| `"))
			if chars > DefaultPRChars {
				t.Errorf("%d characters, over the bound of %d", chars, DefaultPRChars)
			}
			if utf8.RuneCountInString(fb.String()) < prLimit {
				t.Errorf("full table of %d characters: the fixture is not larger than a comment", utf8.RuneCountInString(fb.String()))
			}
			if open != closed {
				t.Errorf("%d <details>, %d </details>", open, closed)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("comment lacks %q", tc.want)
			}
			// Rows cut whole: every table line is complete.
			for i, l := range strings.Split(got, "\n") {
				if strings.HasPrefix(l, "|") && !strings.HasSuffix(l, "|") {
					t.Errorf("line %d is a cut table row: %q", i+1, l)
				}
			}
			// Relative paths only; the full table named where it is.
			if strings.Contains(got, dir) || !strings.Contains(got, "`full-table.md` (on CI: in the run's artifacts)") {
				t.Errorf("paths in the comment:\n%.600s", got)
			}
			// Headings: one, the title.
			if n := regexp.MustCompile(`(?m)^#`).FindAllStringIndex(got, -1); len(n) != 1 {
				t.Errorf("%d heading lines, want the title only", len(n))
			}
			golden.Check(t, "../../../scripts/ci/prcomment/testdata/"+tc.goldenFile, strings.ReplaceAll(got, dir, "DIR"))
		})
	}
}
