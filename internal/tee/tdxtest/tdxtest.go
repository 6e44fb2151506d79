// Package tdxtest builds TDX evidence for tests of the packages that verify
// it: quotes signed under a test PCK chain (PCK), collateral signed under
// the same chain, and Intel's sample quote and collateral as go-tdx-guest
// ships them. Nothing in it is used outside tests: only a verifier told to
// trust the test root accepts what it signs.
package tdxtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	tdxtesting "github.com/google/go-tdx-guest/testing"
	"github.com/google/go-tdx-guest/testing/testdata"
	"github.com/teebench/teebench/internal/tee"
)

// SampleQuote returns a copy of Intel's sample TDX quote (go-tdx-guest's
// testing/testdata.RawQuote), signed under Intel's real chain.
func SampleQuote() []byte { return bytes.Clone(testdata.RawQuote) }

// Getter serves Intel's sample collateral for the sample quote, as
// Intel's PCS served it (go-tdx-guest's test getter), valid on 2023-07-01.
var Getter tee.HTTPSGetter = tdxtesting.TestGetter

// This file builds TDX quotes signed under a test PCK chain, so the positive
// binding case (report data = SHA-512 of a file we choose) can be verified
// for real instead of skipped. The chain has the shape go-tdx-guest checks:
// "Intel SGX Root CA" -> "Intel SGX PCK Platform CA" -> "Intel SGX PCK
// Certificate" (those common names are required), ECDSA P-256 with SHA-256,
// and the leaf carries the SGX extension copied from the PCK leaf of
// go-tdx-guest's sample quote. The organisation says it is a test root.
// Only a verifier told to trust this root (VerifyOptions.Roots) accepts it.

const testOrg = "teebench TEST chain, not Intel"

// RootCRLURL is the test root's CRL distribution point (go-tdx-guest
// fetches the root CA CRL from there).
const RootCRLURL = "https://teebench.invalid/test-root.crl"

// PCK is a test PCK chain and the keys that sign with it.
type PCK struct {
	// RTMRs: each one set replaces that RTMR in the quotes it signs.
	RTMRs [4][]byte
	// MRTD, when set, is the MRTD of the quotes it signs.
	MRTD []byte
	// QESigner, when set, is the QE report's MRSIGNER in the quotes it
	// signs.
	QESigner []byte
	// RootPEM is the test root certificate.
	RootPEM []byte

	root      *x509.Certificate
	chainPEM  []byte // leaf || intermediate || root, as in a quote
	leafKey   *ecdsa.PrivateKey
	attestKey *ecdsa.PrivateKey // the quote's ECDSA attestation key
	rootKey   *ecdsa.PrivateKey
	inter     *x509.Certificate
	interPEM  []byte
	interKey  *ecdsa.PrivateKey
}

// sampleQuote parses go-tdx-guest's sample quote into a fresh proto.
func sampleQuote(t testing.TB) *pb.QuoteV4 {
	t.Helper()
	q, err := abi.QuoteToProto(testdata.RawQuote)
	if err != nil {
		t.Fatalf("parse go-tdx-guest sample quote: %v", err)
	}
	return q.(*pb.QuoteV4)
}

// samplePCKLeaf returns the Intel PCK leaf certificate in the sample quote.
func samplePCKLeaf(t testing.TB) *x509.Certificate {
	t.Helper()
	chain := sampleQuote(t).GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	blk, _ := pem.Decode(chain)
	if blk == nil {
		t.Fatal("sample quote: no PEM block in the PCK chain")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatalf("sample quote PCK leaf: %v", err)
	}
	return c
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func createCert(t testing.TB, tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) (*x509.Certificate, []byte) {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("create %s: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// NewPCK makes a fresh test chain valid from a day ago until 2049.
func NewPCK(t testing.TB) *PCK {
	t.Helper()
	notBefore := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	notAfter := time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)
	name := func(cn string) pkix.Name {
		return pkix.Name{CommonName: cn, Organization: []string{testOrg}}
	}
	rootKey, interKey, leafKey := newKey(t), newKey(t), newKey(t)

	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: name("Intel SGX Root CA"),
		NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 1,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		CRLDistributionPoints: []string{RootCRLURL},
	}
	root, rootPEM := createCert(t, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)

	interTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: name("Intel SGX PCK Platform CA"),
		NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 0, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	inter, interPEM := createCert(t, interTmpl, root, &interKey.PublicKey, rootKey)

	// pcs.PckCertificateExtensions wants exactly the six extensions of a real
	// PCK leaf. Go writes the key identifiers; the other four are copied.
	var extra []pkix.Extension
	for _, e := range samplePCKLeaf(t).Extensions {
		if id := e.Id.String(); id != "2.5.29.35" && id != "2.5.29.14" {
			extra = append(extra, e)
		}
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: name("Intel SGX PCK Certificate"),
		NotBefore: notBefore, NotAfter: notAfter,
		SubjectKeyId:    []byte("teebench-test-pck-leaf"),
		ExtraExtensions: extra,
	}
	_, leafPEM := createCert(t, leafTmpl, inter, &leafKey.PublicKey, interKey)

	chain := append(append(append([]byte{}, leafPEM...), interPEM...), rootPEM...)
	return &PCK{root: root, RootPEM: rootPEM, chainPEM: chain, leafKey: leafKey, attestKey: newKey(t),
		rootKey: rootKey, inter: inter, interPEM: interPEM, interKey: interKey}
}

// Roots is a pool with only the test root.
func (p *PCK) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

// rawSig signs SHA-256(msg) and returns the 64-byte r||s form quotes use.
func rawSig(t testing.TB, k *ecdsa.PrivateKey, msg []byte) []byte {
	t.Helper()
	h := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

// Quote returns a raw quote built from the sample quote's body with the given
// report data (and the TD attributes DEBUG bit when debug), signed like a
// real one: the attestation key signs header||body, the QE report commits to
// SHA-256(attestation key || QE auth data), and the PCK leaf signs the QE
// report.
func (p *PCK) Quote(t testing.TB, reportData [64]byte, debug bool) []byte {
	t.Helper()
	q := sampleQuote(t)
	body := q.GetTdQuoteBody()
	body.ReportData = append([]byte(nil), reportData[:]...)
	attrs := append([]byte(nil), body.GetTdAttributes()...)
	if debug {
		attrs[0] |= 1
	} else {
		attrs[0] &^= 1
	}
	body.TdAttributes = attrs
	for i, r := range p.RTMRs {
		if r != nil {
			body.Rtmrs[i] = append([]byte(nil), r...)
		}
	}
	if p.MRTD != nil {
		body.MrTd = append([]byte(nil), p.MRTD...)
	}

	sd := q.GetSignedData()
	pub := p.attestKey.PublicKey
	ak := make([]byte, 64)
	pub.X.FillBytes(ak[:32])
	pub.Y.FillBytes(ak[32:])
	sd.EcdsaAttestationKey = ak

	cd := sd.GetCertificationData()
	qe := cd.GetQeReportCertificationData()
	if p.QESigner != nil {
		qe.GetQeReport().MrSigner = append([]byte(nil), p.QESigner...)
	}
	qeRD := sha256.Sum256(append(append([]byte{}, ak...), qe.GetQeAuthData().GetData()...))
	qe.GetQeReport().ReportData = append(qeRD[:], make([]byte, 32)...)
	qeReport, err := abi.EnclaveReportToAbiBytes(qe.GetQeReport())
	if err != nil {
		t.Fatal(err)
	}
	qe.QeReportSignature = rawSig(t, p.leafKey, qeReport)

	chain := qe.GetPckCertificateChainData()
	chain.PckCertChain = p.chainPEM
	chain.Size = uint32(len(p.chainPEM))
	// Sizes: QE report 0x180 + signature 0x40 + auth data (2 + n) + chain (6 + n).
	cd.Size = uint32(0x180 + 0x40 + 2 + len(qe.GetQeAuthData().GetData()) + 6 + len(p.chainPEM))
	q.SignedDataSize = 0x80 + 6 + cd.Size
	q.ExtraBytes = nil

	hdr, err := abi.HeaderToAbiBytes(q.GetHeader())
	if err != nil {
		t.Fatal(err)
	}
	bodyBytes, err := abi.TdQuoteBodyToAbiBytes(body)
	if err != nil {
		t.Fatal(err)
	}
	sd.Signature = rawSig(t, p.attestKey, append(hdr, bodyBytes...))

	raw, err := abi.QuoteToAbiBytes(q)
	if err != nil {
		t.Fatalf("serialise test quote: %v", err)
	}
	return raw
}

// Collateral returns Intel-shaped collateral signed under the test chain:
// go-tdx-guest's sample TCB info and QE identity with their validity moved
// to at, the sample quote's TCB level (all SVNs zero, so every platform
// meets it) given status, re-signed by a test "Intel SGX TCB Signing"
// certificate; a PCK CRL from the test intermediate and a root CA CRL from
// the test root.
func (p *PCK) Collateral(t testing.TB, status string, at time.Time) *tee.Collateral {
	t.Helper()
	signKey := newKey(t)
	signTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4), Subject: pkix.Name{CommonName: "Intel SGX TCB Signing", Organization: []string{testOrg}},
		NotBefore: at.Add(-24 * time.Hour), NotAfter: time.Date(2049, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	_, signPEM := createCert(t, signTmpl, p.root, &signKey.PublicKey, p.rootKey)
	chain := []string{url.QueryEscape(string(signPEM) + string(p.RootPEM))}

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
	return &tee.Collateral{FetchedAt: at, Responses: map[string]tee.CollateralResponse{
		pcs.TcbInfoURL("50806f000000"): {Header: map[string][]string{"Tcb-Info-Issuer-Chain": chain}, Body: tcb},
		pcs.QeIdentityURL():            {Header: map[string][]string{"Sgx-Enclave-Identity-Issuer-Chain": chain}, Body: qe},
		pcs.PckCrlURL("platform"):      {Header: map[string][]string{"Sgx-Pck-Crl-Issuer-Chain": {url.QueryEscape(string(p.interPEM) + string(p.RootPEM))}}, Body: pckCRL},
		RootCRLURL:                     {Body: rootCRL},
	}}
}

// sampleBody is the body of go-tdx-guest's sample response whose URL
// contains part.
func sampleBody(t testing.TB, part string) []byte {
	t.Helper()
	for u, r := range tdxtesting.TestGetter.Responses {
		if strings.Contains(u, part) {
			return bytes.Clone(r.Body)
		}
	}
	t.Fatalf("no sample response for %s", part)
	return nil
}
