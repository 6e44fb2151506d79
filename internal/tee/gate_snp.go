//go:build snp

package tee

// -tags snp: the run requires an SEV-SNP guest.
func init() { Tagged = SEVSNP }
