//go:build snp

package tee

// Tagged is the Kind this binary was built for (-tags snp): SEV-SNP.
var Tagged Kind = SEVSNP

// Check fails unless this machine is an SEV-SNP guest (guest evidence under
// Root, not a CPU flag), so that no result is labelled sev-snp by mistake.
func Check() error {
	_, err := checkGuest(SEVSNP, Root)
	return err
}

// Manifest returns the SEV-SNP guest's identity lines (snp-measurement,
// snp-policy, snp-tcb, ...) from a fresh report, or fails as Check does.
func Manifest() ([]Line, error) { return manifestFor(SEVSNP, Root) }
