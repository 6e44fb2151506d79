package attest

import (
	"errors"
	"io/fs"
	"os"
)

// Evidence is what the report shows per arm: whether a result file carries a
// TDX quote bound to its bytes, and what it says.
type Evidence struct {
	// Status is "verified", "unverified" or "none".
	Status string
	// MRTD is the quote's MRTD in hex, when a quote was read.
	MRTD string
	// Reason says why the evidence is unverified.
	Reason string
}

// QuotePath returns the path of the quote that belongs to a result file.
func QuotePath(resultPath string) string { return resultPath + ".quote" }

// EvidenceFor checks the quote stored next to a result file, offline,
// against the Intel SGX Root CA at the current time, rejecting debug TDs
// (see Verify). "none" means there is no quote file.
func EvidenceFor(resultPath string) Evidence { return evidenceFor(resultPath, VerifyOptions{}) }

func evidenceFor(resultPath string, opts VerifyOptions) Evidence {
	if _, err := os.Stat(QuotePath(resultPath)); errors.Is(err, fs.ErrNotExist) {
		return Evidence{Status: "none"}
	}
	r, err := VerifyFile(resultPath, opts)
	if err != nil {
		return Evidence{Status: "unverified", Reason: err.Error()}
	}
	ev := Evidence{Status: "verified"}
	if r.Info != nil {
		ev.MRTD = r.Info.MRTD
	}
	if err := r.Err(); err != nil {
		ev.Status, ev.Reason = "unverified", err.Error()
	}
	return ev
}
