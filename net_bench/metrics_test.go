package net_bench

import (
	"errors"
	"testing"

	"github.com/teebench/teebench/internal/reftool"
)

// TestGatewayMetrics runs one BenchmarkGateway case per client against the
// embedded target and checks that each reports the units with
// plausible values: the plumbing from loadgen, ab and wrk to benchmark
// metrics.
func TestGatewayMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load generators for a few seconds")
	}
	tg := startTarget(t, 8)
	direct := tg.paths[0]
	all := []string{"req/s", "lat-mean-ns", "lat-p50-ns", "lat-p99-ns", "errors/op", "cpu-ns/op"}
	cases := []struct {
		client client
		units  []string
	}{
		{goClient{}, append(all, "connect-mean-ns", "connect-max-ns")},
		// ab's percentiles come from its -e table (0.001 ms); its connect
		// times are whole ms (0 on loopback is left out), so not listed
		{abClient{}, all},
		{wrkClient{}, all},
	}
	for _, tc := range cases {
		t.Run("client="+tc.client.name(), func(t *testing.T) {
			if err := tc.client.check(); errors.Is(err, reftool.ErrNotInstalled) {
				t.Skip(err)
			}
			// wrk always keeps connections alive; the others run without
			ka := tc.client.keepAliveOnly()
			r := testing.Benchmark(func(b *testing.B) { tc.client.bench(b, tg, direct, ka, 4) })
			if r.N == 0 {
				t.Fatal("benchmark failed (see its log)")
			}
			for _, u := range tc.units {
				v, ok := r.Extra[u]
				if !ok {
					t.Errorf("%s not reported (got %v)", u, r.Extra)
					continue
				}
				if u == "errors/op" {
					if v != 0 {
						t.Errorf("errors/op = %v against the embedded target", v)
					}
				} else if v <= 0 {
					t.Errorf("%s = %v, want > 0", u, v)
				}
			}
			if p50, p99 := r.Extra["lat-p50-ns"], r.Extra["lat-p99-ns"]; p50 > p99 {
				t.Errorf("p50 %v > p99 %v", p50, p99)
			}
		})
	}
}
