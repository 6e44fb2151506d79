package attest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-tdx-guest/abi"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/testing/testdata"
)

// This file builds TDX quotes signed under a test PCK chain, so the positive
// binding case (report data = SHA-512 of a file we choose) can be verified
// for real instead of skipped. The chain has the shape go-tdx-guest checks:
// "Intel SGX Root CA" -> "Intel SGX PCK Platform CA" -> "Intel SGX PCK
// Certificate" (those common names are required), ECDSA P-256 with SHA-256,
// and the leaf carries the SGX extension copied from the PCK leaf of
// go-tdx-guest's sample quote. The organisation says it is a test root.
// Only a verifier told to trust this root (VerifyOptions.Roots) accepts it.

const testOrg = "teebench TEST chain, not Intel"

// testRootCRLURL is the test root's CRL distribution point (go-tdx-guest
// fetches the root CA CRL from there).
const testRootCRLURL = "https://teebench.invalid/test-root.crl"

// testPCK is a test PCK chain and the keys that sign with it.
type testPCK struct {
	root      *x509.Certificate
	rootPEM   []byte
	chainPEM  []byte // leaf || intermediate || root, as in a quote
	leafKey   *ecdsa.PrivateKey
	attestKey *ecdsa.PrivateKey // the quote's ECDSA attestation key
	rtmrs     [4][]byte         // each one set replaces that RTMR in the quotes it signs
	mrtd      []byte            // when set, the MRTD of the quotes it signs
	qeSigner  []byte            // when set, the QE report's MRSIGNER in the quotes it signs
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

// newTestPCK makes a fresh test chain valid from a day ago until 2049.
func newTestPCK(t testing.TB) *testPCK {
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
		CRLDistributionPoints: []string{testRootCRLURL},
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
	return &testPCK{root: root, rootPEM: rootPEM, chainPEM: chain, leafKey: leafKey, attestKey: newKey(t),
		rootKey: rootKey, inter: inter, interPEM: interPEM, interKey: interKey}
}

// roots is a pool with only the test root.
func (p *testPCK) roots() *x509.CertPool {
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

// quote returns a raw quote built from the sample quote's body with the given
// report data (and the TD attributes DEBUG bit when debug), signed like a
// real one: the attestation key signs header||body, the QE report commits to
// SHA-256(attestation key || QE auth data), and the PCK leaf signs the QE
// report.
func (p *testPCK) quote(t testing.TB, reportData [64]byte, debug bool) []byte {
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
	for i, r := range p.rtmrs {
		if r != nil {
			body.Rtmrs[i] = append([]byte(nil), r...)
		}
	}
	if p.mrtd != nil {
		body.MrTd = append([]byte(nil), p.mrtd...)
	}

	sd := q.GetSignedData()
	pub := p.attestKey.PublicKey
	ak := make([]byte, 64)
	pub.X.FillBytes(ak[:32])
	pub.Y.FillBytes(ak[32:])
	sd.EcdsaAttestationKey = ak

	cd := sd.GetCertificationData()
	qe := cd.GetQeReportCertificationData()
	if p.qeSigner != nil {
		qe.GetQeReport().MrSigner = append([]byte(nil), p.qeSigner...)
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
