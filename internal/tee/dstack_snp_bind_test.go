package tee_test

// scripts/attest and scripts/verify (internal/attest) on SEV-SNP in a
// dstack CVM: evidence from a fake guest agent on a real unix socket
// (tee.StartFakeAgent), reports from go-sev-guest's fake signer.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/tee"
)

// dstackApp is the /Info answer that agrees with tee.TestMrConfig.
func dstackApp() tee.AgentInfo {
	return tee.AgentInfo{AppID: strings.Repeat("11", 20), ComposeHash: strings.Repeat("22", 32),
		OSImageHash: strings.Repeat("ab", 32), AppName: "teebench", InstanceID: strings.Repeat("44", 20)}
}

// startDstackSNP starts a fake dstack agent whose guest was launched with
// tee.TestMrConfig and makes its Kind the one internal/attest finds.
func startDstackSNP(t *testing.T) *tee.FakeAgent {
	t.Helper()
	fa := &tee.FakeAgent{MrConfig: tee.TestMrConfig, HostData: tee.MrConfigHostData([]byte(tee.TestMrConfig)), Info: dstackApp()}
	useSNP(t, tee.StartFakeAgent(t, fa))
	return fa
}

// writeResult writes a result file and its skip list into a new directory.
func writeResult(t *testing.T) string {
	t.Helper()
	p := t.TempDir() + "/cpu.txt"
	if err := os.WriteFile(p, []byte("goos: linux\ntee: sev-snp\nBenchmarkX 1 2 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(attest.SkipsPath(p), []byte("package\treason\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// attestDstack runs scripts/attest -tags snp's code on p.
func attestDstack(t *testing.T, p string) string {
	t.Helper()
	var out bytes.Buffer
	if err := attest.RunAttestKind(&out, p, tee.SEVSNP, nil); err != nil {
		t.Fatalf("attest: %v\n%s", err, out.String())
	}
	return out.String()
}

// TestSNPDstackAgentBound: through the guest agent, attest writes the /Info
// extract and the source label before the binding list (which names them),
// then the report and the MrConfigV3 document; verify checks HOST_DATA
// against the document and the extract against it, shows the app id and
// compose hash as bound and the OS image hash as not; EvidenceFor says so
// in its caveats, and the printed policy pins the app.
func TestSNPDstackAgentBound(t *testing.T) {
	startDstackSNP(t)
	p := writeResult(t)
	out := attestDstack(t, p)
	for _, want := range []string{tee.AgentInfoPath(p), "compose_hash " + strings.Repeat("22", 32), "checks it against the MrConfigV3 document the report's HOST_DATA binds", tee.MrConfigPath(p)} {
		if !strings.Contains(out, want) {
			t.Errorf("attest output lacks %q:\n%s", want, out)
		}
	}
	list, _ := os.ReadFile(attest.BindPath(p))
	for _, name := range []string{"cpu.txt.dstack-info.json", "cpu.txt.attestation"} {
		if !bytes.Contains(list, []byte(" "+name+"\n")) {
			t.Errorf("the binding list does not name %s:\n%s", name, list)
		}
	}
	if label, _ := os.ReadFile(tee.SourcePath(p)); !strings.HasPrefix(string(label), "attestation: dstack-guest-agent\nendpoint: ") {
		t.Errorf("source label %q", label)
	}
	if doc, _ := os.ReadFile(tee.MrConfigPath(p)); string(doc) != tee.TestMrConfig {
		t.Errorf("stored document %q", doc)
	}
	err, vout := verify(p)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, vout)
	}
	hd := tee.MrConfigHostData([]byte(tee.TestMrConfig))
	for _, want := range []string{
		"attestation:     dstack-guest-agent",
		"check dstack:    ok (HOST_DATA " + hex.EncodeToString(hd[:]),
		"app_id:          " + strings.Repeat("11", 20) + " (bound by HOST_DATA)",
		"compose_hash:    " + strings.Repeat("22", 32) + " (bound by HOST_DATA)",
		"key_provider:    kms " + strings.Repeat("33", 32) + " (bound by HOST_DATA)",
		"os_image_hash:   " + strings.Repeat("ab", 32) + " (from /Info, NOT bound",
		"cpu.txt.dstack-info.json, cpu.txt.attestation",
		"dstack os_image_hash unverified",
	} {
		if !strings.Contains(vout, want) {
			t.Errorf("verify output lacks %q:\n%s", want, vout)
		}
	}
	ev := attest.EvidenceFor(p)
	if ev.Status != attest.StateVerified || !strings.Contains(strings.Join(ev.Caveats, "; "), "dstack os_image_hash unverified") {
		t.Errorf("EvidenceFor: %+v", ev)
	}
	pol, err := attest.PolicyForFile(p, attest.VerifyOptions{}, false)
	if err != nil || pol.SNP == nil || pol.SNP.Dstack == nil || pol.SNP.Dstack.ComposeHash != strings.Repeat("22", 32) || pol.SNP.Dstack.AppID != strings.Repeat("11", 20) {
		t.Fatalf("printed policy: %+v %v", pol, err)
	}
	if _, err := tee.ParsePolicy(pol.Marshal()); err != nil {
		t.Errorf("the printed policy does not parse: %v", err)
	}
	if err := attest.RunVerify(&bytes.Buffer{}, p, attest.VerifyOptions{Policy: pol, PolicyLabel: "printed"}); err != nil {
		t.Errorf("verify against the printed policy: %v", err)
	}
	other := *pol
	snp := *pol.SNP
	snp.Dstack = &tee.DstackPolicy{AppID: strings.Repeat("99", 20)}
	other.SNP = &snp
	if err := attest.RunVerify(&bytes.Buffer{}, p, attest.VerifyOptions{Policy: &other, PolicyLabel: "other app"}); !errors.Is(err, tee.ErrPolicy) || !strings.Contains(err.Error(), "dstack app_id: expected 9999") {
		t.Errorf("another app pinned: %v", err)
	}
}

// TestSNPDstackAgentTampered: changing the stored extract or the source
// label fails the binding; a changed or missing MrConfigV3 document fails
// the HOST_DATA check (naming both values); an extract that disagrees with
// the document the report binds (the agent's /Info says another app) fails.
func TestSNPDstackAgentTampered(t *testing.T) {
	fa := startDstackSNP(t)
	p := writeResult(t)
	attestDstack(t, p)
	tamper := func(name, path string, change func([]byte) []byte, want string, is error) {
		t.Helper()
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b := change(bytes.Clone(orig)); b == nil {
			os.Remove(path)
		} else {
			os.WriteFile(path, b, 0o644)
		}
		err, out := verify(p)
		if err == nil || !strings.Contains(err.Error(), want) || (is != nil && !errors.Is(err, is)) {
			t.Errorf("%s: verify: %v\n%s", name, err, out)
		}
		if ev := attest.EvidenceFor(p); ev.Status != attest.StateFailed {
			t.Errorf("%s: EvidenceFor %+v", name, ev)
		}
		os.WriteFile(path, orig, 0o644)
	}
	swap := func(from, to string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.Replace(b, []byte(from), []byte(to), 1) }
	}
	tamper("extract", tee.AgentInfoPath(p), swap(strings.Repeat("22", 32), strings.Repeat("23", 32)), "cpu.txt.dstack-info.json was changed after quoting", attest.ErrUnboundSideFile)
	tamper("label", tee.SourcePath(p), swap("dstack-guest-agent", "configfs-tsm"), "cpu.txt.attestation was changed after quoting", attest.ErrUnboundSideFile)
	tamper("label deleted", tee.SourcePath(p), func([]byte) []byte { return nil }, "cpu.txt.attestation is bound but missing", attest.ErrUnboundSideFile)
	hd := tee.MrConfigHostData([]byte(tee.TestMrConfig))
	changed := strings.Replace(tee.TestMrConfig, strings.Repeat("2", 64), strings.Repeat("5", 64), 1)
	other := tee.MrConfigHostData([]byte(changed))
	tamper("document", tee.MrConfigPath(p), swap(strings.Repeat("2", 64), strings.Repeat("5", 64)),
		"HOST_DATA is "+hex.EncodeToString(hd[:])+", but the stored document hashes to "+hex.EncodeToString(other[:]), tee.ErrMrConfig)
	tamper("document deleted", tee.MrConfigPath(p), func([]byte) []byte { return nil }, "MrConfigV3 document "+tee.MrConfigPath(p)+" is missing", tee.ErrMrConfig)

	// The agent's /Info claims another compose file than the one the
	// guest was launched with: the extract is bound, but disagrees with
	// the document HOST_DATA binds.
	fa.Info.ComposeHash = strings.Repeat("55", 32)
	q := writeResult(t)
	attestDstack(t, q)
	err, out := verify(q)
	if err == nil || !strings.Contains(err.Error(), "/Info says compose_hash "+strings.Repeat("55", 32)+", but the MrConfigV3 document HOST_DATA binds measures "+strings.Repeat("22", 32)) {
		t.Errorf("an extract of another app: %v\n%s", err, out)
	}
	if !strings.Contains(out, "check dstack:    FAIL") {
		t.Errorf("verify output names no failed dstack check:\n%s", out)
	}

	// A kept compose file must hash to the bound compose hash.
	t.Setenv("TEEBENCH_KEEP_COMPOSE", "1")
	fa.Info = dstackApp()
	fa.Info.AppCompose = `{"name":"other"}`
	r := writeResult(t)
	attestDstack(t, r)
	sum := sha256.Sum256([]byte(`{"name":"other"}`))
	if err, out := verify(r); err == nil || !strings.Contains(err.Error(), "SHA-256 of the stored compose file is "+hex.EncodeToString(sum[:])) {
		t.Errorf("a kept compose file of another app: %v\n%s", err, out)
	}
}

// TestSNPDstackAgentFailedAttest: when the agent gives no report (an error,
// or a report whose HOST_DATA does not bind the document it sent), attest
// fails and removes the extract and label it wrote for it; nothing else is
// left beside the result.
func TestSNPDstackAgentFailedAttest(t *testing.T) {
	fa := startDstackSNP(t)
	for _, c := range []struct {
		name string
		set  func()
	}{
		{"attest error", func() { fa.FailAttest = true }},
		{"HOST_DATA differs", func() { fa.FailAttest, fa.HostData = false, [32]byte{1} }},
	} {
		name := c.name
		c.set()
		p := writeResult(t)
		var out bytes.Buffer
		err := attest.RunAttestKind(&out, p, tee.SEVSNP, nil)
		if err == nil {
			t.Errorf("%s: attest succeeded:\n%s", name, out.String())
			continue
		}
		for _, left := range []string{tee.AgentInfoPath(p), tee.SourcePath(p), attest.BindPath(p), tee.MrConfigPath(p), p + tee.SNPReportSuffix} {
			if _, err := os.Lstat(left); err == nil {
				t.Errorf("%s: %s left behind after %v", name, left, err)
			}
		}
		if ev := attest.EvidenceFor(p); ev.Status != attest.StateAbsent {
			t.Errorf("%s: EvidenceFor %+v", name, ev)
		}
	}
	if !errors.Is(func() error {
		p := writeResult(t)
		return attest.RunAttestKind(&bytes.Buffer{}, p, tee.SEVSNP, nil)
	}(), tee.ErrMrConfig) {
		t.Errorf("a report whose HOST_DATA does not bind the document: not ErrMrConfig")
	}
}
