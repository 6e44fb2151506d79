package tee

import (
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/verify"
	"github.com/google/go-tdx-guest/verify/trust"
)

// intelRootPEM is a byte-for-byte copy of go-tdx-guest v0.3.1's embedded
// verify/trusted_root.pem (the Intel SGX Root CA). TestIntelRootIsLibraryCopy
// compares the two. The copy exists because go-tdx-guest logs a warning to
// stdout on every call that uses its own embedded root (TrustedRoots == nil);
// passing the same root explicitly keeps stdout clean for result files and
// reports.
//
//go:embed intel_sgx_root_ca.pem
var intelRootPEM []byte

// IntelRootLabel names the embedded Intel root in output.
const IntelRootLabel = "Intel SGX Root CA (go-tdx-guest v0.3.1's embedded root)"

// HTTPSGetter fetches Intel's collateral (go-tdx-guest's trust.HTTPSGetter);
// tests pass one that serves saved responses.
type HTTPSGetter = trust.HTTPSGetter

// IntelRoots returns a pool holding only the Intel SGX Root CA, the root
// go-tdx-guest embeds.
func IntelRoots() *x509.CertPool {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(intelRootPEM) {
		panic("tee: embedded Intel SGX Root CA does not parse")
	}
	return p
}

// LoadRoots reads a PEM bundle of root certificates, for verifying quotes
// signed under a chain other than Intel's (test fixtures).
func LoadRoots(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tee: trusted roots: %w", err)
	}
	p := x509.NewCertPool()
	if blk, _ := pem.Decode(b); blk == nil || !p.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("tee: trusted roots: %s holds no PEM certificate", path)
	}
	return p, nil
}

// VerifyTDXSignature checks offline that a parsed quote's PCK certificate
// chain leads to roots (nil: the Intel SGX Root CA) at now (zero:
// time.Now), and that the QE report and the quote are signed by it. It
// checks no TCB status, QE identity or revocation (those need Intel's
// collateral: Collateral).
func VerifyTDXSignature(q *pb.QuoteV4, roots *x509.CertPool, now time.Time) error {
	if roots == nil {
		roots = IntelRoots()
	}
	if now.IsZero() {
		now = time.Now()
	}
	return verify.TdxQuote(q, &verify.Options{TrustedRoots: roots, Now: now})
}
