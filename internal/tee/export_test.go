package tee

import (
	"os"
	"path/filepath"
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

// FakeAgent is a dstack guest agent for tests on SEV-SNP: /Attest answers
// with a report from go-sev-guest's fake signer whose HOST_DATA is
// HostData, in wire form Form ("V0", the default, or "V1"), with MrConfig
// as the quote's mr_config; /Info answers Info.
type FakeAgent struct {
	Form     string
	MrConfig string
	HostData [32]byte
	Info     AgentInfo
	// FailAttest makes /Attest answer an error.
	FailAttest bool
	// Asked lists the report data /Attest was asked for (hex).
	Asked []string
}

// TestMrConfig is an MrConfigV3 document in dstack's form (app id 11…,
// compose hash 22…, key provider kms 33…, instance id 44…).
const TestMrConfig = testMrConfig

// StartFakeAgent serves fa on a unix socket in a new dstack SEV-SNP
// container tree (the kernel's SEV sysfs directory, the socket at
// /run/dstack.sock), which is this package's Root until the test ends, and
// returns an SEV-SNP Kind that takes its evidence from there (tee.AgentFor
// finds the agent) and trusts the fake signer's roots.
func StartFakeAgent(t *testing.T, fa *FakeAgent) *SNP {
	fake, g := newSigningGuest(t, abi.SnpPolicy{})
	root := shortTempDir(t)
	serveAgent(t, root, g, fa)
	if err := os.MkdirAll(filepath.Join(root, sevSysfs), 0o755); err != nil {
		t.Fatal(err)
	}
	return &SNP{roots: fake.roots}
}
