package net_bench

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// runGateway runs this test binary's BenchmarkGateway rows matching sub
// against url and returns the combined output.
func runGateway(t *testing.T, url, sub string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkGateway$/^path=direct$/^keepalive=on$/^c=4$/"+sub,
		"-test.benchtime=20x", "-test.v")
	cmd.Env = append(os.Environ(), "TEEBENCH_NET_URL="+url, "TEEBENCH_PROFILE=smoke")
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// Credentials in TEEBENCH_NET_URL reach the target the way each client
// takes them (net/http-style Basic auth for client=go, ab -A, a wrk
// header) and are never printed.
func TestGatewayCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load generators")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "s3cret" || r.URL.Query().Get("token") != "t" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1) + "/prpc/Version?token=t"
	clients := []string{"go"}
	for _, tool := range []string{"ab", "wrk"} {
		if _, err := exec.LookPath(tool); err == nil {
			clients = append(clients, tool)
		}
	}
	out := runGateway(t, url, "^client=("+strings.Join(clients, "|")+")$")
	for _, c := range clients {
		if !regexp.MustCompile(`(?m)^BenchmarkGateway/path=direct/keepalive=on/c=4/client=` + c + `(-\d+)?\s+\d+\s.* 0 errors/op`).MatchString(out) {
			t.Errorf("client=%s: no row with 0 errors/op:\n%s", c, out)
		}
	}
	for _, leak := range []string{"s3cret", "token=t"} {
		if strings.Contains(out, leak) {
			t.Errorf("output holds %q:\n%s", leak, out)
		}
	}
	// A wrong password fails client=ab with the URL redacted.
	bad := strings.Replace(url, "s3cret", "wrong-s3cret", 1)
	out = runGateway(t, bad, "^client=go$")
	if !strings.Contains(out, "--- FAIL") || strings.Contains(out, "s3cret") || strings.Contains(out, "token=t") {
		t.Errorf("wrong password: want a failure without credentials:\n%s", out)
	}
}

// A target that answers the probe and then only errors fails the
// benchmark instead of reporting the error responses' rate and latency.
func TestGatewayAllErrorsFail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load generators")
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 { // the probe
			w.Write([]byte("ok"))
			return
		}
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	defer srv.Close()
	clients := []string{"go"}
	if _, err := exec.LookPath("ab"); err == nil {
		clients = append(clients, "ab")
	}
	for _, c := range clients {
		n.Store(0)
		out := runGateway(t, srv.URL+"/", "^client="+c+"$")
		if !strings.Contains(out, "--- FAIL: BenchmarkGateway/path=direct/keepalive=on/c=4/client="+c) ||
			!strings.Contains(out, "every request failed (") ||
			regexp.MustCompile(`(?m)^BenchmarkGateway/\S+?(-\d+)?\s+\d+`).MatchString(out) {
			t.Errorf("client=%s against an all-500 target:\n%s", c, out)
		}
	}
}
