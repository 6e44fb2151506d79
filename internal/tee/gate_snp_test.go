//go:build snp

package tee

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckTagged: under -tags snp, Check refuses a machine that is not an
// SEV-SNP guest (the fixture host, and this machine unless it is one) and
// names SEV-SNP.
//
//	go test -tags snp ./internal/tee -run CheckTagged
func TestCheckTagged(t *testing.T) {
	saved := Root
	defer func() { Root = saved }()
	if Tagged != SEVSNP {
		t.Fatalf("Tagged = %v", Tagged)
	}
	Root = filepath.Join("testdata", "snp-host")
	if err := Check(); err == nil || !strings.Contains(err.Error(), "SEV-SNP") {
		t.Errorf("Check on an SNP host: %v", err)
	}
	if _, err := Manifest(); err == nil {
		t.Error("Manifest on an SNP host: no error")
	}
	Root = "/"
	if !SEVSNP.Detect("/").Guest {
		if err := Check(); err == nil || !strings.Contains(err.Error(), "not an SEV-SNP guest") {
			t.Errorf("Check on this machine: %v", err)
		}
	}
	Root = filepath.Join("testdata", "azure-cvm")
	if err := Check(); err == nil || !strings.Contains(err.Error(), "Azure vTPM/HCL path not supported") {
		t.Errorf("Check on Azure: %v", err)
	}
}
