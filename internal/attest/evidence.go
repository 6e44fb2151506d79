package attest

import (
	"os"
	"strings"

	"github.com/teebench/teebench/internal/tee"
)

// Evidence states, as the report shows them per result file.
const (
	// StateVerified: every check made passed: signature, binding (and the
	// side files bound), debug, manifest, event log, and the policy when
	// one was given. Caveats list what was not checked.
	StateVerified = "verified"
	// StateFailed: evidence is present but does not verify; Reason says why.
	StateFailed = "failed"
	// StateAbsent: no evidence next to the result file.
	StateAbsent = "absent"
)

// Evidence is what the report shows per result file: whether it carries TEE
// evidence bound to its bytes, and what that evidence says.
type Evidence struct {
	// Status is StateVerified, StateFailed or StateAbsent.
	Status string
	// TEE names the TEE the evidence comes from ("tdx"), when read.
	TEE string
	// MRTD is the quote's MRTD in hex, when a quote was read.
	MRTD string
	// Reason says why the evidence failed.
	Reason string
	// Caveats says what a verified result did not check (no policy, TCB
	// status offline, side files unbound, ...), one short phrase each.
	Caveats []string
}

// QuotePath returns the path of the quote that belongs to a result file.
func QuotePath(resultPath string) string { return resultPath + ".quote" }

// EvidenceFor checks the quote stored next to a result file, offline,
// against the Intel SGX Root CA at the current time, with no policy (see
// EvidenceWith). StateVerified means every check made passed; its Caveats
// then say what was not checked ("no policy: TD identity not checked",
// "TCB status not checked (offline)", "side files unbound", "test root").
// StateAbsent means there is no quote file; a file that says `tee: tdx`
// without one gets TEE "tdx" and a Reason saying so.
func EvidenceFor(resultPath string) Evidence { return EvidenceWith(resultPath, VerifyOptions{}) }

// EvidenceWith is EvidenceFor with options (a policy, a test root). It
// looks for each Kind's evidence (tee.Kinds): TDX through VerifyFile (the
// binding list, the manifest, the dstack event log), every other Kind
// through the same binding rule (boundReportData) and its Verify, with
// the policy's section for it.
func EvidenceWith(resultPath string, opts VerifyOptions) Evidence {
	for _, k := range tee.Kinds() {
		if k == tee.TDX {
			if _, err := os.Stat(QuotePath(resultPath)); err == nil {
				return tdxEvidence(resultPath, opts)
			}
			continue
		}
		ev, ok, err := tee.ReadEvidence(resultPath, k)
		if err != nil {
			return Evidence{Status: StateFailed, TEE: k.Name(), Reason: err.Error()}
		}
		if ok {
			return kindEvidence(resultPath, k, ev, opts)
		}
	}
	ev := Evidence{Status: StateAbsent}
	if b, err := os.ReadFile(resultPath); err == nil {
		if t := manifestValue(b, "tee"); t != "" && t != "none" {
			missing := "no evidence"
			if k := tee.ByName(t); k != nil {
				missing = "no " + strings.TrimPrefix(k.Suffixes()[0], ".") // "no quote", "no snp-report"
			}
			ev.TEE, ev.Reason = t, "the file says tee: "+t+" but has "+missing+" beside it: no evidence that it ran in a TEE"
		}
	}
	return ev
}

// tdxEvidence verifies the TDX quote of a result file (VerifyFile).
func tdxEvidence(resultPath string, opts VerifyOptions) Evidence {
	r, err := VerifyFile(resultPath, opts)
	if err != nil {
		return Evidence{Status: StateFailed, TEE: "tdx", Reason: err.Error()}
	}
	ev := Evidence{Status: StateVerified, TEE: "tdx", Caveats: r.NotChecked()}
	if r.Info != nil {
		ev.MRTD = r.Info.MRTD
	}
	if err := r.Err(); err != nil {
		ev.Status, ev.Reason, ev.Caveats = StateFailed, err.Error(), nil
	}
	return ev
}
