package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/perf/benchmath"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/reftool"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
	"github.com/teebench/teebench/internal/skips"
)

func TestGoalMet(t *testing.T) {
	for _, tc := range []struct {
		g         Goal
		ratio     float64
		met, judg bool
	}{
		{twoSided5, 1.0, true, true},
		{twoSided5, 0.95, true, true},
		{twoSided5, 1.05, true, true},
		{twoSided5, 0.949, false, true},
		{twoSided5, 1.051, false, true}, // faster but disagreeing is a miss too
		{atLeast09, 0.9, true, true},
		{atLeast09, 0.838, false, true},
		{atLeast09, 3, true, true}, // one-sided
		{atLeast1, 0.999, false, true},
		{atLeast1, 1.2, true, true},
		{noGoal, 1, false, false},
		{atLeast09, math.NaN(), false, false},
	} {
		met, ok := tc.g.Met(tc.ratio)
		if met != tc.met || ok != tc.judg {
			t.Errorf("%q.Met(%v) = %v, %v; want %v, %v", tc.g.Label, tc.ratio, met, ok, tc.met, tc.judg)
		}
	}
}

// writeSamples writes a result file in which benchmark ours has the values
// vs and ref has vs scaled by 1/ratio (so median ours / median ref = ratio
// exactly), in unit; ours "" writes the reference only.
func writeSamples(b *strings.Builder, ours, ref, unit string, ratio float64, vs []float64) {
	for _, v := range vs {
		if ours != "" {
			fmt.Fprintf(b, "Benchmark%s-2 1 %g %s\n", ours, v, unit)
		}
		fmt.Fprintf(b, "Benchmark%s-2 1 %g %s\n", ref, v/ratio, unit)
	}
}

// TestGoalSpans: a verdict is flagged as unsettled when the ratio's
// interval lies partly inside the goal and partly outside it.
func TestGoalSpans(t *testing.T) {
	for _, tc := range []struct {
		g      Goal
		lo, hi float64
		want   bool
	}{
		{twoSided5, 0.97, 1.03, false}, // inside
		{twoSided5, 0.80, 0.90, false}, // below
		{twoSided5, 1.06, 1.20, false}, // above
		{twoSided5, 0.90, 1.00, true},  // across the lower bound
		{twoSided5, 1.00, 1.10, true},  // across the upper bound
		{twoSided5, 0.90, 1.10, true},  // across both
		{atLeast1, 0.929, 1.075, true},
		{atLeast1, 1.02, 1.30, false},
		{atLeast1, 0.80, 0.99, false},
		{atLeast09, 0.9, 0.95, false}, // the bound is inside
	} {
		if got := tc.g.Spans(tc.lo, tc.hi); got != tc.want {
			t.Errorf("%q.Spans(%v, %v) = %v, want %v", tc.g.Label, tc.lo, tc.hi, got, tc.want)
		}
	}
}

// TestRatiosOnFixedSamples runs the table on samples with known ratios:
// the figures measured on the development machine.
func TestRatiosOnFixedSamples(t *testing.T) {
	six := []float64{100e3, 104e3, 101e3, 99e3, 103e3, 102e3}
	var b strings.Builder
	b.WriteString("tee: none\nUnit IOPS better=higher\nUnit req/s better=higher\nUnit lat-mean-ns better=lower\nUnit cpu-ns/op better=lower\n")
	writeSamples(&b, "Fio/job=write_iops/engine=go", "Fio/job=write_iops/engine=fio", "IOPS", 0.81, six)
	writeSamples(&b, "Fio/job=read_iops/engine=go", "Fio/job=read_iops/engine=fio", "IOPS", 1.01, six)
	writeSamples(&b, "Fio/job=read_latency/engine=go", "Fio/job=read_latency/engine=fio", "lat-mean-ns", 1.06, six)
	// CPU per I/O is context: shown with its ratio, judged by no goal.
	writeSamples(&b, "Fio/job=write_iops/engine=go", "Fio/job=write_iops/engine=fio", "cpu-ns/op", 0.7, six)
	// standalone fio on its own file (the Go lines are written above).
	writeSamples(&b, "", "Fio/job=write_iops/engine=fio-ownfile", "IOPS", 0.6, six)
	writeSamples(&b, "", "Fio/job=read_iops/engine=fio-ownfile", "IOPS", 0.98, six)
	writeSamples(&b, "", "Fio/job=read_latency/engine=fio-ownfile", "lat-mean-ns", 1.02, six)
	writeSamples(&b, "Gateway/path=direct/keepalive=on/c=4/client=go", "Gateway/path=direct/keepalive=on/c=4/client=wrk", "req/s", 0.838, six)
	writeSamples(&b, "Gateway/path=direct/keepalive=off/c=4/client=go", "Gateway/path=direct/keepalive=off/c=4/client=ab", "req/s", 1.20, six)
	writeSamples(&b, "Stream/kernel=triad/impl=go/threads=1", "Stream/kernel=triad/impl=c/threads=1", "B/s", 0.844, six)
	// Stream threads=2: the reference skipped, so no sample.
	for _, v := range six[:3] {
		fmt.Fprintf(&b, "BenchmarkStream/kernel=triad/impl=go/threads=2-2 1 %g B/s\n", v)
	}
	path := filepath.Join(t.TempDir(), "r.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &checker{opt: options{out: path}}
	c.skipped = []skips.Entry{{Kind: skips.Skip, Package: "cpu_bench", Benchmark: "BenchmarkStream/kernel=triad/impl=c/threads=2", Reason: "C compiler not installed"}}
	rows, err := c.rows(groups())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		ratio float64
		meets string
	}{
		"Fio/job=write_iops IOPS|fio":                    {0.81, "NO"},
		"Fio/job=read_iops IOPS|fio":                     {1.01, "yes"},
		"Fio/job=read_latency lat-mean-sec|fio":          {1.06, "NO (interval spans goal)"},
		"Fio/job=write_iops cpu-sec/op|fio":              {0.7, "–"},
		"Fio/job=write_iops IOPS|fio-ownfile":            {0.6, "NO"},
		"Fio/job=read_iops IOPS|fio-ownfile":             {0.98, "yes"},
		"Fio/job=read_latency lat-mean-sec|fio-ownfile":  {1.02, "yes (interval spans goal)"},
		"Gateway/path=direct/keepalive=on/c=4 req/s|wrk": {0.838, "NO"},
		"Gateway/path=direct/keepalive=off/c=4 req/s|ab": {1.20, "yes"},
		"Stream/kernel=triad/threads=1 B/s|c":            {0.844, "NO"},
		"Stream/kernel=triad/threads=2 B/s|c":            {math.NaN(), "–"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for _, r := range rows {
		w, ok := want[r.figure+"|"+r.refTool]
		if !ok {
			t.Errorf("unexpected figure %q vs %q", r.figure, r.refTool)
			continue
		}
		if math.IsNaN(w.ratio) {
			if !math.IsNaN(r.cr.Ratio) {
				t.Errorf("%s: ratio %v without a reference sample", r.figure, r.cr.Ratio)
			}
			continue
		}
		if math.Abs(r.cr.Ratio-w.ratio) > 1e-9 {
			t.Errorf("%s: ratio %v, want %v", r.figure, r.cr.Ratio, w.ratio)
		}
		// Each side's values are the other's scaled, so every bootstrap
		// resample pair that draws the same indices gives the ratio; the
		// interval must hold it, and be finite with 6 samples a side.
		if !(r.cr.Lo <= r.cr.Ratio && r.cr.Ratio <= r.cr.Hi) {
			t.Errorf("%s: interval [%v, %v] misses the ratio %v", r.figure, r.cr.Lo, r.cr.Hi, r.cr.Ratio)
		}
		if r.cr.Delta.N1 != 6 || r.cr.Delta.N2 != 6 {
			t.Errorf("%s: n = %d, %d, want 6, 6", r.figure, r.cr.Delta.N1, r.cr.Delta.N2)
		}
	}
	var out bytes.Buffer
	missed := printTable(&out, rows, c.skipped)
	// 5 ratios miss their goal; threads=2 has no reference sample.
	if missed != 6 {
		t.Errorf("missed = %d, want 6\n%s", missed, out.String())
	}
	for key, w := range want {
		fig, ref, _ := strings.Cut(key, "|")
		line := ""
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, fig+" ") && strings.Fields(l[len(fig):])[0] == ref {
				line = l
			}
		}
		if line == "" || !strings.HasSuffix(strings.TrimSpace(line), w.meets) {
			t.Errorf("row %q: %q, want it to end in %q\n%s", fig, line, w.meets, out.String())
		}
	}
	// Six rounds a side: a 95% interval in square brackets, not a range.
	if !regexp.MustCompile(`Fio/job=read_latency lat-mean-sec +fio .* 1\.060 \[\d\.\d{3}, \d\.\d{3}\] `).MatchString(out.String()) {
		t.Errorf("the 1.06 row lacks its [lo, hi] interval:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "not measured: skipped: C compiler not installed") {
		t.Errorf("the skipped reference's reason is missing:\n%s", out.String())
	}
}

// TestRatioCINeedsSix: under 6 samples a side no interval is claimed,
// but the ratio and p are still shown, and with paired rounds the range
// of the per-round ratios.
func TestRatioCINeedsSix(t *testing.T) {
	ref := []float64{10, 11, 12, 13, 14}
	ours := []float64{9, 10, 11, 12, 13}
	cr := overhead.Cross(benchmath.AssumeNothing, ref, ours)
	if cr.Ratio != 11.0/12.0 || !math.IsNaN(cr.Lo) || !math.IsNaN(cr.Hi) {
		t.Errorf("Cross = ratio %v [%v, %v], want %v without an interval", cr.Ratio, cr.Lo, cr.Hi, 11.0/12.0)
	}
	var out bytes.Buffer
	printTable(&out, []row{{pair: pair{figure: "x IOPS", unit: "IOPS", goal: twoSided5}, cr: cr}}, nil)
	if !strings.Contains(out.String(), "0.917 [n<6]") || !strings.Contains(out.String(), "n=5") {
		t.Errorf("table:\n%s", out.String())
	}
	// The same samples as 5 rounds of a result file: round i is 9+i / 10+i.
	var f bytes.Buffer
	for i := range ref {
		fmt.Fprintf(&f, "BenchmarkX/impl=go-2 1 %v IOPS\nBenchmarkX/impl=c-2 1 %v IOPS\n", ours[i], ref[i])
	}
	path := filepath.Join(t.TempDir(), "r.txt")
	if err := os.WriteFile(path, append([]byte("tee: none\n"), f.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := results.Read([]results.Input{{Path: path}})
	if err != nil {
		t.Fatal(err)
	}
	ids := d.Find("X", "impl=go")
	if len(ids) != 1 {
		t.Fatalf("found %v", ids)
	}
	r := compare(d, pair{figure: "x IOPS", ours: ids[0], ref: with(ids[0], "impl", "c"), unit: "IOPS", goal: twoSided5})
	out.Reset()
	printTable(&out, []row{r}, nil)
	if !strings.Contains(out.String(), "0.917 {0.900, 0.929}") {
		t.Errorf("want the rounds' range {0.900, 0.929}:\n%s", out.String())
	}
}

func TestSkipParsing(t *testing.T) {
	for _, tc := range []struct {
		file, group, bench, reason string
	}{
		{"fio-skip.txt", "fio", "BenchmarkFio/job=read_iops/engine=fio", "fio not installed (looked for fio on PATH)"},
		{"sevenzip-skip.txt", "7zip", "BenchmarkSevenZip", "7-Zip not installed (looked for 7zz, 7z, 7za on PATH)"},
	} {
		out, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		var g group
		for _, x := range groups() {
			if x.name == tc.group {
				g = x
			}
		}
		c := &checker{}
		n := c.absorb(g, out)
		if n.refs != 0 || n.results != 0 {
			t.Errorf("%s: counts %+v, want none", tc.file, n)
		}
		if len(c.skipped) != 1 || c.skipped[0].Benchmark != tc.bench || c.skipped[0].Reason != tc.reason {
			t.Errorf("%s: skips %+v, want %s: %s", tc.file, c.skipped, tc.bench, tc.reason)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-pkgs", "foo_bench"}, `-pkgs: unknown "foo_bench" (known: io_bench, net_bench, cpu_bench)`},
		{[]string{"-pairs", "iperf"}, `-pairs: unknown "iperf"`},
		{[]string{"-pkgs", "io_bench", "-pairs", "stream"}, "select no pair"},
		{[]string{"-rounds", "0"}, "-rounds 0: want 1 or more"},
		{[]string{"-rounds", "x"}, `invalid value "x" for flag -rounds`},
		{[]string{"io_bench"}, "unexpected arguments"},
		{[]string{"-pkgs", ","}, "-pkgs: empty list"},
	} {
		var stdout, stderr bytes.Buffer
		if rc := run(tc.args, &stdout, &stderr); rc != 2 {
			t.Errorf("%q: exit %d, want 2", tc.args, rc)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: stderr %q, want %q", tc.args, stderr.String(), tc.want)
		}
	}
}

// TestSmoke runs crosscheck for real on the STREAM pair, 2 rounds, in the
// smoke profile: it builds cpu_bench's test binary and runs the Go and C
// triads alternately.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs cpu_bench (-short)")
	}
	if _, err := reftool.Lookup("C compiler", "gcc", "cc"); err != nil {
		t.Skipf("the C STREAM triad cannot be built: %v", err)
	}
	needManifest(t)
	t.Setenv("TEEBENCH_PROFILE", "smoke")
	out := filepath.Join(t.TempDir(), "cc.txt")
	var stdout, stderr bytes.Buffer
	if rc := run([]string{"-rounds", "2", "-pairs", "stream", "-o", out}, &stdout, &stderr); rc != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", rc, stdout.String(), stderr.String())
	}
	t.Logf("\n%s", stdout.String())
	if !strings.Contains(stdout.String(), "Stream/kernel=triad/threads=1 B/s") || !strings.Contains(stdout.String(), "n=2") {
		t.Errorf("table lacks the triad row with n=2:\n%s", stdout.String())
	}
	d, err := results.Read([]results.Input{{Path: out}})
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range []string{"go", "c"} {
		id := results.ID{Base: "Stream", Params: []results.Param{{Key: "kernel", Value: "triad"}, {Key: "impl", Value: impl}, {Key: "threads", Value: "1"}}}
		if vs := d.Values(id, "B/s", 0); len(vs) != 2 {
			t.Errorf("%s: %d B/s samples in the result file, want 2", id, len(vs))
		}
	}
	if d.Arms[0].EnvValue("profile") != "smoke" {
		t.Errorf("result file's manifest: profile %q, want smoke", d.Arms[0].EnvValue("profile"))
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
	// A second run must not overwrite the file.
	stderr.Reset()
	if rc := run([]string{"-rounds", "1", "-pairs", "stream", "-o", out}, &stdout, &stderr); rc != 2 || !strings.Contains(stderr.String(), "file exists") {
		t.Errorf("rerun onto an existing file: exit %d, stderr %q", rc, stderr.String())
	}
}

// TestNothingMeasured: a run in which no benchmark produced a result (here
// a pattern that matches none) fails and leaves no result file behind,
// rather than a file holding a manifest and no samples.
func TestNothingMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cpu_bench (-short)")
	}
	needManifest(t)
	t.Setenv("TEEBENCH_PROFILE", "smoke")
	out := filepath.Join(t.TempDir(), "cc.txt")
	var stdout, stderr bytes.Buffer
	c := &checker{opt: options{rounds: 1, out: out}, stdout: &stdout, stderr: &stderr}
	g := group{name: "none", pkg: "cpu_bench", runs: []benchRun{{bench: "^BenchmarkNoSuchBenchmark$", benchtime: "1x"}},
		isRef: func(string) bool { return false }, pairs: func(*results.Dataset) []pair { return nil }}
	if rc := c.run(context.Background(), []group{g}); rc != 1 {
		t.Errorf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", rc, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("result file after a run that measured nothing: %v, want it removed", err)
	}
	if want := "no benchmark measured anything; removed " + out; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// needManifest skips a test that runs crosscheck when this machine's
// manifest cannot be read: built with -tags tdx on a machine that is not a
// TDX guest, crosscheck refuses to run (exit 2), as the benchmark packages
// do, and the test says so instead of failing on an exit status.
func needManifest(t *testing.T) {
	t.Helper()
	if _, err := benchenv.Full(); err != nil {
		t.Skipf("crosscheck refuses to run here, before any benchmark: %v", err)
	}
}

// TestInterrupted: an interrupt during a run keeps the rows measured so
// far (the result file stays, with them), starts nothing more and exits
// 130. The interrupt comes when the runner reads the first run's rows; the
// package is the runner's testdata package of fixed metrics.
func TestInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary (-short)")
	}
	needManifest(t)
	t.Setenv("TEEBENCH_PROFILE", "smoke")
	out := filepath.Join(t.TempDir(), "cc.txt")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &checker{opt: options{rounds: 3, out: out}, stdout: &stdout, stderr: &stderr}
	g := group{name: "fixed", pkg: "internal/runner/testdata/fixed",
		runs:  []benchRun{{bench: "^BenchmarkFixed$", benchtime: "1x"}, {bench: "^BenchmarkSweep$", benchtime: "1x"}},
		isRef: func(string) bool { cancel(); return false }, pairs: func(*results.Dataset) []pair { return nil }}
	if rc := c.run(ctx, []group{g}); rc != 130 {
		t.Errorf("exit %d, want 130\nstdout:\n%s\nstderr:\n%s", rc, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the rows measured before the interrupt are lost: %v", err)
	}
	if !strings.Contains(string(b), "BenchmarkFixed") || strings.Contains(string(b), "BenchmarkSweep") {
		t.Errorf("result file: want the first run's row alone:\n%s", b)
	}
	if !strings.Contains(stdout.String(), "FAILED: interrupted") {
		t.Errorf("stdout lacks the interruption:\n%s", stdout.String())
	}
}
