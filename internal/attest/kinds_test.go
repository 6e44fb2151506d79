package attest

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/tee"
)

// TestVerifySNPResult: a result with SEV-SNP side files (and no TDX quote)
// goes to the SEV-SNP Kind: a report that is not one fails naming SEV-SNP,
// in scripts/verify's output and in EvidenceFor; a report without its
// certificate table is incomplete evidence.
func TestVerifySNPResult(t *testing.T) {
	p := writeResult(t, "goos: linux\ntee: sev-snp\n")
	os.WriteFile(p+tee.SNPReportSuffix, bytes.Repeat([]byte{1}, 1184), 0o644)
	var out bytes.Buffer
	err := RunVerify(&out, p, VerifyOptions{})
	if err == nil || !strings.Contains(out.String(), "NOT VERIFIED: tee: SEV-SNP evidence") {
		t.Errorf("incomplete SNP evidence: %v\n%s", err, out.String())
	}
	if !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("want the missing certificate table named: %v", err)
	}
	os.WriteFile(p+tee.SNPCertsSuffix, nil, 0o644)
	out.Reset()
	err = RunVerify(&out, p, VerifyOptions{})
	if err == nil || !strings.Contains(out.String(), "check evidence:  FAIL") || !strings.Contains(err.Error(), "SEV-SNP") {
		t.Errorf("a report that is not one: %v\n%s", err, out.String())
	}
	if ev := EvidenceFor(p); ev.Status != StateFailed || ev.TEE != "sev-snp" || !strings.Contains(ev.Reason, "SEV-SNP") {
		t.Errorf("EvidenceFor = %+v", ev)
	}
	if _, err := PolicyForFile(p, VerifyOptions{}, false); err == nil || !strings.Contains(err.Error(), "does not verify") || !strings.Contains(err.Error(), "SEV-SNP") {
		t.Errorf("PolicyForFile of SNP evidence that does not verify: %v", err)
	}
	// A policy without a sev-snp section cannot pass an SNP result.
	pol := &tee.Policy{Version: tee.PolicyVersion, TDX: &tee.TDXPolicy{MRTD: strings.Repeat("00", 48)}}
	if _, err := verifyKind(p, tee.SEVSNP, tee.Evidence{}, VerifyOptions{Policy: pol, PolicyLabel: "p.json"}); err == nil || !strings.Contains(err.Error(), `no "sev-snp" section`) {
		t.Errorf("policy without a sev-snp section: %v", err)
	}
	if ev := EvidenceFor(writeResult(t, "tee: sev-snp\n")); ev.Status != StateAbsent || !strings.Contains(ev.Reason, "no snp-report") {
		t.Errorf("tee: sev-snp without evidence: %+v", ev)
	}
}

// fakeKind is a TEE whose evidence is the report data itself.
type fakeKind struct{ tee.Kind }

func (fakeKind) Name() string                { return "fake" }
func (fakeKind) Title() string               { return "FAKE" }
func (fakeKind) Suffixes() []string          { return []string{".fake"} }
func (fakeKind) Detect(string) tee.Detection { return tee.Detection{} }
func (fakeKind) Attest(rd [64]byte) (tee.Evidence, error) {
	return tee.Evidence{TEE: "fake", Files: map[string][]byte{".fake": rd[:]}}, nil
}
func (fakeKind) Describe(ev tee.Evidence) ([]tee.Line, error) {
	return []tee.Line{{Key: "fake-id", Value: "1"}}, nil
}
func (fakeKind) Verify(tee.Evidence, [64]byte, json.RawMessage, tee.VerifyOptions) (tee.Claims, error) {
	return tee.Claims{}, nil
}

// TestRunAttestKind: a Kind's evidence is over SHA-512 of the binding
// list, which names the result file and its skip list, and both are
// written beside it, never over evidence that exists.
func TestRunAttestKind(t *testing.T) {
	p := writeResult(t, fixtureText)
	os.WriteFile(SkipsPath(p), []byte("skip\n"), 0o644)
	var out bytes.Buffer
	if err := RunAttestKind(&out, p, fakeKind{}, nil); err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile(BindPath(p))
	if err != nil {
		t.Fatal(err)
	}
	if l, err := ParseBindList(list); err != nil || len(l.Entries) != 2 || l.Entries[1].Name != filepath.Base(SkipsPath(p)) {
		t.Errorf("binding list %q: %+v %v", list, l, err)
	}
	sum := sha512.Sum512(list)
	if b, err := os.ReadFile(p + ".fake"); err != nil || !bytes.Equal(b, sum[:]) {
		t.Errorf("evidence file: %x %v", b, err)
	}
	if !strings.Contains(out.String(), "FAKE evidence, report data = SHA-512 of the binding list over "+p) || !strings.Contains(out.String(), "fake-id 1") {
		t.Errorf("output: %s", out.String())
	}
	if err := RunAttestKind(&out, p, fakeKind{}, nil); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second attest: %v", err)
	}
}

// failKind is a TEE whose guest interface fails.
type failKind struct{ fakeKind }

func (failKind) Attest([64]byte) (tee.Evidence, error) {
	return tee.Evidence{}, errors.New("tee: FAKE: no guest interface")
}

// TestRunAttestKindFails: when the Kind cannot give evidence, the error
// names the result file and the Kind's reason, and no binding list is
// left behind (a list without evidence would bind nothing).
func TestRunAttestKindFails(t *testing.T) {
	p := writeResult(t, fixtureText)
	var out bytes.Buffer
	err := RunAttestKind(&out, p, failKind{}, nil)
	if err == nil || !strings.Contains(err.Error(), "attest: "+p+": tee: FAKE: no guest interface") {
		t.Errorf("RunAttestKind: %v", err)
	}
	if _, err := os.Stat(BindPath(p)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("binding list left behind: %v", err)
	}
}
