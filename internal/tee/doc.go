// Package tee is the suite's one owner of the TEE concept: which trusted
// execution environments a run can be labelled with, how a machine is
// recognised as a guest of one, the manifest lines that identify the guest,
// the evidence that binds a result file to it, and how that evidence is
// verified.
//
// Each TEE is a Kind (in the manner of sweet's Harness: one small interface,
// one implementation per file). A Kind has
//
//   - a name, the value of the manifest's `tee:` line ("sev-snp"), a title
//     for messages ("SEV-SNP") and a build tag ("snp");
//   - Detect, which reads guest evidence under a root directory (Root in
//     production, a fixture tree in tests): the guest device, the
//     configfs-tsm provider, the kernel's SEV_STATUS in sysfs. CPU flags
//     never make a guest: an SEV-SNP host shows the sev_snp flag too;
//   - Attest, which gets evidence over 64 bytes of report data (the SHA-512
//     of a result file) and returns it as named side files;
//   - Describe, which turns evidence into manifest lines (unverified);
//   - Verify, which checks evidence offline against the vendor's embedded
//     roots, the binding to the report data, and the Kind's section of a
//     policy file (measurements, minimum TCB, debug refused).
//
// Side files are written next to a result file R.txt as R.txt.<suffix>
// (WriteEvidence, ReadEvidence), never overwriting one that exists.
//
// Under a TEE's build tag, Check fails unless this machine is a guest of
// that TEE (results must never be labelled with a TEE by mistake), and
// Manifest returns the guest's identity lines. Building with two TEE tags
// (-tags tdx,snp) fails on purpose.
//
// # Kinds
//
// tdx.go and tdx_*.go: Intel TDX through github.com/google/go-tdx-guest
// (configfs-tsm provider tdx_guest, /dev/tdx_guest, or the dstack guest
// agent's socket with the tdx_guest CPU flag, agent.go; quotes verified offline
// against the embedded Intel SGX Root CA, Intel's collateral for the TCB
// status; docs/evidence.md). internal/attest binds the quote to a result
// file and its side files (the binding list) and replays dstack's event
// log.
//
// snp.go: AMD SEV-SNP through github.com/google/go-sev-guest (configfs-tsm,
// /dev/sev-guest or the dstack guest agent's /Attest, the extended report's
// VCEK/VLEK chain kept beside the report, verification offline against the
// AMD roots embedded in that module, docs/snp.md); dstack_snp.go: what
// binds a dstack app to an SEV-SNP report (the MrConfigV3 document whose
// hash is the report's HOST_DATA).
//
// agent.go and dstack_attest.go: the dstack guest agent, for any Kind (TDX
// quotes from /GetQuote, /Info, and /Attest's versioned attestation, whose
// SCALE and msgpack forms dstack_attest.go decodes).
//
// policy.go: the one policy file for every Kind, a section per Kind name.
//
// # Tests
//
// Package tdxtest signs TDX quotes and collateral under a test chain for
// the tests of packages that verify TDX evidence (internal/attest);
// go-sev-guest's own fakes serve the SEV-SNP tests (snp_test.go; its test
// package is imported by _test files here only, and snp_bind_test.go runs
// internal/attest over them through export_test.go's FakeSNP).
//
// # A third TEE
//
// A third TEE (Arm CCA, say) is cca.go and gate_cca.go (new), one entry in
// Kinds, one section in Policy, one clause in gate_conflict.go's
// constraint, and its tests and fixtures. internal/attest binds and checks
// its evidence through the same binding list (RunAttestKind, verifyKind);
// the runner, fleet, entrypoint and Dockerfile take its tag from Kinds.
// The report takes its manifest-line prefixes and testbed key from the
// Kind (KeyPrefixes, TestbedKey). Outside this package it names its side
// files in internal/logfile's Suffixes (a test there checks every Kind's);
// CI needs runner labels for it.
package tee
