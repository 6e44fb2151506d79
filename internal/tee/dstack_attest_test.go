package tee

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-sev-guest/abi"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
)

// The writers below build dstack attestations the way dstack's Rust code
// lays them out (dstack_attest.go describes both forms), to test our
// decoder on fixtures around a report from go-sev-guest's fake signer.

// scaleCompact is a SCALE compact integer.
func scaleCompact(n int) []byte {
	switch {
	case n < 1<<6:
		return []byte{byte(n << 2)}
	case n < 1<<14:
		return binary.LittleEndian.AppendUint16(nil, uint16(n<<2|1))
	default:
		return binary.LittleEndian.AppendUint32(nil, uint32(n<<2|2))
	}
}

func scaleBytes(b []byte) []byte { return append(scaleCompact(len(b)), b...) }

// testMrConfig is an MrConfigV3 document in dstack's canonical (JCS) form:
// the one of dstack's own test (dstack-types/src/mr_config.rs,
// mr_config_v3_generates_jcs_but_hashes_document_bytes) without its GPU
// policy hash.
const testMrConfig = `{"app_id":"1111111111111111111111111111111111111111",` +
	`"compose_hash":"2222222222222222222222222222222222222222222222222222222222222222",` +
	`"instance_id":"4444444444444444444444444444444444444444","key_provider":"kms",` +
	`"key_provider_id":"3333333333333333333333333333333333333333333333333333333333333333","version":3}`

// dstackV0 is a SCALE V0 attestation of platform index idx with an SEV-SNP
// quote whose mr_config is mrConfig, two runtime events and the stack's
// report data.
func dstackV0(idx byte, report []byte, chain [][]byte, rd [64]byte, mrConfig string) []byte {
	b := []byte{0, idx}
	b = append(b, scaleBytes(report)...)
	b = append(b, scaleCompact(len(chain))...)
	for _, c := range chain {
		b = append(b, scaleBytes(c)...)
	}
	b = append(b, scaleBytes([]byte(mrConfig))...)
	b = append(b, scaleCompact(2)...)
	b = append(b, scaleBytes([]byte("app-id"))...)
	b = append(b, scaleBytes(bytes.Repeat([]byte{1}, 20))...)
	b = append(b, scaleBytes([]byte("system-ready"))...)
	b = append(b, scaleBytes(nil)...)
	b = append(b, rd[:]...)
	return append(b, scaleBytes([]byte(`{"cpu_count":2}`))...)
}

// mp writes msgpack: string keys and values, uint64, bytes (as serde's
// array of integers unless bin), []any, and ordered maps ([]kv).
type mp struct {
	bytes.Buffer
	bin bool
}

type kv struct {
	k string
	v any
}

func (w *mp) put(v any) {
	switch x := v.(type) {
	case string:
		w.WriteByte(0xda)
		w.Write(binary.BigEndian.AppendUint16(nil, uint16(len(x))))
		w.WriteString(x)
	case uint64:
		w.WriteByte(0xcf)
		w.Write(binary.BigEndian.AppendUint64(nil, x))
	case []byte:
		if w.bin {
			w.WriteByte(0xc6)
			w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(x))))
			w.Write(x)
			return
		}
		w.WriteByte(0xdd)
		w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(x))))
		for _, c := range x {
			if c < 0x80 {
				w.WriteByte(c)
			} else {
				w.Write([]byte{0xcc, c})
			}
		}
	case []any:
		w.WriteByte(0xdc)
		w.Write(binary.BigEndian.AppendUint16(nil, uint16(len(x))))
		for _, e := range x {
			w.put(e)
		}
	case []kv:
		w.WriteByte(0x80 | byte(len(x)))
		for _, e := range x {
			w.put(e.k)
			w.put(e.v)
		}
	default:
		panic(v)
	}
}

// dstackV1 is a msgpack V1 attestation of platform kind with an SEV-SNP
// quote whose mr_config is mrConfig.
func dstackV1(kind string, report []byte, chain [][]byte, rd [64]byte, bin bool, mrConfig string) []byte {
	var cs []any
	for _, c := range chain {
		cs = append(cs, c)
	}
	w := &mp{bin: bin}
	w.put([]kv{
		{"version", uint64(1)},
		{"platform", []kv{{"kind", kind}, {"data", []kv{{"report", report}, {"cert_chain", cs}, {"mr_config", mrConfig}}}}},
		{"stack", []kv{{"kind", "dstack"}, {"data", []kv{{"report_data", rd[:]}, {"runtime_events", []any{}}, {"config", "{}"}}}}},
	})
	return w.Bytes()
}

// TestParseDstackAttestation: both wire forms, byte fields as integer
// arrays and as bin, give the report and the certificate table; another
// platform and every truncation are refused without a panic.
func TestParseDstackAttestation(t *testing.T) {
	rd := sha512.Sum512([]byte("x"))
	report := bytes.Repeat([]byte{0xee}, abi.ReportSize)
	chain := [][]byte{[]byte("certificate table")}
	forms := map[string][]byte{
		"V0":            dstackV0(3, report, chain, rd, testMrConfig),
		"V1 int arrays": dstackV1("sev-snp", report, chain, rd, false, testMrConfig),
		"V1 bin":        dstackV1("sev-snp", report, chain, rd, true, testMrConfig),
	}
	for name, b := range forms {
		a, err := ParseDstackAttestation(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if a.Platform != "sev-snp" || !bytes.Equal(a.SNPReport, report) || len(a.SNPCertChain) != 1 || !bytes.Equal(a.SNPCertChain[0], chain[0]) || !bytes.Equal(a.ReportData, rd[:]) || a.MrConfig != testMrConfig {
			t.Errorf("%s: %+v", name, a)
		}
		for i := range len(b) {
			if _, err := ParseDstackAttestation(b[:i]); err == nil {
				t.Errorf("%s: a %d-byte prefix parsed", name, i)
				break
			}
		}
		if _, err := ParseDstackAttestation(append(bytes.Clone(b), 0)); err == nil || !strings.Contains(err.Error(), "trailing") {
			t.Errorf("%s with a trailing byte: %v", name, err)
		}
	}
	for name, b := range map[string][]byte{"V0 tdx": dstackV0(0, report, nil, rd, ""), "V1 tdx": dstackV1("tdx", report, nil, rd, true, "")} {
		if a, err := ParseDstackAttestation(b); !errors.Is(err, ErrDstackPlatform) || a.Platform != "tdx" {
			t.Errorf("%s: %+v %v", name, a, err)
		}
	}
	if _, err := ParseDstackAttestation([]byte{0x01}); err == nil || !strings.Contains(err.Error(), "unknown wire form") {
		t.Errorf("unknown form: %v", err)
	}
}

// serveAgent serves fa on a unix socket at root/run/dstack.sock (root is
// short: a socket path has a length limit), with reports from g, and makes
// root and that socket this package's Root and AgentSockets until the test
// ends.
func serveAgent(t *testing.T, root string, g *signingGuest, fa *FakeAgent) {
	t.Helper()
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	l, err := net.Listen("unix", filepath.Join(root, "run", "dstack.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/Info" {
			json.NewEncoder(w).Encode(fa.Info)
			return
		}
		var req struct {
			ReportData string `json:"report_data"`
		}
		if r.URL.Path != "/Attest" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if fa.FailAttest {
			http.Error(w, "attestation unavailable", http.StatusInternalServerError)
			return
		}
		fa.Asked = append(fa.Asked, req.ReportData)
		var rd [64]byte
		hex.Decode(rd[:], []byte(req.ReportData))
		g.hostData = fa.HostData
		report, err := g.report(rd)
		certs, cerr := g.certs()
		if err != nil || cerr != nil {
			http.Error(w, "signer", http.StatusInternalServerError)
			return
		}
		var att []byte
		switch fa.Form {
		case "", "V0":
			att = dstackV0(3, report, [][]byte{certs}, rd, fa.MrConfig)
		case "V1":
			att = dstackV1("sev-snp", report, [][]byte{certs}, rd, false, fa.MrConfig)
		case "empty": // what GetQuote-style agents answer without SNP
		}
		json.NewEncoder(w).Encode(map[string]string{"attestation": hex.EncodeToString(att)})
	})}
	go srv.Serve(l)
	savedRoot, savedSockets := Root, AgentSockets
	Root, AgentSockets = root, []string{"/run/dstack.sock"}
	t.Cleanup(func() {
		srv.Close()
		Root, AgentSockets = savedRoot, savedSockets
	})
}

// shortTempDir is a new directory under the system's temporary directory
// (t.TempDir's paths can be too long for a unix socket), removed when the
// test ends.
func shortTempDir(t *testing.T) string {
	t.Helper()
	root, err := os.MkdirTemp("", "snp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	return root
}

// TestSNPViaDstackAgent: in a dstack SEV-SNP container (the kernel's SEV
// sysfs directory and the guest agent's socket, no guest device), Attest
// gets the report from the agent's /Attest over a real unix socket, in
// either wire form, with the MrConfigV3 document, and it verifies as any
// SEV-SNP report, HOST_DATA checked against the document; a socket alone
// is not a guest, and an answer without a document, or with one HOST_DATA
// does not bind, is refused.
func TestSNPViaDstackAgent(t *testing.T) {
	fake, g := newSigningGuest(t, abi.SnpPolicy{})
	root := shortTempDir(t)
	fa := &FakeAgent{MrConfig: testMrConfig, HostData: MrConfigHostData([]byte(testMrConfig))}
	serveAgent(t, root, g, fa)
	if d := SEVSNP.Detect(root); d.Guest {
		t.Errorf("a socket alone made a guest: %+v", d)
	} else if !strings.Contains(d.Reason, "a socket alone is not evidence") {
		t.Errorf("reason: %q", d.Reason)
	}
	os.MkdirAll(filepath.Join(root, sevSysfs), 0o755)
	os.WriteFile(filepath.Join(root, sevSysfs, "vmpl"), []byte("0\n"), 0o644)
	d := SEVSNP.Detect(root)
	if !d.Guest || d.Interface != SNPViaAgent {
		t.Fatalf("Detect in a dstack SNP container: %+v", d)
	}
	k := &SNP{roots: fake.roots} // the machine's interfaces, the fake roots
	for _, f := range []string{"V0", "V1"} {
		fa.Form = f
		rd := sha512.Sum512([]byte("result " + f))
		ev, err := k.Attest(rd)
		if err != nil {
			t.Fatalf("%s: Attest: %v", f, err)
		}
		if ev.Source != SNPViaAgent || fa.Asked[len(fa.Asked)-1] != hex.EncodeToString(rd[:]) || string(ev.Files[DstackMrConfigSuffix]) != testMrConfig {
			t.Errorf("%s: source %q, agent asked for %s, document %q", f, ev.Source, fa.Asked[len(fa.Asked)-1], ev.Files[DstackMrConfigSuffix])
		}
		c, err := k.Verify(ev, rd, nil, VerifyOptions{})
		if err != nil {
			t.Fatalf("%s: Verify: %v", f, err)
		}
		if c.Get("snp-measurement") != hex.EncodeToString(measurement) || c.Get("snp-host-data") != hex.EncodeToString(fa.HostData[:]) {
			t.Errorf("%s: claims %+v", f, c)
		}
		if lines, err := k.Describe(ev); err != nil || lines[0] != (Line{"snp-report-source", SNPViaAgent}) {
			t.Errorf("%s: Describe: %v %v", f, lines, err)
		}
	}
	fa.Form = "empty"
	if _, err := k.Attest(sha512.Sum512([]byte("empty"))); err == nil || !strings.Contains(err.Error(), "/Attest returned no hex attestation") {
		t.Errorf("an empty attestation: %v", err)
	}
	fa.Form, fa.MrConfig = "V0", ""
	if _, err := k.Attest(sha512.Sum512([]byte("no doc"))); err == nil || !strings.Contains(err.Error(), "carries no mr_config") {
		t.Errorf("an attestation without mr_config: %v", err)
	}
	fa.MrConfig = strings.Replace(testMrConfig, "2222", "2223", 1) // not what the guest was launched with
	if _, err := k.Attest(sha512.Sum512([]byte("other doc"))); !errors.Is(err, ErrMrConfig) || !strings.Contains(err.Error(), hex.EncodeToString(fa.HostData[:])) {
		t.Errorf("a document HOST_DATA does not bind: %v", err)
	}
	t.Setenv(SimulatorEnv, "http://127.0.0.1:1")
	if d := SEVSNP.Detect(root); d.Interface == SNPViaAgent {
		t.Errorf("a simulator's agent used: %+v", d)
	}
}

// TestSNPHostDataVerify: Verify checks the MrConfigV3 document among the
// evidence against the signed HOST_DATA (a changed document fails, naming
// both values), and a policy's sev-snp.dstack section against it: the
// document's compose hash and app id pass, others fail naming both, and a
// pin without a document fails; os_image_hash cannot be pinned on SEV-SNP.
func TestSNPHostDataVerify(t *testing.T) {
	k, g := newSigningGuest(t, abi.SnpPolicy{})
	g.hostData = MrConfigHostData([]byte(testMrConfig))
	rd := sha512.Sum512([]byte("r"))
	ev, err := k.Attest(rd)
	if err != nil {
		t.Fatal(err)
	}
	ev.Files[DstackMrConfigSuffix] = []byte(testMrConfig)
	pin := func(d string) json.RawMessage { return json.RawMessage(`{"dstack": ` + d + `}`) }
	ok := pin(`{"compose_hash": "2222222222222222222222222222222222222222222222222222222222222222", "app_id": "1111111111111111111111111111111111111111"}`)
	if _, err := k.Verify(ev, rd, ok, VerifyOptions{}); err != nil {
		t.Fatalf("the document's own values: %v", err)
	}
	bad := pin(`{"compose_hash": "5555555555555555555555555555555555555555555555555555555555555555"}`)
	if _, err := k.Verify(ev, rd, bad, VerifyOptions{}); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "dstack compose_hash: expected 5555") || !strings.Contains(err.Error(), "got 2222") {
		t.Errorf("another compose hash pinned: %v", err)
	}
	if _, err := k.Verify(ev, rd, pin(`{"os_image_hash": "5555555555555555555555555555555555555555555555555555555555555555"}`), VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "sev-snp.dstack.os_image_hash") {
		t.Errorf("os_image_hash pinned on SEV-SNP: %v", err)
	}
	changed := strings.Replace(testMrConfig, `"kms"`, `"none"`, 1)
	ev.Files[DstackMrConfigSuffix] = []byte(changed)
	_, err = k.Verify(ev, rd, nil, VerifyOptions{})
	want := MrConfigHostData([]byte(changed))
	if !errors.Is(err, ErrMrConfig) || !strings.Contains(err.Error(), hex.EncodeToString(g.hostData[:])) || !strings.Contains(err.Error(), hex.EncodeToString(want[:])) {
		t.Errorf("a changed document: %v", err)
	}
	delete(ev.Files, DstackMrConfigSuffix)
	if _, err := k.Verify(ev, rd, nil, VerifyOptions{}); err != nil {
		t.Errorf("no document and no pin: %v", err)
	}
	if _, err := k.Verify(ev, rd, ok, VerifyOptions{}); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "no MrConfigV3 document") {
		t.Errorf("a pin without a document: %v", err)
	}
}

// TestParseMrConfig: dstack's document form is read; what dstack refuses
// (unknown fields, another version, a short compose hash, an unknown key
// provider) is refused.
func TestParseMrConfig(t *testing.T) {
	m, err := ParseMrConfig([]byte(testMrConfig))
	if err != nil {
		t.Fatal(err)
	}
	if m.AppID != strings.Repeat("11", 20) || m.ComposeHash != strings.Repeat("22", 32) || m.KeyProviderText() != "kms "+strings.Repeat("33", 32) || m.InstanceID != strings.Repeat("44", 20) {
		t.Errorf("parsed %+v", m)
	}
	if m, err := ParseMrConfig([]byte(`{"compose_hash":"` + strings.Repeat("22", 32) + `","key_provider":"none"}`)); err != nil || m.AppID != "" || m.Version != 3 {
		t.Errorf("no app id, version by default: %+v %v", m, err)
	}
	for name, doc := range map[string]string{
		"unknown field": strings.Replace(testMrConfig, `"version":3`, `"version":3,"x":1`, 1),
		"version 2":     strings.Replace(testMrConfig, `"version":3`, `"version":2`, 1),
		"short hash":    strings.Replace(testMrConfig, "22222222", "", 1),
		"key provider":  strings.Replace(testMrConfig, `"kms"`, `"sgx"`, 1),
		"not JSON":      "{",
	} {
		if _, err := ParseMrConfig([]byte(doc)); !errors.Is(err, ErrMrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDstackRealSample: dstack's real SEV-SNP attestation (SCALE V0,
// captured on an EPYC Milan host; testdata/README.md) decodes, and its
// report verifies against AMD's ARK embedded in go-sev-guest with the
// VCEK and ASK dstack fetched from AMD's KDS for it; a changed byte of the
// report does not.
func TestDstackRealSample(t *testing.T) {
	dir := filepath.Join("testdata", "dstack-snp")
	b, err := os.ReadFile(filepath.Join(dir, "attestation-v0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseDstackAttestation(b)
	if err != nil {
		t.Fatal(err)
	}
	var rd [64]byte
	copy(rd[:], "attest-test-fixture-2026")
	if a.Version != 0 || a.Platform != "sev-snp" || len(a.SNPCertChain) != 0 || !bytes.Equal(a.ReportData, rd[:]) || !strings.Contains(a.MrConfig, `"compose_hash"`) {
		t.Fatalf("decoded %d %s, %d cert blobs, report data %q", a.Version, a.Platform, len(a.SNPCertChain), a.ReportData)
	}
	// Its certificate chain is empty (the host provisioned none), so the
	// table is made from the certificates dstack fetched.
	der := func(name string) []byte {
		p, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(p)
		if blk == nil {
			t.Fatalf("%s: no PEM block", name)
		}
		return blk.Bytes
	}
	table := abi.CertsFromProto(&spb.CertificateChain{VcekCert: der("vcek.pem"), AskCert: der("ask.pem")}).Marshal()
	raw, err := dstackSNPReport(a)
	if err != nil {
		t.Fatal(err)
	}
	ev := Evidence{TEE: "sev-snp", Files: map[string][]byte{SNPReportSuffix: raw, SNPCertsSuffix: table}}
	c, err := SEVSNP.Verify(ev, rd, nil, VerifyOptions{Now: time.Date(2026, 6, 17, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Verify against AMD's roots: %v", err)
	}
	if !strings.HasPrefix(c.Get("snp-measurement"), "7f51e17f72a04d5422cb2c00998166536019a217376f3aa45a630e59c805a599") || c.Get("snp-signer") != "vcek" {
		t.Errorf("claims %+v", c)
	}
	t.Logf("dstack's real SEV-SNP report: %v", c.Lines)
	// HOST_DATA binds its MrConfigV3 document as dstack computes it (the
	// value dstack's fixture README lists), and Verify checks that.
	if c.Get("snp-host-data") != "783f0057820acb99249af56cc3b07b4e8d80f65183167cba9cf437bb680f742f" {
		t.Errorf("snp-host-data %s", c.Get("snp-host-data"))
	}
	m, err := CheckMrConfig([]byte(a.MrConfig), raw[0xC0:0xE0])
	if err != nil {
		t.Fatalf("dstack's document against its HOST_DATA: %v", err)
	}
	if m.AppID != "86e59625be93207bc2351c4d1bba20037cec8e16" || m.ComposeHash != "86e59625be93207bc2351c4d1bba20037cec8e168da6b18f559af5af657b7a23" || m.KeyProvider != "kms" {
		t.Errorf("dstack's document: %+v", m)
	}
	ev.Files[DstackMrConfigSuffix] = []byte(a.MrConfig)
	if _, err := SEVSNP.Verify(ev, rd, json.RawMessage(`{"dstack": {"compose_hash": "`+m.ComposeHash+`", "app_id": "`+m.AppID+`"}}`), VerifyOptions{Now: time.Date(2026, 6, 17, 12, 0, 0, 0, time.UTC)}); err != nil {
		t.Errorf("Verify with the document and a dstack pin: %v", err)
	}
	changed := bytes.Clone(raw)
	changed[0x90] ^= 1
	ev.Files[SNPReportSuffix] = changed
	if _, err := SEVSNP.Verify(ev, rd, nil, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("a changed measurement byte: %v", err)
	}
}

// FuzzParseDstackAttestation: the agent's answer is an attacker's input;
// no input may panic the decoder, and an SEV-SNP attestation it accepts
// re-encodes in its own form to the same values.
//
//	go test ./internal/tee -run '^$' -fuzz FuzzParseDstackAttestation -fuzztime 30s
func FuzzParseDstackAttestation(f *testing.F) {
	var rd [64]byte
	report := bytes.Repeat([]byte{0x81}, abi.ReportSize)
	f.Add(dstackV0(3, report, [][]byte{[]byte("t")}, rd, testMrConfig))
	f.Add(dstackV1("sev-snp", report, [][]byte{[]byte("t")}, rd, false, testMrConfig))
	f.Add(dstackV1("sev-snp", report, nil, rd, true, "{}"))
	if b, err := os.ReadFile(filepath.Join("testdata", "dstack-snp", "attestation-v0.bin")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseDstackAttestation(b)
		if err != nil || a.Platform != "sev-snp" {
			return
		}
		var again []byte
		if a.Version == 0 {
			again = dstackV0(3, a.SNPReport, a.SNPCertChain, [64]byte(a.ReportData), a.MrConfig)
		} else if len(a.ReportData) == 64 {
			again = dstackV1("sev-snp", a.SNPReport, a.SNPCertChain, [64]byte(a.ReportData), true, a.MrConfig)
		} else {
			return
		}
		back, err := ParseDstackAttestation(again)
		if err != nil || !bytes.Equal(back.SNPReport, a.SNPReport) || len(back.SNPCertChain) != len(a.SNPCertChain) || back.MrConfig != a.MrConfig {
			t.Errorf("re-encoded: %v", err)
		}
	})
}
