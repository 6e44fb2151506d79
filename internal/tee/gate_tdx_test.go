//go:build tdx

package tee

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckTaggedTDX: under -tags tdx, Check accepts a TDX guest (the
// fixture's /dev/tdx_guest, or a dstack container: the agent's socket with
// the tdx_guest flag) and refuses, with "not a TDX guest" (.ci/run greps
// it), an SEV-SNP guest, a dstack simulator and this machine unless it is
// a TDX guest.
//
//	go test -tags tdx ./internal/tee -run CheckTaggedTDX
func TestCheckTaggedTDX(t *testing.T) {
	saved, savedSockets := Root, AgentSockets
	defer func() { Root, AgentSockets = saved, savedSockets }()
	if Tagged != TDX {
		t.Fatalf("Tagged = %v", Tagged)
	}
	Root = filepath.Join("testdata", "tdx-guest")
	if err := Check(); err != nil {
		t.Errorf("Check on the TDX guest fixture: %v", err)
	}
	Root = filepath.Join("testdata", "snp-guest")
	if err := Check(); err == nil || !strings.Contains(err.Error(), "not a TDX guest") {
		t.Errorf("Check on an SEV-SNP guest: %v", err)
	}
	root, err := os.MkdirTemp("", "tdx") // short: a socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	os.MkdirAll(filepath.Join(root, "proc"), 0o755)
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	os.WriteFile(filepath.Join(root, "proc", "cpuinfo"), []byte("flags\t\t: fpu hypervisor tdx_guest\n"), 0o644)
	l, err := net.Listen("unix", filepath.Join(root, "run", "dstack.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	AgentSockets = []string{"/run/dstack.sock"}
	Root = root
	if err := Check(); err != nil {
		t.Errorf("Check in a dstack container: %v", err)
	}
	t.Setenv(SimulatorEnv, "http://127.0.0.1:1")
	if err := Check(); err == nil || !strings.Contains(err.Error(), "not a TDX guest") || !strings.Contains(err.Error(), "simulator") {
		t.Errorf("Check with a simulator: %v", err)
	}
	os.Unsetenv(SimulatorEnv)
	Root, AgentSockets = "/", savedSockets
	if !TDX.Detect("/").Guest {
		if err := Check(); err == nil || !strings.Contains(err.Error(), "not a TDX guest") {
			t.Errorf("Check on this machine: %v", err)
		}
	}
}
