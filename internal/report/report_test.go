package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/report/golden"
	"github.com/teebench/teebench/internal/report/markdown"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
	"github.com/teebench/teebench/internal/skips"
	"golang.org/x/perf/benchfmt"
)

// noEvidence keeps golden output independent of the attest package's
// progress: every arm shows "none".
func noEvidence(string) attest.Evidence { return attest.Evidence{Status: attest.StateAbsent} }

func render(t *testing.T, args []string) (string, string) {
	t.Helper()
	return renderOpt(t, args, Options{})
}

// renderOpt is render with options (Evidence defaults to noEvidence).
func renderOpt(t *testing.T, args []string, opt Options) (string, string) {
	t.Helper()
	in, err := results.ParseInputs(args)
	if err != nil {
		t.Fatal(err)
	}
	d, err := results.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	opt.ChartDir = dir
	if opt.Evidence == nil {
		opt.Evidence = noEvidence
	}
	if err := renderMarkdown(&buf, d, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String(), dir
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		charts []string
	}{
		// Two arms grouped by tee:, every section filled (synthetic data).
		{"synth.golden.md", []string{"testdata/synth-base.txt", "testdata/synth-tee.txt"},
			[]string{"storage-iops.svg", "gateway-p99.svg", "llm-latency.svg", "scaling-efficiency.svg"}},
		// One arm: absolute figures, published column, no overhead.
		{"synth-one.golden.md", []string{"testdata/synth-tee.txt"}, []string{"scaling-efficiency.svg"}},
		// Two arms derived from a real run (testdata/genderived): n=6 per arm,
		// TEE arm with known injected changes; every verdict kind.
		{"derived.golden.md", derived, []string{"storage-iops.svg", "gateway-p99.svg", "gateway-open-loop.svg", "llm-latency.svg", "scaling-efficiency.svg"}},
		// Real runs of this suite on this machine, arms named by label=path.
		{"real.golden.md", []string{"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"}, []string{"storage-iops.svg", "gateway-p99.svg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, dir := render(t, tc.args)
			golden.Check(t, filepath.Join("testdata", tc.name), got)
			for _, c := range tc.charts {
				b, err := os.ReadFile(filepath.Join(dir, c))
				if err != nil {
					t.Fatalf("chart not written: %v", err)
				}
				if !bytes.Contains(b, []byte("<svg")) {
					t.Errorf("%s is not an SVG", c)
				}
				if !strings.Contains(got, "]("+c+")") {
					t.Errorf("report does not link %s", c)
				}
			}
		})
	}
}

func TestOneArmHasNoOverhead(t *testing.T) {
	got, _ := render(t, []string{"testdata/synth-tee.txt"})
	if strings.Contains(got, "| TEE cost ") || strings.Contains(got, "Warning:") {
		t.Errorf("one-arm report shows overhead or an environment warning")
	}
	if !strings.HasPrefix(got, "# teebench performance report\n\n**Absolute figures only, no overhead:**") || !strings.Contains(got, "`TAGS=tdx ./scripts/bench.sh` in the TDX guest") ||
		!strings.Contains(got, "`TAGS=snp ./scripts/bench.sh` in the SEV-SNP guest") ||
		!strings.Contains(got, "`BASELINE=") || !strings.Contains(got, "dstack") {
		t.Errorf("one-arm report does not open with how to get a TEE number:\n%.600s", got)
	}
	if !strings.Contains(got, "| published TEE cost |\n") || strings.Contains(got, "| verdict |") {
		t.Errorf("one-arm report: want the published overheads for reference and no verdict column")
	}
}

func TestEnvironmentWarning(t *testing.T) {
	got, _ := render(t, []string{"testdata/synth-base.txt", "testdata/synth-tee.txt"})
	for _, want := range []string{"these manifest keys differ too: `kernel`.", "Keys that differ with the TEE itself (not a warning): `platform`, `gpu-cc`."} {
		if !strings.Contains(got, want) {
			t.Errorf("missing line %q", want)
		}
	}
}

func TestEmptySectionsNamed(t *testing.T) {
	got, _ := render(t, []string{"testdata/real-run1.txt"})
	for _, s := range []string{"*VII. LLM inference: no data; `go test -run '^$' -bench '^BenchmarkServe$' ./llm_bench` would fill this section.*"} {
		if !strings.Contains(got, s) {
			t.Errorf("missing line %q", s)
		}
	}
}

// TestOverheadEqualsBenchstat runs cmd/benchstat on the same files and checks
// that every comparison's delta column equals ours, and that the overhead
// is that delta (latency) or its negation (throughput).
func TestOverheadEqualsBenchstat(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found: cannot run benchstat")
	}
	for _, tc := range []struct {
		name     string
		args     []string // ours
		bsArgs   []string // benchstat's
		min, sig int      // rows that must be checked / significant
	}{
		// Synthetic pair grouped by tee:, the other differing keys ignored.
		{"synthetic", []string{"testdata/synth-base.txt", "testdata/synth-tee.txt"},
			[]string{"-col", "tee", "-ignore", "platform,kernel,gpu-cc", "testdata/synth-base.txt", "testdata/synth-tee.txt"}, 200, 150},
		// Real runs named by labels (benchstat's default -col .file).
		{"real", []string{"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"},
			[]string{"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"}, 100, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(gobin, append([]string{"tool", "benchstat", "-format", "csv"}, tc.bsArgs...)...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("benchstat: %v", err)
			}
			in, _ := results.ParseInputs(tc.args)
			d, err := results.Read(in)
			if err != nil {
				t.Fatal(err)
			}
			checked, signif := compareWithBenchstat(t, d, out)
			if checked < tc.min || signif < tc.sig {
				t.Fatalf("checked %d rows (%d significant), want >= %d (%d): benchstat output not parsed?\n%s", checked, signif, tc.min, tc.sig, out)
			}
			t.Logf("%d benchstat rows checked, %d significant", checked, signif)
		})
	}
}

// compareWithBenchstat checks every row of benchstat's CSV output against
// our Stat for the same benchmark and unit.
func compareWithBenchstat(t *testing.T, d *results.Dataset, out []byte) (checked, signif int) {
	t.Helper()
	var unit string
	for _, line := range strings.Split(string(out), "\n") {
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil || len(rec) < 7 {
			continue
		}
		if rec[0] == "" {
			if rec[2] == "CI" { // the units header: ",sec/op,CI,sec/op,CI,vs base,P"
				unit = rec[1]
			}
			continue
		}
		if rec[0] == "geomean" || unit == "" {
			continue
		}
		id := results.ParseID(benchfmt.Name(rec[0]))
		dir := overhead.Neutral
		switch d.Units.GetBetter(unit) {
		case 1:
			dir = overhead.Higher
		case -1:
			dir = overhead.Lower
		}
		dl := overhead.StatOf(d, id, unit, dir).Deltas[1]
		if dl.Benchstat != rec[5] {
			t.Errorf("%s %s: our delta %q, benchstat %q", rec[0], unit, dl.Benchstat, rec[5])
		}
		checked++
		if rec[5] == "~" {
			if dl.Significant {
				t.Errorf("%s %s: benchstat says ~, we say significant", rec[0], unit)
			}
			continue
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(rec[5], "%"), 64)
		if err != nil {
			continue // "?" is compared as a string above
		}
		want := pct
		if dir == overhead.Higher {
			want = -pct
		}
		if math.Abs(dl.Overhead-want) > 0.005 {
			t.Errorf("%s %s: overhead %.4f%%, benchstat delta %s (dir %d)", rec[0], unit, dl.Overhead, rec[5], dir)
		}
		// The rendered cell carries the same number.
		if got, w := formatOverhead(dl), strconv.FormatFloat(dl.Overhead, 'f', 2, 64); !strings.HasPrefix(got, w) && !strings.HasPrefix(got, "+"+w) {
			t.Errorf("%s %s: rendered %q, overhead %.2f", rec[0], unit, got, dl.Overhead)
		}
		signif++
	}
	return checked, signif
}

func TestEfficiencyMatchesReport(t *testing.T) {
	// docs/methods.md §0: 71665/(32 x 2803) = 79.90%; 7889/(2 x 2803) = 140.72%.
	for _, tc := range []struct {
		tot, tot1, n, want float64
	}{{71665, 2803, 32, 0.7990}, {7889, 2803, 2, 1.4072}, {97853, 4544, 32, 0.6730}} {
		if got := efficiency(tc.tot, tc.tot1, tc.n); math.Abs(got-tc.want) > 0.00005 {
			t.Errorf("efficiency(%v, %v, %v) = %.4f, want %.4f", tc.tot, tc.tot1, tc.n, got, tc.want)
		}
	}
	if !math.IsNaN(efficiency(1, 0, 2)) {
		t.Error("zero single-thread rating gave a number")
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{3642 * 1 << 20, "B/s", "3.557GiB/s"},
		{85e-6, "lat-mean-sec", "85.00µs lat-mean"},
		{9.5e-6, "cpu-sec/op", "9.500µs cpu/op"},
		{1.254, "sec/op", "1.254s"},
		{33000, "IOPS", "33.00k IOPS"},
		{0.0136, "errors/op", "1.36%"},
		{8340752, "proof-B", "7.954MiB proof"},
		{16.11e-6, "sec/page", "16.11µs/page"},
		{864e-6, "server-cpu-sec/handshake", "864.0µs server-cpu/handshake"},
		{0.9952, "go/c-ratio", "0.9952 go/c-ratio"},
		{3.13 * (1 << 20), "compress-B/s", "3.130MiB/s compress"},
		{40677, "compress-MIPS", "40.68k compress-MIPS"},
		{2811, "usage-%", "2811% usage"},
	} {
		if got := FormatValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestChartFailureKeepsReport(t *testing.T) {
	// A chart directory that is a file: every chart fails, the tables and
	// figures are still rendered, with a note per chart.
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	in, _ := results.ParseInputs([]string{"testdata/synth-base.txt", "testdata/synth-tee.txt"})
	d, err := results.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := renderMarkdown(&buf, d, Options{ChartDir: notDir, Evidence: noEvidence}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "*Chart not drawn: writing chart scaling-efficiency.svg") ||
		!strings.Contains(buf.String(), "## VIII. CPU thread scaling") {
		t.Errorf("report after chart failure:\n%.500s", buf.String())
	}
}

func TestEvidenceLine(t *testing.T) {
	// The evidence row comes from attest.EvidenceFor: a result file with a
	// .quote next to it is not "none" (verified or unverified, depending on
	// the attest package and the quote); one without is "none".
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/synth-tee.txt")
	if err != nil {
		t.Fatal(err)
	}
	tee := filepath.Join(dir, "tee.txt")
	if err := os.WriteFile(tee, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(attest.QuotePath(tee), []byte("not a quote"), 0o644); err != nil {
		t.Fatal(err)
	}
	in, _ := results.ParseInputs([]string{"testdata/synth-base.txt", tee})
	d, err := results.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := renderMarkdown(&out, d, Options{}); err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "| evidence |") {
			line = l
		}
	}
	if !strings.HasPrefix(line, "| evidence | absent | ") || strings.HasSuffix(line, "| absent |") {
		t.Errorf("evidence row %q: want absent for the baseline and a quote status for the TEE arm", line)
	}
	t.Log(line)
}

// TestSkipsFile reads R.skips.tsv beside a result file into its arm and
// refuses a malformed one naming file:line.
func TestSkipsFile(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "r.txt")
	if err := os.WriteFile(res, []byte("tee: tdx\nBenchmarkWakeup-2 10 5 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sk := results.SkipsPath(res)
	if err := os.WriteFile(sk, []byte(skips.Header+"\nfail\tgithub.com/teebench/teebench/llm_bench\tBenchmarkServe/model=x/concurrency=1\tTEEBENCH_LLM_URL http://127.0.0.1:1: connection refused\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := render(t, []string{res})
	if !strings.Contains(got, "## Not measured here") || !strings.Contains(got, "| tdx | fail | github.com/teebench/teebench/llm_bench | `BenchmarkServe/model=x/concurrency=1` | TEEBENCH_LLM_URL http://127.0.0.1:1: connection refused |") {
		t.Errorf("skips not listed:\n%.1500s", got)
	}
	if err := os.WriteFile(sk, []byte(skips.Header+"\noops\tpkg\t-\twhy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := results.Read([]results.Input{{Path: res}}); err == nil || !strings.Contains(err.Error(), "r.skips.tsv:2: unknown kind \"oops\"") {
		t.Errorf("bad skips file: %v", err)
	}
}

// TestArmsFromManyMachines: label=dir and label=glob arms; files of one
// label from two testbeds are split, not pooled; a second baseline arm
// is shown as the noise floor with no verdict.
func TestArmsFromManyMachines(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body+"# "+name+"\n"), 0o644); err != nil { // each run's content differs
			t.Fatal(err)
		}
		return p
	}
	run := func(tee, vcpus string, v float64) string {
		var b strings.Builder
		fmt.Fprintf(&b, "tee: %s\nplatform: vm\ncpu-model: X\nvcpus: %s\nkernel: 6.1\nUnit IOPS better=higher\n", tee, vcpus)
		for i := range 6 {
			fmt.Fprintf(&b, "BenchmarkFio/job=read_iops/engine=go-2 1 %g IOPS\n", v*(1+float64(i)/1000))
		}
		return b.String()
	}
	write("base/m1.txt", run("none", "2", 1000))
	write("base/m2.txt", run("none", "2", 1000))
	write("again/m1.txt", run("none", "2", 1000))
	write("base/m3.txt", run("none", "2", 1300)) // a machine that measures apart
	write("tdx/a.txt", run("tdx", "2", 800))
	write("tdx/b.txt", run("tdx", "8", 800))
	in, err := results.ParseInputs([]string{"base=" + filepath.Join(dir, "base"), "base2=" + filepath.Join(dir, "again", "*.txt"), "tdx=" + filepath.Join(dir, "tdx")})
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 6 {
		t.Fatalf("inputs %+v", in)
	}
	d, err := results.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, a := range d.Arms {
		labels = append(labels, a.Label)
	}
	if strings.Join(labels, ",") != "base,base2,tdx,tdx#2" {
		t.Errorf("arms %v, want base,base2,tdx,tdx#2 (two testbeds of tdx)", labels)
	}
	var out bytes.Buffer
	if err := renderMarkdown(&out, d, Options{Evidence: noEvidence}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"| noise floor base2 vs base [95% CI] |", "| TEE cost tdx vs base [95% CI] (+ = worse) |", "not pooled, reported as arm tdx#2",
		"m3.txt measures apart from the other files of arm base: median 1.303k IOPS vs 1.002k IOPS (p=0.000 n=12+6)"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q\n%s", want, got[strings.Index(got, "## II"):][:1500])
		}
	}
	if _, err := results.ParseInputs([]string{"x=" + filepath.Join(dir, "none-*.txt")}); err == nil || !strings.Contains(err.Error(), "no result file matches") {
		t.Errorf("empty glob: %v", err)
	}
}

// renderMarkdown builds d's document and writes it as Markdown, as the
// command does.
func renderMarkdown(w io.Writer, d *results.Dataset, opt Options) error {
	doc, err := Build(d, opt)
	if err != nil {
		return err
	}
	return markdown.Write(w, doc)
}
