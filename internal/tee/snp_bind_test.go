package tee_test

// These tests run internal/attest (scripts/attest and scripts/verify's
// code) over SEV-SNP evidence from go-sev-guest's fake signer. They live
// here, as an external test package of internal/tee, so that go-sev-guest
// is imported under internal/tee only (tee.FakeSNP, export_test.go).

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-sev-guest/abi"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/tee"
)

// useSNP makes k the SEV-SNP Kind that internal/attest finds (tee.Kinds)
// until the test ends.
func useSNP(t *testing.T, k *tee.SNP) {
	t.Helper()
	saved := *tee.SEVSNP
	*tee.SEVSNP = *k
	t.Cleanup(func() { *tee.SEVSNP = saved })
}

// snpResult writes a result file and its skip list into a new directory
// and attests it on a fake SEV-SNP guest with guest policy pol, through
// attest.RunAttestKind (scripts/attest -tags snp). It returns the result
// file's path and attest's output.
func snpResult(t *testing.T, pol abi.SnpPolicy) (string, string) {
	t.Helper()
	p, out, _ := snpResultKind(t, pol)
	return p, out
}

// snpResultKind is snpResult, also returning the fake guest's Kind.
func snpResultKind(t *testing.T, pol abi.SnpPolicy) (string, string, *tee.SNP) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "cpu.txt")
	if err := os.WriteFile(p, []byte("goos: linux\ntee: sev-snp\nBenchmarkX 1 2 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(attest.SkipsPath(p), []byte("package\treason\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k := tee.FakeSNP(t, pol)
	useSNP(t, k)
	var out bytes.Buffer
	if err := attest.RunAttestKind(&out, p, tee.SEVSNP, nil); err != nil {
		t.Fatalf("attest: %v\n%s", err, out.String())
	}
	return p, out.String(), k
}

// verify runs scripts/verify's check of p and returns its error and output.
func verify(p string) (error, string) {
	var out bytes.Buffer
	err := attest.RunVerify(&out, p, attest.VerifyOptions{})
	return err, out.String()
}

// TestSNPAttestVerifyBound: attest → verify on SEV-SNP binds the side
// files as a TDX quote does: the report data is SHA-512 of the binding list
// (with the verifier's nonce), which names the result file and its skip
// list; scripts/verify and EvidenceFor say the side files are bound.
func TestSNPAttestVerifyBound(t *testing.T) {
	t.Setenv(attest.NonceEnv, "n-42")
	p, out := snpResult(t, abi.SnpPolicy{SMT: true})
	for _, want := range []string{attest.BindPath(p), p + tee.SNPReportSuffix, p + tee.SNPCertsSuffix, "SEV-SNP evidence, report data = SHA-512 of the binding list", "cpu.skips.tsv"} {
		if !strings.Contains(out, want) {
			t.Errorf("attest output lacks %q:\n%s", want, out)
		}
	}
	err, vout := verify(p)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, vout)
	}
	for _, want := range []string{
		"check binding:   ok (report data = SHA-512 of cpu.txt.bind, which binds the file and 1 side file(s): cpu.skips.tsv; nonce n-42)",
		"check evidence:  ok (SEV-SNP",
		"snp-measurement:",
		"verdict:         SIGNED AND BOUND, BUT NO POLICY",
		"; nonce n-42;",
	} {
		if !strings.Contains(vout, want) {
			t.Errorf("verify output lacks %q:\n%s", want, vout)
		}
	}
	if strings.Contains(vout, "side files (the evidence covers the result file alone)") || strings.Contains(vout, "unbound") {
		t.Errorf("verify says side files are unbound:\n%s", vout)
	}
	ev := attest.EvidenceFor(p)
	if ev.Status != attest.StateVerified || ev.TEE != "sev-snp" {
		t.Fatalf("EvidenceFor = %+v", ev)
	}
	for _, c := range ev.Caveats {
		if strings.Contains(c, "unbound") {
			t.Errorf("caveat %q on bound evidence", c)
		}
	}
}

// TestSNPBindingFailures: every change to what the binding list covers, a
// genuine report over other data, and a changed byte of the report, fail
// verification.
func TestSNPBindingFailures(t *testing.T) {
	var k *tee.SNP
	cases := []struct {
		name   string
		change func(p string) error
		want   string
	}{
		// A genuine report, signed by the same guest, over other report
		// data: the signature holds, the binding does not.
		{"report over other data", func(p string) error {
			ev, err := k.Attest(attest.ReportData([]byte("other bytes")))
			if err != nil {
				return err
			}
			return os.WriteFile(p+tee.SNPReportSuffix, ev.Files[tee.SNPReportSuffix], 0o644)
		}, "SEV-SNP binding"},
		{"skip list deleted", func(p string) error { return os.Remove(attest.SkipsPath(p)) }, "cpu.skips.tsv is bound but missing"},
		{"skip list changed", func(p string) error { return os.WriteFile(attest.SkipsPath(p), []byte("x\ty\n"), 0o644) }, "cpu.skips.tsv was changed after quoting"},
		{"side file added", func(p string) error { return os.WriteFile(p+".attestation", []byte("attestation: x\n"), 0o644) }, "present but the binding list does not name it"},
		{"result byte changed", func(p string) error { return flip(p, 0) }, "is not the file cpu.txt.bind bound"},
		{"binding list deleted", func(p string) error { return os.Remove(attest.BindPath(p)) }, "SHA-512 of cpu.txt alone"},
		{"binding list rewritten", func(p string) error { return os.WriteFile(attest.BindPath(p), []byte("teebench-bind v1\n"), 0o644) }, "binding list"},
		// REPORT_DATA is inside the signed part of the report: the
		// signature fails before the binding could pass.
		{"report data byte changed", func(p string) error { return flip(p+tee.SNPReportSuffix, 0x50) }, "signature"},
		{"measurement byte changed", func(p string) error { return flip(p+tee.SNPReportSuffix, 0x90) }, "signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p string
			p, _, k = snpResultKind(t, abi.SnpPolicy{})
			if err, out := verify(p); err != nil {
				t.Fatalf("before the change: %v\n%s", err, out)
			}
			if err := c.change(p); err != nil {
				t.Fatal(err)
			}
			err, out := verify(p)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(out, "NOT VERIFIED") {
				t.Errorf("verify: %v, want an error containing %q\n%s", err, c.want, out)
			}
			if ev := attest.EvidenceFor(p); ev.Status != attest.StateFailed {
				t.Errorf("EvidenceFor = %+v", ev)
			}
		})
	}
}

// flip changes one byte of a file.
func flip(path string, at int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b[at] ^= 1
	return os.WriteFile(path, b, 0o644)
}

// TestSNPForeignChainAndDebug: a report under a chain that does not lead
// to AMD's roots fails, and a debug guest is refused even under the
// trusted (fake) roots.
func TestSNPForeignChainAndDebug(t *testing.T) {
	p, _ := snpResult(t, abi.SnpPolicy{})
	saved := *tee.SEVSNP
	*tee.SEVSNP = tee.SNP{} // AMD's embedded roots
	err, out := verify(p)
	*tee.SEVSNP = saved
	if err == nil || !strings.Contains(err.Error(), "AMD certificate chain") {
		t.Errorf("foreign chain: %v\n%s", err, out)
	}
	p, _ = snpResult(t, abi.SnpPolicy{Debug: true})
	if err, out := verify(p); err == nil || !strings.Contains(err.Error(), "allows debugging") {
		t.Errorf("debug guest: %v\n%s", err, out)
	}
}

// TestSNPUnboundStillLabelled: SEV-SNP evidence over the result file alone
// (no binding list: evidence made before the list) still verifies,
// labelled "side files unbound".
func TestSNPUnboundStillLabelled(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cpu.txt")
	body := []byte("tee: sev-snp\n")
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	k := tee.FakeSNP(t, abi.SnpPolicy{})
	useSNP(t, k)
	ev, err := k.Attest(attest.ReportData(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tee.WriteEvidence(p, ev); err != nil {
		t.Fatal(err)
	}
	err, out := verify(p)
	if err != nil || !strings.Contains(out, "side files unbound") || !strings.Contains(out, "side files (the evidence covers the result file alone)") {
		t.Errorf("verify: %v\n%s", err, out)
	}
	if e := attest.EvidenceFor(p); e.Status != attest.StateVerified || !strings.Contains(strings.Join(e.Caveats, ","), "side files unbound") {
		t.Errorf("EvidenceFor = %+v", e)
	}
}
