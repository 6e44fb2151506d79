package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/report/golden"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// TestFirstScreen: the summary table comes right under the title (before
// the method paragraph and the environment), with a row for every area,
// GPU as "not measured" with the skip's reason.
func TestFirstScreen(t *testing.T) {
	got, _ := render(t, derived)
	lines := strings.Split(got, "\n")
	hdr := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "| area | headline (benchmark, unit) | base `none` | TEE `tdx` (unattested) | TEE cost [95% CI] (+ = worse) | TEE/base time × |") {
			hdr = i
			break
		}
	}
	if hdr < 0 || hdr > 12 {
		t.Fatalf("summary table header at line %d, want within the first 12 lines:\n%s", hdr+1, strings.Join(lines[:20], "\n"))
	}
	body := strings.Join(lines[hdr:], "\n")
	for _, a := range []string{"Storage", "Network", "CPU", "Memory", "zk", "GPU", "LLM", "Mechanisms"} {
		if !strings.Contains(body, "\n| "+a+" | ") {
			t.Errorf("summary has no %s row", a)
		}
	}
	if m, e := strings.Index(got, "*Method.*"), strings.Index(got, "## Environment"); m < strings.Index(got, "| Mechanisms |") || e < m {
		t.Error("the method paragraph must follow the summary table and precede the environment")
	}
	if !strings.Contains(got, "| Storage | Random read IOPS (4K QD64), fio (`Fio/job=read_iops/engine=fio`, IOPS) | 79.76k ±1% | 63.81k ±1% | +20.00% [+19.0, +21.0] | 1.25× |") {
		t.Error("storage headline is not fio's read IOPS with its cost and slowdown")
	}
}

// TestFewRunsBanner: with n < 6 one banner at the top says what is
// withheld; no cell repeats it and no ±∞ appears.
func TestFewRunsBanner(t *testing.T) {
	got, _ := render(t, []string{"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"})
	if n := strings.Count(got, "**Too few runs for statistics:**"); n != 1 {
		t.Errorf("%d banners, want 1", n)
	}
	if i := strings.Index(got, "**Too few runs for statistics:**"); i > strings.Index(got, "| area |") {
		t.Error("the banner is not above the summary")
	}
	for _, bad := range []string{"±∞", "too few runs for a significance test", "need >= 6 samples", "need >= 4 samples"} {
		if strings.Contains(got, bad) {
			t.Errorf("report still shows %q", bad)
		}
	}
	got, _ = render(t, derived)
	if !strings.Contains(got, "**Too few runs for statistics:**") { // one fio row has n=3
		t.Error("derived report (one row n=3) lacks the banner")
	}
}

// TestSlowdown: +20% of throughput and +25% of latency are the same 1.25×.
func TestSlowdown(t *testing.T) {
	if s := overhead.Slowdown(100, 80, overhead.Higher); math.Abs(s-1.25) > 1e-12 {
		t.Errorf("throughput 100 → 80: %v, want 1.25", s)
	}
	if s := overhead.Slowdown(100, 125, overhead.Lower); math.Abs(s-1.25) > 1e-12 {
		t.Errorf("latency 100 → 125: %v, want 1.25", s)
	}
	if s := overhead.Slowdown(1, 2, overhead.Neutral); !math.IsNaN(s) {
		t.Errorf("neutral: %v, want NaN", s)
	}
}

// TestToleranceBand: "consistent" is the published overhead inside our
// interval widened by max(3 points, 10% of the published figure).
func TestToleranceBand(t *testing.T) {
	dl := overhead.Delta{OK: true, Overhead: 38.6, Lo: 37.9, Hi: 39.3}
	for _, tc := range []struct {
		pub  float64
		want string
	}{
		{38.6, "consistent"},
		{43.5, "consistent"},            // 39.3 + max(3, 4.35) = 43.65
		{44.0, "smaller overhead here"}, // beyond 39.3 + 4.4
		{34.9, "consistent"},            // 37.9 - max(3, 3.49) = 34.41
		{34.0, "larger overhead here"},
	} {
		if v := overhead.Verdict(overhead.PubOverhead{Pct: tc.pub}, dl, 6, 6); v != tc.want {
			t.Errorf("published %v against [37.9, 39.3]: %q, want %q", tc.pub, v, tc.want)
		}
	}
}

// TestCrossCheckGoals: the cross-check tables show scripts/crosscheck's
// goal per figure and whether each arm's ratio meets it, so a ratio of
// 0.79 no longer reads as agreement.
func TestCrossCheckGoals(t *testing.T) {
	got, _ := render(t, derived)
	for _, w := range []string{
		"| Go engine: TEE cost tdx vs none | go/fio goal | go/fio none | go/fio tdx |",
		"| +20.00% [+19.0, +21.0] | within ±5% | 0.7907 ✗ | 0.7907 ✗ |",
		"| +20.00% [+19.0, +21.0] | within ±5% | 1.015 ✓ | 1.015 ✓ |",
		"| +900.00% [+888.1, +912.1] (disagrees) | within ±5% | 0.9047 ✗ | 7.237 ✗ |",
		"| none (context) | 0.9322 | 0.9322 |",
		"| figure (unit) | goal | none go/ref | tdx (unattested) go/ref |",
		"| QPS path=direct keepalive=off c=50 vs ab (req/s) | ≥ 1.0 | 0.8296 ✗ | 0.8296 ✗ |",
		"| QPS path=direct keepalive=on c=50 vs wrk (req/s) | ≥ 0.9 | 0.7602 ✗ | 0.7602 ✗ |",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("cross-check lacks %q", w)
		}
	}
}

// TestHeadlineReferenceTool: the headline comes from the reference tool
// when it ran in every arm, from the Go engine when it did not.
func TestHeadlineReferenceTool(t *testing.T) {
	got, _ := render(t, derived)
	if !strings.Contains(got, "| Network | TLS proxy QPS, keepalive=off, c=200, ab (`Gateway/path=tls-proxy/keepalive=off/c=200/client=ab`, req/s) |") {
		t.Error("network headline is not ab's")
	}
	// Without fio rows in the TEE arm, the storage headline is the Go engine's.
	dir := t.TempDir()
	b, err := os.ReadFile(derived[1])
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "/engine=fio") {
			keep = append(keep, l)
		}
	}
	tee := filepath.Join(dir, "tee.txt")
	if err := os.WriteFile(tee, []byte(strings.Join(keep, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ = render(t, []string{derived[0], tee})
	if !strings.Contains(got, "| Storage | Random read IOPS (4K QD64), Go (reference not in every arm) (`Fio/job=read_iops/engine=go`, IOPS) |") {
		t.Errorf("storage headline without fio in the TEE arm:\n%s", got[:3000])
	}
}

// TestUnattested: a TEE arm whose files lack verified evidence is labelled
// unattested on the first screen and in its headings (keeping its token),
// gets no verdict unless -allow-unattested, and the banner names the fix.
// With verified evidence the label and the banner go away.
func TestUnattested(t *testing.T) {
	got, _ := render(t, derived)
	for _, w := range []string{
		"Compared: `tdx` (unattested) (TDX: testdata/derived-tee.txt).",
		"| TEE `tdx` (unattested) |",
		"run `scripts/attest FILE` inside the TDX guest",
		"| no verdict: `tdx` is unattested |",
		"| key | none | tdx (unattested) |",
		"| evidence | absent | absent |",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("unattested report lacks %q", w)
		}
	}
	if strings.Contains(got, "| smaller overhead here |") || strings.Contains(got, "| consistent |") {
		t.Error("an unattested arm got a verdict against the published overheads")
	}
	got, _ = renderOpt(t, derived, Options{AllowUnattested: true})
	if !strings.Contains(got, "**-allow-unattested** was given") || !strings.Contains(got, "| smaller overhead here |") {
		t.Error("-allow-unattested: want the banner and the verdicts")
	}
	verified := func(p string) attest.Evidence {
		if strings.Contains(p, "tee") {
			return attest.Evidence{Status: attest.StateVerified, TEE: "tdx", MRTD: "ab12"}
		}
		return attest.Evidence{Status: attest.StateAbsent}
	}
	got, _ = renderOpt(t, derived, Options{Evidence: verified})
	if strings.Contains(got, "unattested") || !strings.Contains(got, "| smaller overhead here |") || !strings.Contains(got, "| evidence | absent | verified quote (MRTD ab12) |") {
		t.Error("verified evidence: want no unattested label, verdicts, and the state in the environment table")
	}
}

// TestEnvironmentCompact: with two arms the environment table shows the
// keys that differ or are missing, counts the identical ones, reports a
// key one arm lacks as missing (not as a difference), shows the run-info
// lines per arm, and rows of a package an arm did not run say so.
func TestEnvironmentCompact(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var a, b strings.Builder
	a.WriteString("# run suite-revision: 0123abc\n# run fio-version: fio-3.36\ntee: none\nplatform: vm\nvcpus: 2\nkernel: 6.1\nio-fs: ext4\n")
	b.WriteString("# run suite-revision: 4567def\ntee: tdx\nplatform: cvm\nvcpus: 2\nkernel: 6.1\n")
	for i := range 6 {
		fmt.Fprintf(&a, "BenchmarkFio/job=read_iops/engine=go-2 1 %d IOPS\n", 1000+i)
		fmt.Fprintf(&a, "BenchmarkWakeup/mech=chan-2 1 %d ns/op\n", 100+i)
		fmt.Fprintf(&b, "BenchmarkWakeup/mech=chan-2 1 %d ns/op\n", 120+i)
	}
	got, _ := render(t, []string{write("a.txt", a.String()), write("b.txt", b.String())})
	env := got[strings.Index(got, "## Environment"):]
	env = env[:strings.Index(env, "\n## ")]
	for _, w := range []string{"| io-fs | ext4 | missing |", "*Missing* keys", "2 more keys are identical in every arm: `vcpus`, `kernel`.",
		"| run suite-revision | 0123abc | 4567def |", "| run fio-version | fio-3.36 | – |"} {
		if !strings.Contains(env, w) {
			t.Errorf("environment lacks %q:\n%s", w, env)
		}
	}
	if strings.Contains(got, "manifest keys differ too") {
		t.Error("a key one arm lacks is warned as a difference")
	}
	if !strings.Contains(got, "– (not run in `tdx`)") {
		t.Error("a row the TEE arm did not run does not say so")
	}
}

// TestReportLength: the two-arm report of the committed fixtures fits in
// 350 lines: no zero error-rate row (one line says it), no row the same
// in every run (one line), no macro row repeated in §IX.
func TestReportLength(t *testing.T) {
	got, _ := render(t, derived)
	if n := strings.Count(got, "\n"); n > 350 {
		t.Errorf("two-arm report of the fixtures: %d lines, want ≤ 350", n)
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "errors/op`") && strings.Contains(l, "| 0.00% ±0% | 0.00% ±0% |") {
			t.Errorf("zero error-rate row not collapsed:\n%s", l)
		}
		if strings.HasPrefix(l, "| Constraints sha256") {
			t.Errorf("a row the same in every run is not collapsed:\n%s", l)
		}
	}
	for _, w := range []string{"*No errors* (`errors/op` 0 in every run of every arm): Error rate c=50; Error rate c=200.",
		"*The same in every run of every arm:* Constraints sha256 groth16 (`constraints`) 200.6k;"} {
		if !strings.Contains(got, w) {
			t.Errorf("report lacks %q", w)
		}
	}
}

// TestCorrectedStatements pins the key claim of each statement issue 30
// found wrong: TLS 1.3 resumption still exchanges keys; a handshake-bound
// proxy with its client on the same vCPUs measures about half the
// ceiling; efficiency above 100% appears without a TEE; no issue numbers
// in user text; path=direct is not "the TLS gateway"; the target's CPU
// says of what; a served model is not called embedded.
func TestCorrectedStatements(t *testing.T) {
	got, _ := render(t, derived)
	for _, w := range []string{
		"Go's TLS 1.3 resumption still does a fresh key exchange, psk_dhe_ke",
		"a proxy bound by handshakes measures about 0.5 of this ceiling, not 1",
		"Efficiency above 100% appears here without any TEE (`none`)",
		"model tiny is not one of the published models",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	for _, bad := range []string{"resume=on is the control without the key exchange", "near 1 says handshakes bound the proxy", "(issue ", "embedded model"} {
		if strings.Contains(got, bad) {
			t.Errorf("report still says %q", bad)
		}
	}
	direct, _ := render(t, without(t, derived, "path=tls-proxy"))
	if !strings.Contains(direct, "### By concurrency (path=direct, keepalive=off)\n\n`ab -n 5000 -c N` against the backend over plain HTTP (path=direct, no TLS gateway") ||
		strings.Contains(direct, "against the TLS gateway") {
		t.Error("a path=direct gateway table is described as the TLS gateway")
	}
	// target-cpu-% is the target's CPU time over wall time, 100 = one core.
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("tee: none\n")
	for i := range 6 {
		fmt.Fprintf(&b, "BenchmarkGatewayMulti/path=tls-proxy/clients=51/c=40/client=go-2 5000 %d ns/op %g target-cpu-%%\n", 1000+i, 105.3+float64(i)/10)
	}
	p := filepath.Join(dir, "m.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ = render(t, []string{p})
	if !strings.Contains(got, "| Target CPU, % of one core path=tls-proxy K=51 clients × c=40 (client=go) | `GatewayMulti/path=tls-proxy/clients=51/c=40/client=go target-cpu-%` | 105.5% ±") {
		t.Errorf("target CPU row does not say of what:\n%s", got[strings.Index(got, "### Multi-client"):][:800])
	}
}

// TestRowsInNoSection: a benchmark no section knows, and a fio job the
// catalog does not declare, are listed in an appendix with a warning (in
// the report and on stderr) instead of vanishing.
func TestRowsInNoSection(t *testing.T) {
	var b strings.Builder
	b.WriteString("tee: none\n")
	for i := range 6 {
		fmt.Fprintf(&b, "BenchmarkBrandNew/size=1KiB-2 100 %d ns/op %d widgets/s\n", 1000+i, 50+i)
		fmt.Fprintf(&b, "BenchmarkFio/job=read_iops/engine=go-2 1 %d IOPS\n", 1000+i)
		fmt.Fprintf(&b, "BenchmarkFio/job=trim_iops/engine=go-2 1 %d IOPS\n", 900+i)
	}
	p := filepath.Join(t.TempDir(), "new.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var warns []string
	got, _ := renderOpt(t, []string{p}, Options{Warn: func(s string) { warns = append(warns, s) }})
	for _, w := range []string{"> **Warning:** 2 benchmark(s) in the result files are in no section of this report (first: `BrandNew/size=1KiB`)",
		"## Appendix: rows in no section", "| `BrandNew/size=1KiB` | sec/op, widgets/s | none |", "| `Fio/job=trim_iops/engine=go` | IOPS | none |"} {
		if !strings.Contains(got, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if strings.Contains(got, "| `Fio/job=read_iops/engine=go` | IOPS |") {
		t.Error("a known fio job is listed as in no section")
	}
	if !strings.Contains(strings.Join(warns, "\n"), "2 benchmark(s) are in no section of the report") {
		t.Errorf("warnings: %q", warns)
	}
	// The committed fixtures have none.
	if got, _ := render(t, derived); strings.Contains(got, "rows in no section") {
		t.Error("the derived fixtures have rows in no section")
	}
}

// documentJSON writes the JSON Document of the files (arms grouped as the
// report command groups them), as -format json does.
func documentJSON(t *testing.T, files []string, opt Options) *bytes.Buffer {
	t.Helper()
	in, err := results.ParseInputs(files)
	if err != nil {
		t.Fatal(err)
	}
	d, err := results.ReadArms(in)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := DocumentOf(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteDocument(&buf, doc); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// TestJSONGolden: -format json of the real runs, against a golden file
// (go test -update rewrites it): arms with environment, run info, files
// with evidence and skips; headlines; titled tables; rows in no section.
func TestJSONGolden(t *testing.T) {
	buf := documentJSON(t, []string{"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"}, Options{Evidence: noEvidence})
	golden.Check(t, "testdata/real.golden.json", buf.String())
	if strings.Contains(buf.String(), `"title": null`) || strings.Contains(buf.String(), `"title": ""`) {
		t.Error("a table without a title")
	}
}

// TestSummaryNotRun: a headline the TEE arm did not run says so.
func TestSummaryNotRun(t *testing.T) {
	got, _ := render(t, without(t, derived, "BenchmarkSevenZip"))
	if !strings.Contains(got, "| CPU | ") {
		t.Fatal("no CPU row")
	}
	tee := without(t, derived[1:], "BenchmarkSevenZip")
	got, _ = render(t, []string{derived[0], tee[0]})
	if !strings.Contains(got, "| – (not run in `tdx`) | – | – | no headline |") {
		t.Errorf("CPU headline without the TEE arm's 7-Zip:\n%s", got[:2500])
	}
}

// TestMechanismsHeadline: the summary's mechanisms row is the PCI config
// read (an exit to the host in every VM kind) when every arm measured it,
// else the CPUID leaf, named as an exit in a TD only.
func TestMechanismsHeadline(t *testing.T) {
	all := []string{"Exit/op=pci-config-read", "Exit/op=cpuid-hypervisor-leaf", "Exit/op=getpid"}
	noPCI := []string{"Exit/op=cpuid-hypervisor-leaf", "Exit/op=getpid"}
	for _, tc := range []struct {
		name      string
		base, tee []string
		want      string
	}{
		{"both arms", all, all, "| Mechanisms | VM exit (PCI config read) (`Exit/op=pci-config-read`, sec/op) |"},
		{"one arm", all, noPCI, "| Mechanisms | CPUID hypervisor leaf (an exit in a TD, not in an SNP guest) (`Exit/op=cpuid-hypervisor-leaf`, sec/op) |"},
	} {
		got, _ := render(t, writeArms(t, []string{"none", "sev-snp"}, tc.base, tc.tee))
		if !strings.Contains(got, tc.want) {
			i := strings.Index(got, "| Mechanisms |")
			t.Errorf("%s: summary lacks %q:\n%.300s", tc.name, tc.want, got[max(i, 0):])
		}
	}
}

// TestUnattestedFixPerTEE: the unattested banner's fix names the arm's
// TEE from internal/tee (its guest, build tag and evidence file), and a
// TEE the suite does not know gets the generic text.
func TestUnattestedFixPerTEE(t *testing.T) {
	exits := []string{"Exit/op=getpid"}
	for _, tc := range []struct {
		tee       string
		want, bad []string
	}{
		{"sev-snp", []string{"run `scripts/attest FILE` inside the SEV-SNP guest", "`TAGS=snp`", "a plain `go test -bench -tags snp` writes no `FILE.snp-report`"}, []string{"TAGS=tdx", "inside the TD"}},
		{"tdx", []string{"run `scripts/attest FILE` inside the TDX guest", "`TAGS=tdx`", "a plain `go test -bench -tags tdx` writes no `FILE.quote`"}, []string{"TAGS=snp"}},
		{"acme-tee", []string{"run `scripts/attest FILE` inside the TEE guest", "when `TAGS` names the TEE's build tag"}, []string{"TAGS=tdx", "TAGS=snp"}},
	} {
		got, _ := render(t, writeArms(t, []string{"none", tc.tee}, exits, exits))
		_, banner, _ := strings.Cut(got, "> **Unattested:**")
		banner, _, _ = strings.Cut(banner, "\n")
		for _, w := range tc.want {
			if !strings.Contains(banner, w) {
				t.Errorf("%s: banner lacks %q:\n%s", tc.tee, w, banner)
			}
		}
		for _, b := range tc.bad {
			if strings.Contains(banner, b) {
				t.Errorf("%s: banner has %q:\n%s", tc.tee, b, banner)
			}
		}
	}
}
