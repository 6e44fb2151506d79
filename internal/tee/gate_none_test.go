//go:build !snp && !tdx

package tee

import (
	"path/filepath"
	"testing"
)

// TestCheckUntagged: without a TEE tag nothing is required, even on an SNP
// host or an SNP guest.
func TestCheckUntagged(t *testing.T) {
	saved := Root
	defer func() { Root = saved }()
	for _, root := range []string{"snp-host", "snp-guest"} {
		Root = filepath.Join("testdata", root)
		if Tagged != nil || Check() != nil {
			t.Errorf("%s: Tagged=%v Check=%v", root, Tagged, Check())
		}
		if lines, err := Manifest(); lines != nil || err != nil {
			t.Errorf("%s: Manifest=%v %v", root, lines, err)
		}
	}
}
