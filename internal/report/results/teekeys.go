package results

import (
	"strings"

	"github.com/teebench/teebench/internal/tee"
)

// TEETitle names a TEE by its `tee:` value ("sev-snp" → "SEV-SNP", "tdx"
// → "TDX"): the Kind's Title in internal/tee; "" for "none", an empty
// value or one no TEE answers to.
func TEETitle(name string) string {
	if k := tee.ByName(name); k != nil {
		return k.Title()
	}
	return ""
}

// teeIdentityPrefixes start the manifest keys that identify a TEE guest
// (the TD's tdx-* lines, an SEV-SNP guest's snp-* lines, older sev-* ones)
// or the GPU's confidential-computing state and the evidence.
var teeIdentityPrefixes = []string{"tdx-", "snp-", "sev-", "gpu-cc", "evidence"}

// TEEIdentityKey reports whether a manifest key describes the TEE itself,
// so that its differing between arms (or between files pooled into one
// arm) is expected.
func TEEIdentityKey(k string) bool {
	for _, p := range teeIdentityPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
