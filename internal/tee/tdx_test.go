package tee

import (
	"bytes"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/testing/testdata"
)

// The TDX quotes these tests read are internal/attest's fixtures (quotes
// signed under its test root, internal/attest/testdata/test-roots.pem): a
// quote over SHA-512 of result.txt, the same from a debug TD, and a result
// file changed after its quote.
const attestFixtures = "../attest/testdata"

// tdxFixture returns a fixture's result file and its quote as evidence.
func tdxFixture(t *testing.T, dir string) ([]byte, Evidence) {
	t.Helper()
	file, err := os.ReadFile(filepath.Join(attestFixtures, dir, "result.txt"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := os.ReadFile(filepath.Join(attestFixtures, dir, "result.txt.quote"))
	if err != nil {
		t.Fatal(err)
	}
	return file, Evidence{TEE: "tdx", Files: map[string][]byte{TDXQuoteSuffix: q}}
}

func testTDX(t *testing.T) *TDXKind {
	t.Helper()
	roots, err := LoadRoots(filepath.Join(attestFixtures, "test-roots.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return &TDXKind{roots: roots}
}

// TestTDXVerify: the TDX Kind accepts a quote over the file's SHA-512 under
// its root, and refuses a changed file, a foreign root (Intel's), a debug
// TD and a policy whose MRTD differs, naming each.
func TestTDXVerify(t *testing.T) {
	k := testTDX(t)
	file, ev := tdxFixture(t, "matching")
	c, err := k.Verify(ev, sha512.Sum512(file), nil, VerifyOptions{})
	if err != nil {
		t.Fatalf("matching fixture: %v", err)
	}
	if c.Get("tdx-mrtd") == "" || c.TEE != "tdx" || len(c.Caveats) != 2 {
		t.Errorf("claims %+v", c)
	}
	changed := bytes.Clone(file)
	changed[0] ^= 1
	if _, err := k.Verify(ev, sha512.Sum512(changed), nil, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "TDX binding") {
		t.Errorf("changed file: %v", err)
	}
	if _, err := TDX.Verify(ev, sha512.Sum512(file), nil, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("under Intel's root: %v", err)
	}
	dfile, dev := tdxFixture(t, "debug")
	if _, err := k.Verify(dev, sha512.Sum512(dfile), nil, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "debug TD") {
		t.Errorf("debug TD: %v", err)
	}
	pol := func(mrtd string) json.RawMessage {
		b, _ := json.Marshal(TDXPolicy{MRTD: mrtd})
		return b
	}
	if _, err := k.Verify(ev, sha512.Sum512(file), pol(c.Get("tdx-mrtd")), VerifyOptions{}); err != nil {
		t.Errorf("policy with its MRTD: %v", err)
	}
	other := strings.Repeat("ab", 48)
	if _, err := k.Verify(ev, sha512.Sum512(file), pol(other), VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "MRTD: expected "+other) {
		t.Errorf("policy with another MRTD: %v", err)
	}
	if _, err := k.Verify(ev, sha512.Sum512(file), json.RawMessage(`{"mrtd":"`+other+`","mrdt":"x"}`), VerifyOptions{}); err == nil {
		t.Error("a policy field with a typo was accepted")
	}
}

// TestTDXAttestDescribe: Attest returns the quote the guest gave, refuses
// one that does not carry the report data, and Describe gives the manifest
// lines the verifier cross-checks.
func TestTDXAttestDescribe(t *testing.T) {
	file, ev := tdxFixture(t, "matching")
	k := &TDXKind{quote: func([64]byte) ([]byte, error) { return ev.Files[TDXQuoteSuffix], nil }}
	got, err := k.Attest(sha512.Sum512(file))
	if err != nil || !bytes.Equal(got.Files[TDXQuoteSuffix], ev.Files[TDXQuoteSuffix]) {
		t.Fatalf("Attest: %v", err)
	}
	if _, err := k.Attest(sha512.Sum512([]byte("other"))); err == nil || !strings.Contains(err.Error(), "requested report data") {
		t.Errorf("Attest with a quote over other data: %v", err)
	}
	got.Source = TDXViaAgent
	lines, err := k.Describe(got)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range lines {
		keys = append(keys, l.Key)
	}
	if strings.Join(keys, " ") != "tdx-quote-source tdx-mrtd tdx-attributes tdx-debug tdx-tee-tcb-svn" || lines[0].Value != "dstack-guest-agent" || lines[3].Value != "false" {
		t.Errorf("Describe = %v", lines)
	}
}

// TestTDXDetect: guest evidence makes a TDX guest (device, configfs-tsm
// provider tdx_guest, or the dstack agent's socket with the tdx_guest
// flag); the flag or a socket alone does not, an SEV-SNP guest is not one,
// and a dstack simulator is refused.
func TestTDXDetect(t *testing.T) {
	if d := TDX.Detect(filepath.Join("testdata", "tdx-guest")); !d.Guest || d.Interface == "" {
		t.Errorf("tdx-guest fixture: %+v", d)
	}
	if k, _ := Detected(filepath.Join("testdata", "tdx-guest")); k != TDX {
		t.Errorf("Detected(tdx-guest) = %v", k)
	}
	for _, root := range []string{"snp-guest", "snp-host"} {
		if d := TDX.Detect(filepath.Join("testdata", root)); d.Guest || !strings.Contains(d.Reason, "not a TDX guest") {
			t.Errorf("%s: %+v", root, d)
		}
	}
	// A dstack container: no device, no configfs-tsm, the agent's socket.
	root, err := os.MkdirTemp("", "tdx") // short: a socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	for _, d := range []string{"proc", "run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("unix", filepath.Join(root, "run", "dstack.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	saved := AgentSockets
	defer func() { AgentSockets = saved }()
	AgentSockets = []string{"/run/dstack.sock"}
	cpuinfo := func(flags string) {
		os.WriteFile(filepath.Join(root, "proc", "cpuinfo"), []byte("vendor_id\t: GenuineIntel\nflags\t\t: fpu "+flags+"\n"), 0o644)
	}
	cpuinfo("hypervisor")
	if d := TDX.Detect(root); d.Guest || !strings.Contains(d.Reason, "no tdx_guest CPU flag") {
		t.Errorf("socket without the flag: %+v", d)
	}
	cpuinfo("hypervisor tdx_guest")
	if d := TDX.Detect(root); !d.Guest || d.Interface != TDXViaAgent {
		t.Errorf("socket with the flag: %+v", d)
	}
	t.Setenv(SimulatorEnv, "http://127.0.0.1:1")
	if d := TDX.Detect(root); d.Guest || !strings.Contains(d.Reason, "not a TDX guest") || !strings.Contains(d.Reason, "simulator") {
		t.Errorf("simulator: %+v", d)
	}
	// A real TD's device still makes a guest with the variable set; its
	// evidence comes from the device, not the simulator.
	if d := TDX.Detect(filepath.Join("testdata", "tdx-guest")); !d.Guest || d.Interface == TDXViaAgent {
		t.Errorf("tdx-guest fixture with a simulator set: %+v", d)
	}
	os.Unsetenv(SimulatorEnv)
	os.Remove(filepath.Join(root, "proc", "cpuinfo"))
	cpuinfo("tdx_guest")
	AgentSockets = nil
	if d := TDX.Detect(root); d.Guest {
		t.Errorf("the flag alone: %+v", d)
	}
}

// TestPolicyOneFile: one policy file holds both sections; PolicySection
// gives each Kind its own, and ParsePolicy refuses a malformed value,
// also in the dstack section either TEE's may hold.
func TestPolicyOneFile(t *testing.T) {
	f := []byte(`{"version": 1, "tdx": {"mrtd": "` + strings.Repeat("0a", 48) + `"}, "sev-snp": {"measurements": ["` + strings.Repeat("0b", 48) + `"]}}`)
	p, err := ParsePolicy(f)
	if err != nil || p.TDX == nil || p.SNP == nil {
		t.Fatalf("ParsePolicy: %+v %v", p, err)
	}
	if back, err := ParsePolicy(p.Marshal()); err != nil || back.TDX.MRTD != p.TDX.MRTD {
		t.Errorf("Marshal does not parse back: %v", err)
	}
	for _, k := range []Kind{TDX, SEVSNP} {
		if s, err := PolicySection(f, k); err != nil || len(s) == 0 {
			t.Errorf("PolicySection(%s) = %s %v", k.Name(), s, err)
		}
	}
	if _, err := ParsePolicy([]byte(`{"version": 1, "sev-snp": {"measurements": ["12"]}}`)); err == nil || !strings.Contains(err.Error(), "sev-snp.measurements") {
		t.Errorf("short measurement: %v", err)
	}
	if _, err := ParsePolicy([]byte(`{"version": 1}`)); err == nil {
		t.Error("a policy without sections was accepted")
	}
	// One dstack section for both TEEs: checked the same way; on SEV-SNP
	// the OS image hash cannot be pinned (HOST_DATA does not bind it).
	snpDstack := func(d string) []byte { return []byte(`{"version": 1, "sev-snp": {"dstack": ` + d + `}}`) }
	if p, err := ParsePolicy(snpDstack(`{"compose_hash": "` + strings.Repeat("22", 32) + `", "app_id": "` + strings.Repeat("11", 20) + `"}`)); err != nil || p.SNP.Dstack.AppID != strings.Repeat("11", 20) {
		t.Errorf("sev-snp.dstack: %+v %v", p, err)
	}
	for name, d := range map[string]string{
		"short app id":  `{"app_id": "11"}`,
		"upper case":    `{"compose_hash": "` + strings.Repeat("AB", 32) + `"}`,
		"os image hash": `{"os_image_hash": "` + strings.Repeat("ab", 32) + `"}`,
		"unknown field": `{"app": "x"}`,
	} {
		if _, err := ParsePolicy(snpDstack(d)); err == nil {
			t.Errorf("sev-snp.dstack %s accepted", name)
		}
	}
	if _, err := ParsePolicy([]byte(`{"version": 1, "tdx": {"mrtd": "` + strings.Repeat("0a", 48) + `", "dstack": {"app_id": "11"}}}`)); err == nil || !strings.Contains(err.Error(), "tdx.dstack.app_id") {
		t.Errorf("tdx.dstack short app id: %v", err)
	}
}

// TestIntelRootIsLibraryCopy checks that intel_sgx_root_ca.pem is exactly
// go-tdx-guest's embedded root and the root of Intel's sample quote chain.
func TestIntelRootIsLibraryCopy(t *testing.T) {
	chain := tdxSampleQuote(t).GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	var last *pem.Block
	for rest := chain; ; {
		blk, r := pem.Decode(rest)
		if blk == nil {
			break
		}
		last, rest = blk, r
	}
	ours, _ := pem.Decode(intelRootPEM)
	if ours == nil || last == nil || !bytes.Equal(ours.Bytes, last.Bytes) {
		t.Error("embedded root is not the root certificate of Intel's sample quote chain")
	}
	if c, err := x509.ParseCertificate(ours.Bytes); err != nil || c.Subject.CommonName != "Intel SGX Root CA" {
		t.Errorf("embedded root: %v %v", c, err)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/google/go-tdx-guest").Output()
	if err != nil {
		t.Skipf("go list for the go-tdx-guest module directory: %v", err)
	}
	lib, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "verify", "trusted_root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(lib, intelRootPEM) {
		t.Error("intel_sgx_root_ca.pem differs from go-tdx-guest's verify/trusted_root.pem")
	}
}

func TestLoadRoots(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "r.pem"), filepath.Join(dir, "bad.pem")
	os.WriteFile(good, intelRootPEM, 0o644)
	os.WriteFile(bad, []byte("hello"), 0o644)
	if _, err := LoadRoots(good); err != nil {
		t.Error(err)
	}
	if _, err := LoadRoots(bad); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("bad bundle: %v", err)
	}
	if _, err := LoadRoots(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("missing bundle: no error")
	}
}

// tdxSampleQuote parses go-tdx-guest's sample quote.
func tdxSampleQuote(t *testing.T) *pb.QuoteV4 {
	t.Helper()
	q, _, err := ParseTDXQuote(testdata.RawQuote)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// tdxSampleTime is inside the validity of every certificate in Intel's
// sample quote (its PCK leaf expires 2029-09-20).
var tdxSampleTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
