package llmclient

import (
	"errors"
	"math"
	"testing"
	"time"
)

const ms = time.Millisecond

// Summarize follows vLLM's calculate_metrics on hand-made outputs.
func TestSummarize(t *testing.T) {
	outs := []Output{
		// 5 tokens: TPOT = (500-100)/4 = 100 ms.
		{Success: true, TTFT: 100 * ms, Latency: 500 * ms, ITL: []time.Duration{100 * ms, 100 * ms, 100 * ms, 100 * ms}, Chunks: 5, OutputTokens: 5, TokensFromUsage: true, PromptLen: 10},
		// 1 token: no TPOT sample, TPOT 0 for goodput.
		{Success: true, TTFT: 300 * ms, Latency: 300 * ms, Chunks: 1, OutputTokens: 1, TokensFromUsage: true, PromptLen: 20},
		// 3 tokens by usage in 2 chunks: TPOT = (400-200)/2 = 100 ms, one ITL sample.
		{Success: true, TTFT: 200 * ms, Latency: 400 * ms, ITL: []time.Duration{200 * ms}, Chunks: 2, OutputTokens: 3, TokensFromUsage: true, PromptLen: 30},
		{Success: false, Reason: ReasonHTTP, Err: errors.New("HTTP 500"), PromptLen: 40},
	}
	slo := &SLO{TTFT: 250 * ms, TPOT: 100 * ms}
	m := Summarize(outs, 2*time.Second, slo)
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("completed", float64(m.Completed), 3)
	check("failed", float64(m.Failed), 1)
	check("total input", float64(m.TotalInput), 60)
	check("total output", float64(m.TotalOutput), 9)
	check("req/s", m.RequestThroughput, 1.5)
	check("output tok/s", m.OutputThroughput, 4.5)
	check("total tok/s", m.TotalTokenThroughput, 34.5)
	check("good", float64(m.GoodCompleted), 2) // request 2 fails TTFT <= 250 ms
	check("goodput", m.RequestGoodput, 1)
	check("TPOT samples", float64(m.TPOT.Count()), 2)
	check("TPOT mean", float64(m.TPOT.Mean()), float64(100*ms))
	check("ITL samples", float64(m.ITL.Count()), 5)
	check("ITL mean", float64(m.ITL.Mean()), float64(120*ms))
	check("TTFT mean", float64(m.TTFT.Mean()), float64(200*ms))
	check("E2EL mean", float64(m.E2EL.Mean()), float64(400*ms))
	// Decode: (5-1)+(3-1) tokens over (500-100)+(400-200) ms; the 1-token
	// request decodes nothing. Output throughput (4.5) includes prefill.
	check("decode tokens", float64(m.DecodeTokens), 6)
	check("decode time", float64(m.DecodeTime), float64(600*ms))
	check("decode tok/s", m.DecodeThroughput, 10)
	if m.TokensFrom != "usage" || m.Errors[ReasonHTTP] != 1 {
		t.Errorf("TokensFrom %q, errors %v", m.TokensFrom, m.Errors)
	}
	var rec metricSink
	m.Report(&rec, slo)
	for unit, want := range map[string]float64{
		"tok/s": 4.5, "decode-tok/s": 10, "req/s": 1.5, "total-tok/s": 34.5, "goodput-req/s": 1, "errors/op": 0.25,
		"ttft-mean-ns": 2e8, "ttft-p99-ns": 2.98e8, "itl-p99-ns": 1.96e8, "tpot-mean-ns": 1e8, "e2el-mean-ns": 4e8,
	} {
		if got, ok := rec[unit]; !ok || math.Abs(got-want) > 1 {
			t.Errorf("reported %s = %v (present %v), want %v", unit, got, ok, want)
		}
	}
	t.Log(m.String())
}

// Latencies without samples are left out, never reported as zero.
func TestReportOmitsEmpty(t *testing.T) {
	outs := []Output{{Success: true, TTFT: 5 * ms, Latency: 5 * ms, Chunks: 1, OutputTokens: 1, PromptLen: 3}}
	m := Summarize(outs, time.Second, nil)
	var rec metricSink
	m.Report(&rec, nil)
	for _, u := range []string{"tpot-mean-ns", "itl-mean-ns", "goodput-req/s", "decode-tok/s"} {
		if _, ok := rec[u]; ok {
			t.Errorf("reported %s without samples", u)
		}
	}
	if rec["ttft-mean-ns"] != 5e6 || rec["errors/op"] != 0 {
		t.Errorf("metrics %v", rec)
	}
}

// decode-tok/s is total tokens after the first over total decoding time,
// not the mean of per-request rates: a long slow request weighs more.
func TestDecodeThroughputPooled(t *testing.T) {
	outs := []Output{
		// 11 tokens, 10 decoded in 1 s (10 tok/s).
		{Success: true, TTFT: 50 * ms, Latency: 1050 * ms, OutputTokens: 11},
		// 3 tokens, 2 decoded in 100 ms (20 tok/s).
		{Success: true, TTFT: 50 * ms, Latency: 150 * ms, OutputTokens: 3},
		// A failed request does not count.
		{Success: false, Reason: ReasonHTTP, TTFT: 10 * ms, Latency: 20 * ms, OutputTokens: 5},
	}
	m := Summarize(outs, 2*time.Second, nil)
	if want := 12 / 1.1; math.Abs(m.DecodeThroughput-want) > 1e-9 {
		t.Errorf("decode tok/s = %v, want %v (12 tokens / 1.1 s)", m.DecodeThroughput, want)
	}
}

func TestParseSLO(t *testing.T) {
	slo, err := ParseSLO(" ttft:200 tpot:12.5  e2el:3000 ")
	if err != nil || *slo != (SLO{TTFT: 200 * ms, TPOT: 12500 * time.Microsecond, E2EL: 3 * time.Second}) {
		t.Errorf("%+v, %v", slo, err)
	}
	if slo, err := ParseSLO(""); slo != nil || err != nil {
		t.Errorf("empty: %+v, %v", slo, err)
	}
	for _, bad := range []string{"ttft", "ttft:", "ttft:-1", "itl:5", "ttft:abc", "ttft:0"} {
		if _, err := ParseSLO(bad); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}
