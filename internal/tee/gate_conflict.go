//go:build tdx && snp

package tee

// A binary is built for one TEE: -tags tdx,snp must not compile. The
// undefined name below is the error the build reports.
var _ = build_tags_tdx_and_snp_are_exclusive_pick_one
