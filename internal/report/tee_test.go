package report

import (
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/report/results"
)

// h100 are the TEE-pairing fixtures (testdata/genh100): one baseline and
// two TEE arms, all with an H100, built from the derived fixtures.
var h100 = struct{ base, snp, tdx string }{"testdata/h100-base.txt", "testdata/h100-snp.txt", "testdata/h100-tdx.txt"}

// command renders the report of the files as the report command does
// (evidence from attest.EvidenceFor, arms grouped by tee:), with
// -allow-unattested when allow.
func command(t *testing.T, allow bool, files ...string) string {
	t.Helper()
	got, _ := renderOpt(t, files, Options{Evidence: attest.EvidenceFor, AllowUnattested: allow})
	return got
}

// TestSNPArm: an SEV-SNP arm with an H100 is held against the published
// H100 pair (an SEV-SNP CVM, docs/published.md) for its published model's
// LLM rows, the embedded models stay "reference only", the TDX storage
// pairs are not comparable, and the report names SEV-SNP. Without
// evidence the arm is unattested and gets no verdict.
func TestSNPArm(t *testing.T) {
	got := command(t, true, h100.base, h100.snp)
	for _, w := range []string{
		"Compared: `sev-snp` (unattested) (SEV-SNP: " + h100.snp + ").",
		"| tee | none | sev-snp (SEV-SNP) |",
		"| evidence | absent | absent |",
		// The summary's LLM headline is the published model's, with its verdict.
		"| LLM | TTFT mean, model=llama-3.1-8b-instruct (concurrency=1) (`Serve/model=llama-3.1-8b-instruct/concurrency=1`, ttft-mean-sec) | 54.51ms ±1% | 68.13ms ±1% | +25.00% [+23.5, +26.5] | 1.25× | +19.0% (H100 Llama-3.1-8B TEE-off → TEE-on, SEV-SNP) · bound 4× | larger overhead here |",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	for bench, want := range map[string]string{
		"Serve/model=llama-3.1-8b-instruct/concurrency=1 ttft-mean-sec": "| +19.0% (H100 Llama-3.1-8B TEE-off → TEE-on, SEV-SNP) | larger overhead here |",
		"Serve/model=llama-3.1-8b-instruct/concurrency=1 req/s":         "| +3.2% (H100 Llama-3.1-8B TEE-off → TEE-on, SEV-SNP) | not comparable: the paper's QPS",
		"Serve/model=llama-3.1-8b-instruct/concurrency=1 itl-mean-sec":  "| +7.7% (H100 Llama-3.1-8B TEE-off → TEE-on, SEV-SNP) | not comparable: the paper's ITL",
		"Serve/model=tiny/concurrency=1 ttft-mean-sec":                  "| +19.0% (H100 Llama-3.1-8B TEE-off → TEE-on, SEV-SNP) | not comparable: model tiny is not one of the published models (reference only) |",
		"Fio/job=read_iops/engine=fio IOPS":                             "| +40.3% (TDX-Lab VM → TDX-Lab CVM) | not comparable: published pair ran on TDX |",
	} {
		if l := rowLine(t, got, bench); !strings.Contains(l, want) {
			t.Errorf("%s: want %q in\n%s", bench, want, l)
		}
	}
	got = command(t, false, h100.base, h100.snp)
	if l := rowLine(t, got, "Serve/model=llama-3.1-8b-instruct/concurrency=1 ttft-mean-sec"); !strings.Contains(l, "| no verdict: `sev-snp` is unattested |") {
		t.Errorf("an SEV-SNP arm without evidence got a verdict:\n%s", l)
	}
}

// TestTDXArmOnH100: a TDX arm with an H100 is not held against the H100
// pair, which ran on SEV-SNP; the TDX storage pairs are its like.
func TestTDXArmOnH100(t *testing.T) {
	got := command(t, true, h100.base, h100.tdx)
	for bench, want := range map[string]string{
		"Serve/model=llama-3.1-8b-instruct/concurrency=1 ttft-mean-sec": "| +19.0% (H100 Llama-3.1-8B TEE-off → TEE-on, SEV-SNP) | not comparable: published pair ran on SEV-SNP |",
		"Fio/job=read_iops/engine=fio IOPS":                             "| +40.3% (TDX-Lab VM → TDX-Lab CVM) | smaller overhead here |",
	} {
		if l := rowLine(t, got, bench); !strings.Contains(l, want) {
			t.Errorf("%s: want %q in\n%s", bench, want, l)
		}
	}
	if !strings.Contains(got, "| tee | none | tdx (TDX) |") {
		t.Error("environment table does not name TDX")
	}
}

// TestTEEKeys: the TEE's name comes from internal/tee where it declares
// the Kind, and snp-* lines are TEE identity keys like tdx-* (expected to
// differ between arms, pooled without a warning).
func TestTEEKeys(t *testing.T) {
	for name, want := range map[string]string{"sev-snp": "SEV-SNP", "tdx": "TDX", "none": "", "": "", "cca": ""} {
		if got := results.TEETitle(name); got != want {
			t.Errorf("teeTitle(%q) = %q, want %q", name, got, want)
		}
	}
	for _, k := range []string{"snp-measurement", "snp-policy", "snp-tcb", "snp-report-source", "snp-vmpl", "snp-signer", "tdx-mrtd", "gpu-cc"} {
		if !teeKey(k) || !results.PoolKey(k) {
			t.Errorf("%s is not a TEE identity key", k)
		}
	}
	for _, k := range []string{"kernel", "snapshot", "gpu"} {
		if teeKey(k) {
			t.Errorf("%s is taken for a TEE identity key", k)
		}
	}
}
