//go:build tdx && snp

package tee

// A binary is built for one TEE: two TEE tags must not compile. The
// undefined name below is the error the build reports. A new TEE adds its
// pairs to the constraint, e.g. (tdx && snp) || (tdx && cca) || (snp && cca).
var _ = build_tags_tdx_and_snp_are_exclusive_pick_one
