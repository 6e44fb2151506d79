// Package attest binds TEE evidence to a result file and checks it, the
// TEE-neutral part of evidence: internal/tee owns each TEE (its guest
// interface, quote or report, vendor roots, collateral and policy section).
//
// scripts/attest and scripts/verify use it to bind a TDX quote to a result
// file and its side files (report data = SHA-512 of a binding list,
// <file>.bind, naming each file with its SHA-512; AttestFiles) and to check
// it (VerifyFile, RunVerify): signature chain, binding, debug TD, the
// manifest's tdx-* lines, a dstack event log replayed to the quote's
// RTMRs, a policy of expected measurements, and the TCB status from Intel's
// collateral when given. Evidence of the other Kinds (SEV-SNP) is bound
// the same way (RunAttestKind: the same binding list, the Kind's evidence
// over its SHA-512) and checked by the same binding rule and that Kind's
// Verify. The report shows
// EvidenceFor each arm (it tries every tee.Kinds()). Under the gpu build
// tag it also stores NVML's GPU attestation reports (<file>.gpu-evidence),
// which it does not verify. docs/evidence.md describes the formats and
// rules.
package attest
