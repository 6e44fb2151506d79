package net_bench

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/teebench/teebench/internal/reftool"
)

// BenchmarkGatewayMulti runs K clients of b.N requests each: a counting
// server sees exactly K x Σ b.N requests over every run testing made, and
// the multi-client metrics are reported.
func TestGatewayMultiCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load generators for a few seconds")
	}
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	p, err := newPath("direct", srv.URL+"/prpc/Version", nil)
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{paths: []path{p}} // not the embedded target: no child
	const k, c = 3, 2
	for _, cl := range multiClients {
		client := cl.name()
		t.Run("client="+client, func(t *testing.T) {
			if err := cl.check(); errors.Is(err, reftool.ErrNotInstalled) {
				t.Skip(err)
			}
			got.Store(0)
			var sumN int64
			r := testing.Benchmark(func(b *testing.B) {
				sumN += int64(b.N)
				multi(b, tg, p, multiCase{path: p.name, clients: k, c: c, client: cl})
			})
			if r.N == 0 {
				t.Fatal("benchmark failed (see its log)")
			}
			if want := k * sumN; got.Load() != want {
				t.Errorf("server saw %d requests, want %d clients x %d (Σ b.N) = %d", got.Load(), k, sumN, want)
			}
			units := []string{"req/s", "errors/op", "slowest-client-ns", "lat-mean-ns"}
			if client == "go" {
				units = append(units, "lat-p50-ns", "lat-p99-ns", "connect-mean-ns", "connect-max-ns")
			}
			for _, u := range units {
				if v, ok := r.Extra[u]; !ok || (u != "errors/op" && v <= 0) || (u == "errors/op" && v != 0) {
					t.Errorf("%s = %v (present %v)", u, v, ok)
				}
			}
			// not this machine's embedded target: no target CPU
			if _, ok := r.Extra["target-cpu-%"]; ok {
				t.Error("target-cpu-% reported for a target that is not the embedded one")
			}
			// the slowest client ran b.N requests: at least the time per op
			if s := r.Extra["slowest-client-ns"]; s > float64(r.T.Nanoseconds())*1.05 {
				t.Errorf("slowest client %v ns exceeds the run's %v", s, r.T)
			}
		})
	}
}

// Against the embedded target the target's CPU usage is reported.
func TestGatewayMultiTargetCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load generator for a second")
	}
	tg := startTarget(t, 8)
	direct := tg.paths[0]
	r := testing.Benchmark(func(b *testing.B) {
		multi(b, tg, direct, multiCase{path: direct.name, clients: 2, c: 2, client: goClient{}})
	})
	if v, ok := r.Extra["target-cpu-%"]; !ok || v <= 0 || v > 100*256 {
		t.Errorf("target-cpu-%% = %v (present %v), extra %v", v, ok, r.Extra)
	}
}
