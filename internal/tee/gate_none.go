//go:build !snp

package tee

// Tagged is the Kind this binary was built for; nil without a TEE tag.
var Tagged Kind

// Check accepts any machine without a TEE build tag.
func Check() error { return nil }

// Manifest adds nothing without a TEE build tag.
func Manifest() ([]Line, error) { return nil, nil }
