//go:build tdx

package benchenv

import (
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-tdx-guest/testing/testdata"
	"github.com/teebench/teebench/internal/attest"
)

// TestTDXInContainer: a TDX guest (tdx_guest CPU flag) with no device and no
// configfs-tsm but a dstack guest agent is accepted under -tags tdx, the TD
// identity coming from the agent's quote (Intel's sample quote here); the
// same machine with a simulator, or without an agent, is refused.
//
//	go test -tags tdx ./internal/benchenv -run TDXInContainer
func TestTDXInContainer(t *testing.T) {
	if attest.HaveTDXInterface() {
		t.Skip("this machine has a real TDX interface; the test needs one without")
	}
	fakeRoot(t, map[string]string{"proc/cpuinfo": cpuinfo2("Intel Xeon", "hypervisor tdx_guest")})
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "dstack.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"quote": hex.EncodeToString(testdata.RawQuote), "event_log": "[]"})
	})}
	go srv.Serve(ln)
	defer srv.Close()
	saved := attest.AgentSockets
	defer func() { attest.AgentSockets = saved }()

	attest.AgentSockets = []string{sock}
	t.Setenv(attest.SimulatorEnv, "")
	m, err := Full()
	if err != nil {
		t.Fatalf("Full with a guest agent: %v", err)
	}
	if m.Get("tee") != "tdx" || m.Get("tdx-quote-source") != "dstack-guest-agent" || !strings.HasPrefix(m.Get("tdx-mrtd"), "6363b804") {
		t.Errorf("manifest: tee=%q source=%q mrtd=%q", m.Get("tee"), m.Get("tdx-quote-source"), m.Get("tdx-mrtd"))
	}

	t.Setenv(attest.SimulatorEnv, sock)
	if _, err := Full(); err == nil || !strings.Contains(err.Error(), "simulator") {
		t.Errorf("Full with a simulator: %v", err)
	}
	t.Setenv(attest.SimulatorEnv, "")
	attest.AgentSockets = []string{filepath.Join(dir, "absent.sock")}
	if _, err := Full(); err == nil || !strings.Contains(err.Error(), "not a TDX guest") {
		t.Errorf("Full without an agent: %v", err)
	}
}
