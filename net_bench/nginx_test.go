package net_bench

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/loadgen/nginxtest"
)

// gatewayRow runs this test binary's BenchmarkGateway row
// path=direct/keepalive=KA/c=4/client=CLIENT against url with 20 requests
// (wrk: its smoke duration) and returns the output and the row's metrics
// (unit -> value; nil when no row was printed).
func gatewayRow(t *testing.T, url, ka, client string) (string, map[string]float64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$",
		"-test.bench=^BenchmarkGateway$/^path=direct$/^keepalive="+ka+"$/^c=4$/^client="+client+"$",
		"-test.benchtime=20x", "-test.v")
	cmd.Env = append(os.Environ(), "TEEBENCH_NET_URL="+url, "TEEBENCH_PROFILE=smoke")
	b, _ := cmd.CombinedOutput()
	out := string(b)
	m := regexp.MustCompile(`(?m)^BenchmarkGateway/path=direct/keepalive=` + ka + `/c=4/client=` + client + `(?:-\d+)?\s+\d+\s+(.*)$`).FindStringSubmatch(out)
	if m == nil {
		return out, nil
	}
	metrics := map[string]float64{}
	f := strings.Fields(m[1])
	for i := 0; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			t.Fatalf("row %q: %v", m[0], err)
		}
		metrics[f[i+1]] = v
	}
	return out, metrics
}

// nginxClients are the clients whose tools are installed, with the
// keepalive= of their rows (wrk has only keepalive=on).
func nginxClients() map[string]string {
	cs := map[string]string{"go": "off"}
	if _, err := exec.LookPath("ab"); err == nil {
		cs["ab"] = "off"
	}
	if _, err := exec.LookPath("wrk"); err == nil {
		cs["wrk"] = "on"
	}
	return cs
}

// Against an nginx that rate-limits with limit_req (most answers 503, of
// another length than the 200s), every client counts each 503 once, as an
// error: a row with errors/op below 1, never "every request failed" (ab
// counts such a 503 both as a Length failure and as a non-2xx response).
func TestGatewayNginxLimitReq(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load generators against nginx")
	}
	for client, ka := range nginxClients() {
		t.Run(client, func(t *testing.T) {
			ng := nginxtest.Start(t) // a fresh limit_req bucket per client
			out, m := gatewayRow(t, ng.URL+nginxtest.LimitedPath, ka, client)
			t.Logf("client=%s: %v", client, m)
			if m == nil || strings.Contains(out, "every request failed") {
				t.Fatalf("client=%s: no row:\n%s", client, out)
			}
			// wrk's ~20,000 requests of which a handful pass print as 1.000
			if e := m["errors/op"]; e < 0.5 || e > 1 || e == 1 && client != "wrk" {
				t.Errorf("client=%s: errors/op = %v, want most but not all requests (503s counted once):\n%s", client, e, out)
			}
			if client != "wrk" && m["length-changes/op"] <= 0 {
				t.Errorf("client=%s: length-changes/op = %v, want > 0 (the 503 page's length differs from the 200's):\n%s", client, m["length-changes/op"], out)
			}
		})
	}
}

// Against an nginx whose 200 answers vary in length, no client counts an
// error; client=go and client=ab report the length changes separately.
func TestGatewayNginxVaryingLength(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load generators against nginx")
	}
	for client, ka := range nginxClients() {
		t.Run(client, func(t *testing.T) {
			ng := nginxtest.Start(t) // $connection from 1: the digits change within the run
			out, m := gatewayRow(t, ng.URL+nginxtest.VaryingPath, ka, client)
			t.Logf("client=%s: %v", client, m)
			if m == nil {
				t.Fatalf("client=%s: no row:\n%s", client, out)
			}
			if e, ok := m["errors/op"]; !ok || e != 0 {
				t.Errorf("client=%s: errors/op = %v (reported %v), want 0:\n%s", client, e, ok, out)
			}
			lc, ok := m["length-changes/op"]
			switch {
			case client == "wrk" && ok:
				t.Errorf("client=wrk reports length-changes/op %v; wrk does not compare body lengths", lc)
			case client != "wrk" && (lc <= 0 || lc >= 1):
				t.Errorf("client=%s: length-changes/op = %v, want some (connection numbers 1-9, then 10+):\n%s", client, lc, out)
			}
		})
	}
}
