package tee

import (
	"testing"

	"github.com/google/go-sev-guest/abi"
)

// FakeSNP returns an SEV-SNP Kind whose guest interface signs a report for
// any report data with go-sev-guest's test-only AMD chain (guest policy
// pol) and whose roots are that chain's, for the tests of package tee_test
// (snp_bind_test.go), which run internal/attest over it: go-sev-guest's
// test package is imported by _test files under internal/tee only.
func FakeSNP(t *testing.T, pol abi.SnpPolicy) *SNP {
	k, _ := newSigningGuest(t, pol)
	return k
}
