package net_bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/gateway"
	"github.com/teebench/teebench/internal/loadgen"
	"github.com/teebench/teebench/internal/pace"
)

// TestGatewayChild is not a test: it is the body of the helper process that
// serves the embedded target (see startTarget).
func TestGatewayChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("helper process for the benchmarks' embedded target")
	}
	if err := gateway.ServeChild(os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkGateway is the report's gateway table (`ab -n 5000 -c C URL`)
// and its TProxy overhead table: one op = one request, so -benchtime 5000x
// is ab -n 5000. client=go is loadgen's closed loop with ab's semantics,
// client=ab and client=wrk run the real tools against the same target.
func BenchmarkGateway(b *testing.B) {
	cs := config.Pick([]int{4}, []int{50, 200}, []int{200, 500, 1000, 2000})
	tg := startTarget(b, slices.Max(cs))
	for _, k := range gatewayCases(tg, cs) {
		b.Run(k.name(), func(b *testing.B) {
			needFiles(b, k.c)
			k.client.bench(b, tg, tg.pathNamed(k.path), k.keepAlive, k.c)
		})
	}
}

// BenchmarkGatewayMulti is the report's multi-process test as published:
// K clients, each `ab -n N -c C` against the same URL, all started at once
// (51 x `ab -n 5000 -c 40`, 255,000 requests). One op is one request per
// client: each of the K clients runs b.N requests, so -benchtime 5000x is
// exactly 51 x `ab -n 5000` in the report profile. The quick and smoke
// profiles scale K and C down, and the name says so
// (path=<p>/clients=<K>/c=<C>/client=<go|ab>). Metrics:
//
//	req/s              sum of the clients' own req/s (the report's Total QPS)
//	errors/op          failed or non-2xx requests per request (each once)
//	length-changes/op  answers whose body length differs from the first's,
//	                   per request (not errors)
//	slowest-client-ns  the slowest client's time for its b.N requests (its own clock)
//	target-cpu-%       the embedded target's CPU time / wall time (100 = one core;
//	                   the report's CPU Usage column); absent with TEEBENCH_NET_URL
//	lat-mean-ns        client=go: mean over all requests; client=ab: mean of the
//	                   clients' "Time per request" (C x time / N, the report's Avg Latency)
//	lat-p50-ns, lat-p99-ns  client=go only: ab's rule over all requests pooled
//	                   (ab's per-client percentiles cannot be pooled)
//	connect-mean-ns, connect-max-ns  over all requests (ab: whole ms, 0 left out)
//
// The log gives the total request count (K x b.N) of each run.
func BenchmarkGatewayMulti(b *testing.B) {
	k := config.Pick(2, 6, 51)
	c := config.Pick(2, 10, 40)
	tg := startTarget(b, k*c)
	for _, p := range tg.paths {
		for _, cl := range multiClients {
			mc := multiCase{path: p.name, clients: k, c: c, client: cl}
			b.Run(mc.name(), func(b *testing.B) {
				needFiles(b, k*c)
				multi(b, tg, p, mc)
			})
		}
	}
}

// BenchmarkGatewayRate is open-loop latency at fixed arrival rates below
// saturation (wrk2 style): b.N requests at a constant rate, each a new
// connection (as ab), latency measured from the intended send time.
// Its percentiles follow the HDR histogram's rule (wrk2's), where
// BenchmarkGateway's client=go rows use ab's floor index (internal/latency).
func BenchmarkGatewayRate(b *testing.B) {
	rates := config.Pick([]float64{100}, []float64{50, 200}, []float64{200, 500, 1000})
	const maxInFlight = 2000
	tg := startTarget(b, maxInFlight)
	for _, p := range tg.paths {
		for _, r := range rates {
			b.Run(rateCase{path: p.name, rate: r}.name(), func(b *testing.B) {
				sched, err := pace.Constant(r)
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), runLimit)
				defer cancel()
				o := loadgen.Open{Target: p.lt, Schedule: sched, N: b.N, MaxInFlight: maxInFlight}
				b.ResetTimer()
				res, err := o.Run(ctx)
				b.StopTimer()
				if err != nil {
					b.Fatal(config.RedactText(fmt.Sprintf("%s: run of %d requests stopped: %v; measured so far: %s", p.lt.URL, b.N, err, summary(res))))
				}
				if res.Total.Count() == 0 {
					b.Fatalf("no request succeeded: %v", res.FirstError)
				}
				if res.Errors() > 0 {
					b.Logf("%d of %d requests failed; first: %v", res.Errors(), res.Done, res.FirstError)
				}
				if got := res.RequestsPerSecond(); b.N >= 50 && got < 0.8*r {
					b.Logf("saturated: %.0f of %g req/s achieved; latencies include queueing behind the target", got, r)
				}
				b.ReportMetric(res.RequestsPerSecond(), "req/s")
				if err := res.Total.Report(b, "lat", "mean", "p50", "p90", "p99"); err != nil {
					b.Fatal(err)
				}
				reportErrors(b, res.Errors(), res.Done)
			})
		}
	}
}
