package llm_bench

import (
	"fmt"
	"testing"

	"github.com/teebench/teebench/internal/pace"
)

// BenchmarkServe is vLLM bench serve over the random dataset: one op = one
// streaming /v1/completions request (ignore_eos, so every request generates
// exactly its output length). concurrency=N is a closed loop with N
// requests in flight (concurrency=1 gives the paper's TPS as decode-tok/s);
// rate=R an open loop of Poisson arrivals at R req/s; rate=inf sends all
// requests at once (vLLM's default). The point of highest req/s over the
// sweep is the paper's QPS. Metrics follow vLLM's
// definitions (internal/llmclient): tok/s (output token throughput),
// decode-tok/s (tokens after the first per second of decoding), total-tok/s, req/s, ttft/tpot/itl/e2el mean and p99 (numpy percentiles),
// errors/op, and goodput-req/s when TEEBENCH_LLM_GOODPUT sets SLOs. The
// embedded server's rows also report weights-B/s (the model's weight bytes
// times the engine's decode-only passes, over their time) and bw-util-%,
// that over the mean rate of STREAM's all-core triad (internal/stream, as
// cpu_bench's BenchmarkStream) in 3 passes just before and 3 just after
// the requests.
func BenchmarkServe(b *testing.B) {
	defer meter.Release()
	for _, t := range targets(b) {
		for _, c := range t.work.concurrency {
			b.Run(fmt.Sprintf("model=%s/concurrency=%d", t.name, c), func(b *testing.B) {
				serve(b, t, pace.Load{Concurrency: c})
			})
		}
		for _, r := range t.work.rates {
			b.Run(fmt.Sprintf("model=%s/rate=%s", t.name, rateName(r)), func(b *testing.B) {
				serve(b, t, pace.Load{Rate: r, Burstiness: 1})
			})
		}
	}
}
