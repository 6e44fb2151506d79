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

// TEEIdentityKey reports whether a manifest key describes the TEE itself
// (a key of some tee.Kind's KeyPrefixes, the GPU's confidential-computing
// state, the evidence), so that its differing between arms (or between
// files pooled into one arm) is expected.
func TEEIdentityKey(k string) bool {
	prefixes := []string{"gpu-cc", "evidence"}
	for _, kind := range tee.Kinds() {
		prefixes = append(prefixes, kind.KeyPrefixes()...)
	}
	for _, p := range prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
