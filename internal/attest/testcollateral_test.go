package attest

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tdx-guest/pcs"
	tdxtesting "github.com/google/go-tdx-guest/testing"
)

// collateral returns Intel-shaped collateral signed under the test chain:
// go-tdx-guest's sample TCB info and QE identity with their validity moved
// to at, the sample quote's TCB level (all SVNs zero, so every platform
// meets it) given status, re-signed by a test "Intel SGX TCB Signing"
// certificate; a PCK CRL from the test intermediate and a root CA CRL from
// the test root.
func (p *testPCK) collateral(t *testing.T, status string, at time.Time) *Collateral {
	t.Helper()
	signKey := newKey(t)
	signTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4), Subject: pkix.Name{CommonName: "Intel SGX TCB Signing", Organization: []string{testOrg}},
		NotBefore: at.Add(-24 * time.Hour), NotAfter: time.Date(2049, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	_, signPEM := createCert(t, signTmpl, p.root, &signKey.PublicKey, p.rootKey)
	chain := []string{url.QueryEscape(string(signPEM) + string(p.rootPEM))}

	// resign replaces the validity (and, for TCB info, the levels) of a
	// sample response and signs its inner object as Intel does.
	resign := func(body []byte, field string, edit func(map[string]any)) []byte {
		var outer map[string]json.RawMessage
		if err := json.Unmarshal(body, &outer); err != nil {
			t.Fatal(err)
		}
		var inner map[string]any
		json.Unmarshal(outer[field], &inner)
		inner["issueDate"] = at.Add(-time.Hour).Format(time.RFC3339)
		inner["nextUpdate"] = at.Add(30 * 24 * time.Hour).Format(time.RFC3339)
		if edit != nil {
			edit(inner)
		}
		raw, _ := json.Marshal(inner)
		sig := rawSig(t, signKey, raw)
		out, _ := json.Marshal(map[string]any{field: json.RawMessage(raw), "signature": hex.EncodeToString(sig)})
		return out
	}
	tcb := resign(sampleBody(t, "/tcb?"), "tcbInfo", func(m map[string]any) {
		levels := m["tcbLevels"].([]any)
		l := levels[len(levels)-1].(map[string]any)
		tcbm := l["tcb"].(map[string]any)
		for _, k := range []string{"sgxtcbcomponents", "tdxtcbcomponents"} {
			for _, c := range tcbm[k].([]any) {
				c.(map[string]any)["svn"] = 0
			}
		}
		tcbm["pcesvn"] = 0
		l["tcbStatus"] = status
		m["tcbLevels"] = []any{l}
	})
	qe := resign(sampleBody(t, "/qe/identity"), "enclaveIdentity", nil)

	pckCRL, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: at.Add(-time.Hour), NextUpdate: at.Add(30 * 24 * time.Hour)}, p.inter, p.interKey)
	if err != nil {
		t.Fatal(err)
	}
	rootCRL, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: at.Add(-time.Hour), NextUpdate: at.Add(30 * 24 * time.Hour)}, p.root, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return &Collateral{FetchedAt: at, Responses: map[string]CollateralResponse{
		pcs.TcbInfoURL("50806f000000"): {Header: map[string][]string{"Tcb-Info-Issuer-Chain": chain}, Body: tcb},
		pcs.QeIdentityURL():            {Header: map[string][]string{"Sgx-Enclave-Identity-Issuer-Chain": chain}, Body: qe},
		pcs.PckCrlURL("platform"):      {Header: map[string][]string{"Sgx-Pck-Crl-Issuer-Chain": {url.QueryEscape(string(p.interPEM) + string(p.rootPEM))}}, Body: pckCRL},
		testRootCRLURL:                 {Body: rootCRL},
	}}
}

// sampleBody is the body of go-tdx-guest's sample response whose URL
// contains part.
func sampleBody(t *testing.T, part string) []byte {
	t.Helper()
	for u, r := range tdxtesting.TestGetter.Responses {
		if strings.Contains(u, part) {
			return bytes.Clone(r.Body)
		}
	}
	t.Fatalf("no sample response for %s", part)
	return nil
}

// TestTestSignedCollateral: collateral signed under the test chain, saved
// beside a bound result, gives "TCB status X as of DATE" through every
// go-tdx-guest check (signatures, issuer chains, CRLs, expiry as of the
// fetch time): SWHardeningNeeded, which go-tdx-guest alone rejects, is a
// status; a policy's min_tcb_status compares with it; a QE report with a
// foreign MRSIGNER or ISVPRODID 99 fails (attack 4 with collateral).
func TestTestSignedCollateral(t *testing.T) {
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second) // the test chain is valid from a day ago
	for _, c := range []struct {
		status string
		signer bool // a foreign QE MRSIGNER
		want   string
	}{
		{"SWHardeningNeeded", false, "TCB status:      SWHardeningNeeded as of " + at.Format("2006-01-02") + " (platform SWHardeningNeeded, QE UpToDate"},
		{"UpToDate", false, "TCB status:      UpToDate as of "},
		{"SWHardeningNeeded", true, "check tcb:       FAIL: TCB status check failed: QE report MRSIGNER"},
		{"UpToDate", true, "check tcb:       FAIL: TCB status check failed: MRSIGNER value"},
	} {
		pck := newTestPCK(t)
		if c.signer {
			pck.qeSigner = bytes.Repeat([]byte{0xee}, 32)
		}
		p := writeResult(t, fixtureText)
		if err := RunAttest(&bytes.Buffer{}, p, func(rd [64]byte) ([]byte, error) { return pck.quote(t, rd, false), nil }, nil); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(CollateralPath(p), pck.collateral(t, c.status, at).Marshal(), 0o644)
		var out bytes.Buffer
		err := RunVerify(&out, p, testOpts(pck))
		if !strings.Contains(out.String(), c.want) || (err == nil) == c.signer {
			t.Errorf("%s signer=%v: %v; want %q in:\n%s", c.status, c.signer, err, c.want, out.String())
			continue
		}
		if c.signer {
			continue
		}
		if v := verdictOf(out.String()); !strings.Contains(v, "TCB status "+c.status+" as of "+at.Format("2006-01-02")) || strings.Contains(v, "(offline") {
			t.Errorf("verdict %q", v)
		}
		ev := EvidenceWith(p, testOpts(pck))
		if strings.Contains(strings.Join(ev.Caveats, "|"), "TCB status not checked") {
			t.Errorf("caveats %q", ev.Caveats)
		}
		r, _ := VerifyFile(p, testOpts(pck))
		pol, _ := PolicyFor(r, false)
		if pol.TDX.MinTCBStatus != c.status {
			t.Errorf("printed policy pins min_tcb_status %q", pol.TDX.MinTCBStatus)
		}
		opts := testOpts(pck)
		opts.Policy = pol
		pol.TDX.MinTCBStatus = "UpToDate"
		err = RunVerify(&bytes.Buffer{}, p, opts)
		if c.status == "UpToDate" && err != nil || c.status != "UpToDate" && !errors.Is(err, ErrPolicy) {
			t.Errorf("%s against min UpToDate: %v", c.status, err)
		}
	}
}
