package attest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"github.com/teebench/teebench/internal/tee"
	"github.com/teebench/teebench/internal/tee/tdxtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeResult(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.txt")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAttestThenVerify(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	p := writeResult(t, fixtureText)
	getQuote := func(rd [64]byte) ([]byte, error) { return pck.Quote(t, rd, false), nil }

	var out bytes.Buffer
	if err := RunAttest(&out, p, getQuote, nil); err != nil {
		t.Fatalf("RunAttest: %v", err)
	}
	if !strings.Contains(out.String(), "wrote "+BindPath(p)+" and "+QuotePath(p)) {
		t.Errorf("attest output: %q", out.String())
	}
	first, err := os.ReadFile(QuotePath(p))
	if err != nil {
		t.Fatal(err)
	}

	// Never overwrite: a second attest fails and leaves the quote alone.
	if err := RunAttest(&out, p, getQuote, nil); err == nil || !strings.Contains(err.Error(), "not overwriting") {
		t.Errorf("second attest: %v; want a refusal to overwrite", err)
	}
	if again, _ := os.ReadFile(QuotePath(p)); !bytes.Equal(again, first) {
		t.Error("second attest changed the quote")
	}

	out.Reset()
	if err := RunVerify(&out, p, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true}); err != nil {
		t.Fatalf("RunVerify: %v\n%s", err, out.String())
	}
	for _, want := range []string{"MRTD:", "RTMR3:", "TD attributes:", "TEE TCB SVN:", "check binding:   ok", "verdict:         SIGNED AND BOUND, BUT NO POLICY"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output lacks %q:\n%s", want, out.String())
		}
	}
	if ev := EvidenceWith(p, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true}); ev.Status != "verified" || ev.MRTD == "" || ev.Reason != "" {
		t.Errorf("evidenceFor with test roots = %+v", ev)
	}
	// EvidenceFor trusts only Intel's root.
	if ev := EvidenceFor(p); ev.Status != StateFailed || !strings.Contains(ev.Reason, "signature chain") || ev.MRTD == "" {
		t.Errorf("EvidenceFor = %+v; want unverified by the signature chain", ev)
	}

	// Append one byte to the result file: verification fails with the reason.
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\n")
	f.Close()
	out.Reset()
	err = RunVerify(&out, p, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true})
	if !errors.Is(err, ErrReportData) || !strings.Contains(out.String(), "check binding:   FAIL: report data does not match SHA-512 of the file") {
		t.Errorf("after the change: err=%v\n%s", err, out.String())
	}
	if ev := EvidenceWith(p, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true}); ev.Status != StateFailed || !strings.Contains(ev.Reason, "report data") {
		t.Errorf("evidenceFor after the change = %+v", ev)
	}
}

func TestAttestRejectsWrongQuote(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	p := writeResult(t, fixtureText)
	other := func([64]byte) ([]byte, error) { return pck.Quote(t, ReportData([]byte("other")), false), nil }
	if err := RunAttest(&bytes.Buffer{}, p, other, nil); err == nil || !strings.Contains(err.Error(), "does not carry the requested report data") {
		t.Errorf("err = %v", err)
	}
	failing := func([64]byte) ([]byte, error) { return nil, tee.ErrNoTDX }
	if err := RunAttest(&bytes.Buffer{}, p, failing, nil); !errors.Is(err, tee.ErrNoTDX) {
		t.Errorf("err = %v; want %v", err, tee.ErrNoTDX)
	}
	if _, err := os.Stat(QuotePath(p)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a quote file was left behind: %v", err)
	}
	empty := writeResult(t, "")
	if err := RunAttest(&bytes.Buffer{}, empty, failing, nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
	if err := RunAttest(&bytes.Buffer{}, filepath.Join(t.TempDir(), "missing.txt"), failing, nil); err == nil {
		t.Error("missing file: no error")
	}
}

// fakeGPU stands in for NVML: its "report" embeds the nonce the way the SPDM
// GET_MEASUREMENTS request inside a real report does (4-byte header, nonce).
func fakeGPU(nonce [32]byte) (*GPUEvidence, error) {
	rep := append(append([]byte{0x11, 0xe0, 0x01, 0x00}, nonce[:]...), 0x00, 0x61, 0x11)
	return &GPUEvidence{GPUs: []GPUReport{{Index: 0, Name: "fake", AttestationReport: hex.EncodeToString(rep), NonceInReport: true}}}, nil
}

func TestGPUEvidence(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	getQuote := func(rd [64]byte) ([]byte, error) { return pck.Quote(t, rd, false), nil }
	opts := VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true}

	// No gpu-cc: on, no GPU evidence, even with a collector.
	p := writeResult(t, fixtureText)
	if err := RunAttest(&bytes.Buffer{}, p, getQuote, fakeGPU); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(GPUEvidencePath(p)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("GPU evidence written without gpu-cc: on: %v", err)
	}

	cc := fixtureText + "gpu-cc: on\n"
	// gpu-cc: on but built without the gpu tag: the quote is written, the command fails.
	p = writeResult(t, cc)
	if err := RunAttest(&bytes.Buffer{}, p, getQuote, nil); err == nil || !strings.Contains(err.Error(), "-tags gpu") {
		t.Errorf("no collector: %v", err)
	}
	if _, err := os.Stat(QuotePath(p)); err != nil {
		t.Errorf("the quote was not kept: %v", err)
	}
	var out bytes.Buffer
	RunVerify(&out, p, opts)
	if !strings.Contains(out.String(), "GPU evidence:    none (the file says gpu-cc: on)") {
		t.Errorf("verify output:\n%s", out.String())
	}

	p = writeResult(t, cc)
	out.Reset()
	if err := RunAttest(&out, p, getQuote, fakeGPU); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "out of scope") {
		t.Errorf("attest output does not say GPU verification is out of scope:\n%s", out.String())
	}
	out.Reset()
	if err := RunVerify(&out, p, opts); err != nil {
		t.Fatalf("verify with GPU evidence: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "reports NOT verified") || !strings.Contains(out.String(), "NVIDIA's services") {
		t.Errorf("verify output:\n%s", out.String())
	}

	file, _ := os.ReadFile(p)
	ev, _ := os.ReadFile(GPUEvidencePath(p))
	if _, err := CheckGPUEvidence(append(file, 'x'), ev); err == nil || !strings.Contains(err.Error(), "nonce") {
		t.Errorf("changed file: %v; want a nonce mismatch", err)
	}
	if _, err := CheckGPUEvidence(file, []byte("{")); err == nil {
		t.Error("bad JSON: no error")
	}
	noNonce := func(n [32]byte) (*GPUEvidence, error) {
		return &GPUEvidence{GPUs: []GPUReport{{AttestationReport: "00ff"}}}, nil
	}
	q := writeResult(t, cc)
	if _, _, err := AttestGPU(q, noNonce); err != nil {
		t.Fatal(err)
	}
	ev, _ = os.ReadFile(GPUEvidencePath(q))
	file, _ = os.ReadFile(q)
	if _, err := CheckGPUEvidence(file, ev); err == nil || !strings.Contains(err.Error(), "does not contain the nonce") {
		t.Errorf("report without the nonce: %v", err)
	}
	if _, _, err := AttestGPU(q, noNonce); err == nil || !strings.Contains(err.Error(), "not overwriting") {
		t.Errorf("second AttestGPU: %v", err)
	}
}

func TestGPUCCOn(t *testing.T) {
	for in, want := range map[string]bool{
		"gpu-cc: on\n":            true,
		"tee: tdx\ngpu-cc:\ton\n": true,
		"gpu-cc: off\n":           false,
		"# gpu-cc: on\n":          false,
		"":                        false,
	} {
		if got := GPUCCOn([]byte(in)); got != want {
			t.Errorf("GPUCCOn(%q) = %v", in, got)
		}
	}
}
