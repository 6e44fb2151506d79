package llm_bench

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/llmclient"
	"github.com/teebench/teebench/internal/llmserver"
	"github.com/teebench/teebench/internal/pace"
	"github.com/teebench/teebench/internal/stream"
)

// inf is vLLM's default --request-rate: every request sent at once, so the
// server batches as many as it can (its maximum throughput).
var inf = math.Inf(1)

// rateName formats a rate for a benchmark name: 0.5, 8, inf.
func rateName(r float64) string {
	if math.IsInf(r, 1) {
		return "inf"
	}
	return strconv.FormatFloat(r, 'g', -1, 64)
}

// workload is the random dataset and the load points of one model.
type workload struct {
	inputLen, outputLen int
	concurrency         []int
	rates               []float64
}

// embeddedWorkloads sizes the runs against the embedded server. The small
// model is about 25x the tiny one per token, so it gets shorter requests
// and lower rates; medium and medium-bf16 (403 and 201 MB of weights, a
// memory-bound decode) run closed loops only. smoke: tiny only, a few
// short requests (the larger models' weights alone take seconds to draw);
// report: vLLM bench serve's random-dataset defaults (1024 in, 128 out).
func embeddedWorkloads() map[string]workload {
	return config.Pick(
		map[string]workload{
			"tiny": {16, 8, []int{1, 2}, []float64{8, inf}},
		},
		map[string]workload{
			"tiny":  {128, 64, []int{1, 4}, []float64{8, inf}},
			"small": {64, 32, []int{1, 4}, []float64{1, inf}},

			// weights far above the LLC: a memory-bound decode
			"medium":      {64, 32, []int{1}, nil},
			"medium-bf16": {64, 32, []int{1}, nil},
		},
		map[string]workload{
			"tiny":  {1024, 128, []int{1, 4, 16, 64}, []float64{1, 4, 16, inf}},
			"small": {1024, 128, []int{1, 4, 16}, []float64{0.1, 0.25, 0.5, inf}},

			// weights far above the LLC: a memory-bound decode
			"medium":      {1024, 128, []int{1, 4}, nil},
			"medium-bf16": {1024, 128, []int{1, 4}, nil},
		},
	)
}

// externalWorkload is used for TEEBENCH_LLM_URL (a GPU server).
func externalWorkload() workload {
	return config.Pick(
		workload{16, 8, []int{1}, []float64{1}},
		workload{128, 64, []int{1, 4, 16}, []float64{1, 4, inf}},
		workload{1024, 128, []int{1, 4, 16, 64, 256}, []float64{1, 4, 16, inf}},
	)
}

// requestTimeout bounds each request; a stalled stream counts as an error.
func requestTimeout() time.Duration {
	return config.Pick(time.Minute, 5*time.Minute, 30*time.Minute)
}

// target is one model to load, with its client made on first use.
type target struct {
	name  string // as it appears in benchmark names
	work  workload
	vocab llmclient.Vocab
	once  sync.Once
	start func() (*llmclient.Client, error)
	c     *llmclient.Client
	err   error
	// stats reads the embedded server's counters (nil for
	// TEEBENCH_LLM_URL), for the decode passes behind weights-B/s.
	stats func() (llmserver.Stats, error)
}

func (t *target) client() (*llmclient.Client, error) {
	t.once.Do(func() { t.c, t.err = t.start() })
	return t.c, t.err
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// targets returns the models to load: the embedded server's sizes (each
// server started on first use and closed when b ends), or the one model
// of TEEBENCH_LLM_URL.
func targets(b *testing.B) []*target {
	if url := config.LLMURL(); url != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c, kvs, notes, err := externalTarget(ctx, url, config.LLMModel(), config.LLMAPIKey())
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		c.Timeout = requestTimeout()
		benchenv.Scoped(kvs...)
		for _, n := range notes {
			b.Log(n)
		}
		name := unsafeName.ReplaceAllString(c.Model, "_")
		return []*target{{name: name, work: externalWorkload(), vocab: llmclient.Words,
			start: func() (*llmclient.Client, error) { return c, nil }}}
	}
	benchenv.Scoped(benchenv.KV{Key: "llm-target", Value: "embedded"})
	var ts []*target
	for _, size := range []string{"tiny", "small", "medium", "medium-bf16"} {
		w, ok := embeddedWorkloads()[size]
		if !ok {
			continue
		}
		cfg := llmserver.Sizes[size]
		t := &target{name: size, work: w, vocab: llmclient.ASCII}
		t.start = func() (*llmclient.Client, error) {
			l, err := llmserver.StartLoopback(llmserver.Options{Models: []llmserver.Config{cfg}})
			if err != nil {
				return nil, err
			}
			b.Cleanup(func() { _ = l.Close() })
			t.stats = func() (llmserver.Stats, error) { return l.Server.Stats(cfg.Name) }
			c, err := llmclient.NewClient(l.URL, cfg.Name)
			if err != nil {
				return nil, err
			}
			c.Timeout = requestTimeout()
			return c, nil
		}
		ts = append(ts, t)
	}
	return ts
}

// meter measures STREAM's all-core triad around each embedded run.
var meter stream.Meter

func serve(b *testing.B, t *target, load pace.Load) {
	slo, err := llmclient.ParseSLO(config.LLMGoodput())
	if err != nil {
		b.Fatalf("TEEBENCH_LLM_GOODPUT: %v", err)
	}
	c, err := t.client()
	if err != nil {
		b.Fatal(err)
	}
	ds := llmclient.Random{InputLen: t.work.inputLen, OutputLen: t.work.outputLen, IgnoreEOS: true, Vocab: t.vocab}
	reqs, err := ds.Requests(b.N)
	if err != nil {
		b.Fatal(err)
	}
	// Each request in flight holds a connection (two descriptors when the
	// server is embedded).
	inflight := load.Concurrency
	if inflight == 0 {
		inflight = b.N
	}
	if _, err := pace.RaiseOpenFiles(uint64(2*inflight + 64)); err != nil {
		b.Logf("requests may fail to connect: %v", err)
	}
	// One short request first, so the first measured request does not pay
	// for connecting (or for the server's first touch of its weights).
	if o := c.Do(context.Background(), llmclient.Request{Prompt: reqs[0].Prompt[:1], PromptLen: 1, OutputLen: 2, IgnoreEOS: true}); !o.Success {
		b.Fatalf("warm-up request failed (%s): %v", o.Reason, o.Err)
	}
	var before llmserver.Stats
	if t.stats != nil {
		meter.Reset()
		for range 3 {
			meter.Pass()
		}
		if before, err = t.stats(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	outs, dur, err := llmclient.Run(context.Background(), c, reqs, load)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if t.stats != nil {
		for range 3 {
			meter.Pass()
		}
		after, err := t.stats()
		if err != nil {
			b.Fatal(err)
		}
		wb := after.WeightBytes
		if rate, ok := after.WeightsRate(before, wb); ok {
			b.ReportMetric(rate, "weights-B/s")
			b.ReportMetric(100*rate/meter.Mean(), "bw-util-%")
			b.Logf("weights %.2f GB/s (%d MB per decode pass); all-core STREAM triad: mean %.2f GB/s, best %.2f GB/s",
				rate/1e9, wb>>20, meter.Mean()/1e9, meter.Best()/1e9)
		}
	}
	m := llmclient.Summarize(outs, dur, slo)
	if m.Completed == 0 {
		b.Fatalf("all %d requests failed: %s", m.Failed, m.ErrorSummary())
	}
	m.Report(b, slo)
	b.Logf("%d requests, %d failed; output tokens counted from %s", len(outs), m.Failed, m.TokensFrom)
	if m.Failed > 0 {
		b.Logf("errors: %s", m.ErrorSummary())
	}
}
