package tee

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/client"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sgtest "github.com/google/go-sev-guest/testing"
	"github.com/google/go-sev-guest/verify/trust"
)

// measurement is the launch MEASUREMENT the fake reports carry.
var measurement = bytes.Repeat([]byte{0xa5}, abi.MeasurementSize)

// fakeGuest is an SEV-SNP guest made of go-sev-guest's fake quote
// provider, which signs reports with its test VCEK and returns its test
// ARK/ASK/VCEK certificate table, as /dev/sev-guest or configfs-tsm would.
type fakeGuest struct {
	snp    *SNP
	signer *sgtest.AmdSigner
}

// newFakeGuest returns a guest whose reports, one per entry of policies
// (report data → guest policy), carry the fake measurement; its SNP Kind
// trusts the fake signer's roots instead of AMD's.
func newFakeGuest(t *testing.T, policies map[[64]byte]abi.SnpPolicy) *fakeGuest {
	t.Helper()
	return newFakeGuestKey(t, policies, abi.VcekReportSigner)
}

// newFakeGuestKey is newFakeGuest with reports signed by key: the chip's
// VCEK, or the cloud's VLEK (certified by the ASVK).
func newFakeGuestKey(t *testing.T, policies map[[64]byte]abi.SnpPolicy, key abi.ReportSigner) *fakeGuest {
	t.Helper()
	now := time.Now()
	product := abi.DefaultSevProduct()
	signer := fakeSigner(t, product, now)
	var tcs []sgtest.TestCase
	for rd, pol := range policies {
		var out [len(sgtest.TestCase{}.Output)]byte
		report := fakeRawReport(rd, pol, key)
		copy(out[:], report[:])
		tcs = append(tcs, sgtest.TestCase{Name: hex.EncodeToString(rd[:4]), Input: rd, Output: out})
	}
	qp, err := sgtest.TcQuoteProvider(tcs, &sgtest.DeviceOptions{Now: now, Signer: signer, Product: product})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeGuest{signer: signer, snp: &SNP{
		provider: func() (client.QuoteProvider, error) { return qp, nil },
		roots:    fakeRoots(signer, product),
	}}
}

// fakeSigner is go-sev-guest's test-only AMD chain (ARK, ASK, ASVK, VCEK,
// VLEK) for product, created at now minus an hour.
func fakeSigner(t *testing.T, product *spb.SevProduct, now time.Time) *sgtest.AmdSigner {
	t.Helper()
	signer, err := sgtest.DefaultTestOnlyCertChain(kds.ProductName(product), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// fakeRoots makes the fake signer's ARK, ASK and ASVK the trusted roots.
func fakeRoots(signer *sgtest.AmdSigner, product *spb.SevProduct) map[string][]*trust.AMDRootCerts {
	line := kds.ProductLine(product)
	return map[string][]*trust.AMDRootCerts{line: {{
		ProductLine:  line,
		ProductCerts: &trust.ProductCerts{Ark: signer.Ark, Ask: signer.Ask, Asvk: signer.Asvk},
	}}}
}

// fakeRawReport is an unsigned report over rd with the guest policy pol,
// the fake measurement and key as its signing key.
func fakeRawReport(rd [64]byte, pol abi.SnpPolicy, key abi.ReportSigner) [abi.ReportSize]byte {
	raw := sgtest.CreateRawReport(&sgtest.TestReportOptions{ReportData: rd[:], SignerInfo: abi.SignerInfo{SigningKey: key}})
	binary.LittleEndian.PutUint64(raw[0x08:0x10], abi.SnpPolicyToBytes(pol))
	copy(raw[0x90:0xC0], measurement)
	var out [abi.ReportSize]byte
	copy(out[:], raw[:abi.ReportSize])
	return out
}

// signingGuest is a fake SEV-SNP guest interface that answers any report
// data (go-sev-guest's fake device answers only the report data it was
// given beforehand): a report with the guest policy pol signed by the fake
// VCEK, and the fake certificate table, as configfs-tsm would return them.
type signingGuest struct {
	signer  *sgtest.AmdSigner
	product *spb.SevProduct
	policy  abi.SnpPolicy
	// noCerts makes it return the report alone, as a guest whose host
	// provisions no certificates.
	noCerts bool
	// hostData is the HOST_DATA its reports carry (what the host launched
	// it with).
	hostData [32]byte
}

// IsSupported implements client.QuoteProvider.
func (*signingGuest) IsSupported() bool { return true }

// Product implements client.QuoteProvider.
func (g *signingGuest) Product() *spb.SevProduct { return g.product }

// GetRawQuote implements client.QuoteProvider: the signed report, then the
// certificate table.
func (g *signingGuest) GetRawQuote(rd [64]byte) ([]byte, error) {
	report, err := g.report(rd)
	if err != nil || g.noCerts {
		return report, err
	}
	certs, err := g.certs()
	if err != nil {
		return nil, err
	}
	return append(report, certs...), nil
}

// report is a report over rd signed by the fake VCEK.
func (g *signingGuest) report(rd [64]byte) ([]byte, error) {
	raw := fakeRawReport(rd, g.policy, abi.VcekReportSigner)
	copy(raw[0xC0:0xE0], g.hostData[:])
	report := raw[:]
	r, s, err := g.signer.Sign(abi.SignedComponent(report))
	if err != nil {
		return nil, err
	}
	if err := abi.SetSignature(r, s, report); err != nil {
		return nil, err
	}
	return report, nil
}

// certs is the fake certificate table with the platform-info entry
// go-sev-guest's quote providers add.
func (g *signingGuest) certs() ([]byte, error) {
	certs, err := g.signer.CertTableBytes()
	if err != nil {
		return nil, err
	}
	return abi.ExtendPlatformCertTable(certs, &abi.ExtraPlatformInfo{
		Size:      abi.ExtraPlatformInfoV0Size,
		Cpuid1Eax: abi.MaskedCpuid1EaxFromSevProduct(g.product),
	})
}

// newSigningGuest returns an SEV-SNP Kind whose guest interface is a
// signingGuest with guest policy pol and whose roots are its signer's.
func newSigningGuest(t *testing.T, pol abi.SnpPolicy) (*SNP, *signingGuest) {
	t.Helper()
	product := abi.DefaultSevProduct()
	g := &signingGuest{signer: fakeSigner(t, product, time.Now()), product: product, policy: pol}
	return &SNP{
		provider: func() (client.QuoteProvider, error) { return g, nil },
		roots:    fakeRoots(g.signer, product),
	}, g
}

// resultFile writes a result file and returns its path and report data
// (SHA-512 of its bytes, the binding the suite uses for every TEE).
func resultFile(t *testing.T, body string) (string, [64]byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cpu.txt")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sha512.Sum512([]byte(body))
}

// TestSNPRoundTrip: attest a result file on the fake guest, store the
// report and certificate table beside it, read them back and verify them
// against the fake roots with a policy naming the measurement and a
// minimum TCB the guest meets.
func TestSNPRoundTrip(t *testing.T) {
	path, rd := resultFile(t, "BenchmarkX 1 2 ns/op\n")
	g := newFakeGuest(t, map[[64]byte]abi.SnpPolicy{rd: {SMT: true}})
	ev, err := g.snp.Attest(rd)
	if err != nil {
		t.Fatalf("Attest: %v", err)
	}
	written, err := WriteEvidence(path, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 2 {
		t.Fatalf("wrote %v, want the report and the certificate table", written)
	}
	if _, err := WriteEvidence(path, ev); err == nil || !strings.Contains(err.Error(), "not overwriting") {
		t.Errorf("second WriteEvidence: %v, want a refusal to overwrite", err)
	}
	back, ok, err := ReadEvidence(path, g.snp)
	if err != nil || !ok {
		t.Fatalf("ReadEvidence: ok=%v err=%v", ok, err)
	}
	policy := json.RawMessage(`{"measurements": ["` + hex.EncodeToString(measurement) + `"], "min_tcb": {"bl": 0, "tee": 0, "snp": 0, "ucode": 0}}`)
	claims, err := g.snp.Verify(back, rd, policy, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := claims.Get("snp-measurement"); got != hex.EncodeToString(measurement) {
		t.Errorf("snp-measurement %q", got)
	}
	if got := claims.Get("snp-policy"); !strings.Contains(got, "debug=off smt=on migrate-ma=off") {
		t.Errorf("snp-policy %q", got)
	}
	if got := claims.Get("snp-tcb"); got != "bl=0 tee=0 snp=0 ucode=0" {
		t.Errorf("snp-tcb %q", got)
	}
	if got := claims.Get("snp-signer"); got != "vcek" {
		t.Errorf("snp-signer %q", got)
	}
	if len(claims.Caveats) != 1 || !strings.Contains(claims.Caveats[0], "revocation") {
		t.Errorf("caveats %q, want only the offline revocation list", claims.Caveats)
	}
	lines, err := g.snp.Describe(ev)
	if err != nil || len(lines) != 6 {
		t.Errorf("Describe: %v %v", lines, err)
	}
	// The policy printed from these claims is valid policy input, and the
	// report passes it.
	printed, err := PolicyFromClaims(claims)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePolicy(printed.Marshal()); err != nil {
		t.Fatalf("printed policy does not parse: %v\n%s", err, printed.Marshal())
	}
	section, err := PolicySection(printed.Marshal(), g.snp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.snp.Verify(back, rd, section, VerifyOptions{}); err != nil {
		t.Errorf("against its printed policy: %v", err)
	}
}

// TestSNPVLEK: a report signed by a VLEK (the key a cloud provider gets
// from AMD, certified by the ASVK) verifies, and says so.
func TestSNPVLEK(t *testing.T) {
	_, rd := resultFile(t, "vlek")
	g := newFakeGuestKey(t, map[[64]byte]abi.SnpPolicy{rd: {}}, abi.VlekReportSigner)
	ev, err := g.snp.Attest(rd)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := g.snp.Verify(ev, rd, nil, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := claims.Get("snp-signer"); got != "vlek" {
		t.Errorf("snp-signer %q", got)
	}
	if _, err := (&SNP{}).Verify(ev, rd, nil, VerifyOptions{}); err == nil {
		t.Error("a fake VLEK chain verified against AMD's roots")
	}
}

// TestSNPVerifyFailures: each way a report must be refused.
func TestSNPVerifyFailures(t *testing.T) {
	_, rd := resultFile(t, "BenchmarkX 1 2 ns/op\n")
	var debugRD [64]byte
	copy(debugRD[:], "debug")
	g := newFakeGuest(t, map[[64]byte]abi.SnpPolicy{rd: {SMT: true, MigrateMA: true}, debugRD: {Debug: true}})
	ev, err := g.snp.Attest(rd)
	if err != nil {
		t.Fatal(err)
	}
	debugEv, err := g.snp.Attest(debugRD)
	if err != nil {
		t.Fatal(err)
	}
	// A report signed by a VCEK key that is not the one its certificate
	// names: the certificate chains, the signature does not.
	other := newFakeGuest(t, map[[64]byte]abi.SnpPolicy{rd: {}})
	other.signer.Keys.Vcek = sgtest.DefaultVlek()
	wrongKey, err := other.snp.Attest(rd)
	if err != nil {
		t.Fatal(err)
	}
	flipped := func(ev Evidence, suffix string, at int) Evidence {
		files := map[string][]byte{}
		for k, v := range ev.Files {
			files[k] = bytes.Clone(v)
		}
		files[suffix][at] ^= 1
		return Evidence{TEE: ev.TEE, Files: files}
	}
	otherRD := rd
	otherRD[0] ^= 1
	embedded := &SNP{} // AMD's embedded roots
	cases := []struct {
		name   string
		snp    *SNP
		ev     Evidence
		rd     [64]byte
		policy string
		want   string
	}{
		// The result file changed after attesting: its SHA-512 is not the
		// report data.
		{"changed result byte", g.snp, ev, otherRD, "", "binding"},
		// A changed byte in the signed report breaks the signature.
		{"changed report byte", g.snp, flipped(ev, SNPReportSuffix, 0x90), rd, "", "signature"},
		// The fake chain does not lead to AMD's ARK: a foreign chain.
		{"foreign chain", embedded, ev, rd, "", "AMD certificate chain"},
		{"wrong signing key", other.snp, wrongKey, rd, "", "signature"},
		// The host can decrypt a debug guest: never accepted.
		{"debug policy", g.snp, debugEv, debugRD, "", "allows debugging"},
		{"measurement not allowed", g.snp, ev, rd, `{"measurements": ["` + strings.Repeat("00", 48) + `"]}`, "not in the policy"},
		{"TCB below minimum", g.snp, ev, rd, `{"min_tcb": {"ucode": 1}}`, "REPORTED_TCB"},
		{"SMT refused", g.snp, ev, rd, `{"refuse_smt": true}`, "symmetric multithreading"},
		{"migration agent refused", g.snp, ev, rd, `{"refuse_migration_agent": true}`, "migration agent"},
		// A typo in a policy must not disable a check.
		{"unknown policy field", g.snp, ev, rd, `{"measurement": "aa"}`, "unknown field"},
		{"short report", g.snp, Evidence{Files: map[string][]byte{SNPReportSuffix: ev.Files[SNPReportSuffix][:100], SNPCertsSuffix: ev.Files[SNPCertsSuffix]}}, rd, "", "1184"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.snp.Verify(c.ev, c.rd, json.RawMessage(c.policy), VerifyOptions{})
			t.Logf("%s: %v", c.name, err)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Verify: %v, want an error containing %q", err, c.want)
			}
		})
	}
	// The same evidence passes with the fake roots and no policy (SMT and
	// migration agent shown, not refused), with caveats.
	claims, err := g.snp.Verify(ev, rd, nil, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify without a policy: %v", err)
	}
	if !strings.Contains(claims.Get("snp-policy"), "smt=on migrate-ma=on") || len(claims.Caveats) != 3 {
		t.Errorf("claims %+v", claims)
	}
}

// TestSNPAttestRefusesUnboundReport: a guest interface that returns a
// report over other data is refused at attest time.
func TestSNPAttestRefusesUnboundReport(t *testing.T) {
	_, rd := resultFile(t, "a")
	_, other := resultFile(t, "b")
	g := newFakeGuest(t, map[[64]byte]abi.SnpPolicy{rd: {}})
	qp, _ := g.snp.provider()
	g.snp.provider = func() (client.QuoteProvider, error) { return remap{qp, other, rd}, nil }
	if _, err := g.snp.Attest(other); err == nil || !strings.Contains(err.Error(), "does not carry the requested report data") {
		t.Errorf("Attest: %v", err)
	}
}

// remap answers requests for from with the report for to.
type remap struct {
	client.QuoteProvider
	from, to [64]byte
}

func (r remap) GetRawQuote(rd [64]byte) ([]byte, error) {
	if rd == r.from {
		rd = r.to
	}
	return r.QuoteProvider.GetRawQuote(rd)
}

// TestReadEvidence: absent evidence is no error; half of it is.
func TestReadEvidence(t *testing.T) {
	path, _ := resultFile(t, "x")
	if _, ok, err := ReadEvidence(path, SEVSNP); ok || err != nil {
		t.Errorf("no side files: ok=%v err=%v", ok, err)
	}
	if err := os.WriteFile(path+SNPReportSuffix, []byte("r"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadEvidence(path, SEVSNP); err == nil || !strings.Contains(err.Error(), SNPCertsSuffix) {
		t.Errorf("report without certificates: %v", err)
	}
}

// countingGetter counts the requests to a fake KDS.
type countingGetter struct {
	trust.HTTPSGetter
	n int
}

func (g *countingGetter) Get(url string) ([]byte, error) {
	g.n++
	return g.HTTPSGetter.Get(url)
}

// TestSNPCertsFromKDS: a guest whose host provisions no certificates (as in
// dstack's real sample) cannot be attested offline, and the error names
// TEEBENCH_COLLATERAL; with TEEBENCH_COLLATERAL=1 the VCEK and its chain
// come from (a fake) AMD KDS, once per process, and the evidence verifies.
func TestSNPCertsFromKDS(t *testing.T) {
	k, g := newSigningGuest(t, abi.SnpPolicy{})
	g.noCerts = true
	rd := sha512.Sum512([]byte("no certificates"))
	if _, err := k.Attest(rd); err == nil || !strings.Contains(err.Error(), "TEEBENCH_COLLATERAL=1") {
		t.Fatalf("no certificates, no opt-in: %v", err)
	}
	fake, err := sgtest.FakeKDSFromSigner(g.signer)
	if err != nil {
		t.Fatal(err)
	}
	getter := &countingGetter{HTTPSGetter: fake}
	k.getter, k.kds = getter, &kdsCache{}
	t.Setenv("TEEBENCH_COLLATERAL", "1")
	ev, err := k.Attest(rd)
	if err != nil {
		t.Fatalf("Attest with the fake KDS: %v", err)
	}
	if _, err := k.Verify(ev, rd, nil, VerifyOptions{}); err != nil {
		t.Errorf("Verify: %v", err)
	}
	fetched := getter.n
	if fetched == 0 {
		t.Fatal("the fake KDS was not asked")
	}
	if _, err := k.Attest(sha512.Sum512([]byte("again"))); err != nil || getter.n != fetched {
		t.Errorf("second Attest: %v, %d KDS requests after %d", err, getter.n, fetched)
	}
	k.getter = &countingGetter{HTTPSGetter: sgtest.SimpleGetter(map[string][]byte{})}
	k.kds = nil
	if _, err := k.Attest(rd); err == nil || !strings.Contains(err.Error(), "AMD's KDS") {
		t.Errorf("KDS without the certificate: %v", err)
	}
}
