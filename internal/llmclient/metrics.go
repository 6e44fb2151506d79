package llmclient

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/latency"
)

// SLO is vLLM's --goodput: a request is good when every set limit holds
// (a zero field is not checked).
type SLO struct {
	TTFT, TPOT, E2EL time.Duration
}

// ParseSLO reads vLLM's --goodput syntax: space-separated KEY:VALUE pairs
// with KEY one of ttft, tpot, e2el and VALUE in milliseconds, e.g.
// "ttft:200 tpot:50". An empty string gives nil (no goodput).
func ParseSLO(s string) (*SLO, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, nil
	}
	slo := &SLO{}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, ":")
		ms, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || !(ms > 0) || math.IsInf(ms, 0) {
			return nil, fmt.Errorf("llmclient: goodput %q: %q is not KEY:MILLISECONDS with a positive number", s, f)
		}
		dst := map[string]*time.Duration{"ttft": &slo.TTFT, "tpot": &slo.TPOT, "e2el": &slo.E2EL}[k]
		if dst == nil {
			return nil, fmt.Errorf("llmclient: goodput %q: unknown metric %q (want ttft, tpot or e2el)", s, k)
		}
		*dst = time.Duration(ms * float64(time.Millisecond))
	}
	return slo, nil
}

// Metrics is vLLM bench serve's calculate_metrics over one run.
type Metrics struct {
	// Completed and Failed count requests; Errors counts failures by Reason.
	Completed, Failed int
	Errors            map[string]int
	// FirstError is one failure message per reason, for logs.
	FirstError map[string]string
	// TotalInput and TotalOutput sum the prompt and output tokens of the
	// completed requests.
	TotalInput, TotalOutput int
	// TokensFrom says where output token counts came from: "usage" (the
	// server's usage.completion_tokens), "chunks" (counted stream chunks) or
	// "mixed".
	TokensFrom string
	// Duration is the benchmark duration: first dispatch to last response.
	Duration time.Duration
	// Throughputs per second of Duration.
	RequestThroughput, OutputThroughput, TotalTokenThroughput float64
	// DecodeTokens and DecodeTime sum, over completed requests with more
	// than one output token, the tokens generated after the first
	// (output_len - 1) and the time spent generating them (E2EL - TTFT).
	DecodeTokens int
	DecodeTime   time.Duration
	// DecodeThroughput is DecodeTokens / DecodeTime in tokens per second:
	// the paper's TPS, "number of tokens generated divided by the total
	// decoding time" (docs/methods.md §5), with prefill and the first token
	// left out. Zero when no request produced a second token.
	DecodeThroughput float64
	// GoodCompleted requests met the SLO; RequestGoodput = GoodCompleted/s.
	// Both are zero when no SLO was given.
	GoodCompleted  int
	RequestGoodput float64
	// Latency samples (exact, so percentiles can use numpy's definition):
	// TTFT, TPOT (requests with more than one output token), ITL (every
	// chunk gap of every request, pooled) and E2EL.
	TTFT, TPOT, ITL, E2EL *latency.Recorder
}

// Summarize computes Metrics from the outputs of a run that took dur.
//
//	TPOT_i = (latency_i - ttft_i) / (output_len_i - 1), only if output_len_i > 1
//	ITL    = all chunk gaps of all requests, pooled
//	request_throughput = completed / dur; output_throughput = sum(output) / dur
//	total_token_throughput = (sum(input) + sum(output)) / dur
//	request_goodput = #(requests meeting all SLOs) / dur (TPOT 0 when output <= 1)
//	decode_throughput = sum(output_len_i - 1) / sum(latency_i - ttft_i), over output_len_i > 1
func Summarize(outs []Output, dur time.Duration, slo *SLO) Metrics {
	m := Metrics{Errors: map[string]int{}, FirstError: map[string]string{}, Duration: dur,
		TTFT: latency.NewExact(), TPOT: latency.NewExact(), ITL: latency.NewExact(), E2EL: latency.NewExact()}
	var fromUsage, fromChunks int
	for _, o := range outs {
		if !o.Success {
			m.Failed++
			m.Errors[o.Reason]++
			if _, ok := m.FirstError[o.Reason]; !ok && o.Err != nil {
				m.FirstError[o.Reason] = o.Err.Error()
			}
			continue
		}
		m.Completed++
		if o.TokensFromUsage {
			fromUsage++
		} else {
			fromChunks++
		}
		m.TotalInput += o.PromptLen
		m.TotalOutput += o.OutputTokens
		var tpot time.Duration
		if o.OutputTokens > 1 {
			tpot = (o.Latency - o.TTFT) / time.Duration(o.OutputTokens-1)
			m.TPOT.Record(tpot)
			m.DecodeTokens += o.OutputTokens - 1
			m.DecodeTime += o.Latency - o.TTFT
		}
		m.TTFT.Record(o.TTFT)
		m.E2EL.Record(o.Latency)
		for _, g := range o.ITL {
			m.ITL.Record(g)
		}
		if slo != nil && (slo.TTFT == 0 || o.TTFT <= slo.TTFT) &&
			(slo.TPOT == 0 || tpot <= slo.TPOT) && (slo.E2EL == 0 || o.Latency <= slo.E2EL) {
			m.GoodCompleted++
		}
	}
	switch {
	case fromUsage > 0 && fromChunks > 0:
		m.TokensFrom = "mixed"
	case fromUsage > 0:
		m.TokensFrom = "usage"
	case fromChunks > 0:
		m.TokensFrom = "chunks"
	}
	if s := dur.Seconds(); s > 0 {
		m.RequestThroughput = float64(m.Completed) / s
		m.OutputThroughput = float64(m.TotalOutput) / s
		m.TotalTokenThroughput = float64(m.TotalInput+m.TotalOutput) / s
		m.RequestGoodput = float64(m.GoodCompleted) / s
	}
	if s := m.DecodeTime.Seconds(); s > 0 {
		m.DecodeThroughput = float64(m.DecodeTokens) / s
	}
	return m
}

// Metricer is the part of testing.B that Report needs.
type Metricer interface {
	ReportMetric(n float64, unit string)
}

// Report writes the metrics in the suite's units: tok/s (vLLM's output
// token throughput, which includes prefill and waiting), decode-tok/s (the
// paper's TPS: tokens generated after the first per second of decoding;
// left out when no request decoded a second token), total-tok/s, req/s,
// goodput-req/s (when slo is set), errors/op, and ttft/tpot/itl/e2el
// latencies as <what>-<stat>-ns with numpy percentiles. Latencies without
// samples (e.g. TPOT when every request produced one token) are left out,
// never reported as zero.
func (m *Metrics) Report(b Metricer, slo *SLO) {
	b.ReportMetric(m.OutputThroughput, "tok/s")
	if m.DecodeTime > 0 {
		b.ReportMetric(m.DecodeThroughput, "decode-tok/s")
	}
	b.ReportMetric(m.TotalTokenThroughput, "total-tok/s")
	b.ReportMetric(m.RequestThroughput, "req/s")
	if slo != nil {
		b.ReportMetric(m.RequestGoodput, "goodput-req/s")
	}
	if n := m.Completed + m.Failed; n > 0 {
		b.ReportMetric(float64(m.Failed)/float64(n), "errors/op")
	}
	for _, l := range []struct {
		what  string
		r     *latency.Recorder
		stats []string
	}{
		{"ttft", m.TTFT, []string{"mean", "p99"}},
		{"tpot", m.TPOT, []string{"mean", "p99"}},
		{"itl", m.ITL, []string{"mean", "p99"}},
		{"e2el", m.E2EL, []string{"mean", "p99"}},
	} {
		if l.r.Count() == 0 {
			continue
		}
		// The recorders keep exact samples (Summarize), so the numpy rule
		// cannot fail here.
		if err := l.r.ReportRule(b, latency.Numpy, l.what, l.stats...); err != nil {
			panic(fmt.Sprintf("llmclient: %v", err))
		}
	}
}

// ErrorSummary is "reason=count (first message); ..." sorted by reason, or
// "" when nothing failed.
func (m *Metrics) ErrorSummary() string {
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(m.Errors)) {
		parts = append(parts, fmt.Sprintf("%s=%d (%s)", r, m.Errors[r], m.FirstError[r]))
	}
	return strings.Join(parts, "; ")
}

// String is a vLLM-like summary for logs.
func (m *Metrics) String() string {
	ms := func(r *latency.Recorder, s string) string {
		if r.Count() == 0 {
			return "n/a"
		}
		v, err := r.StatRule(latency.Numpy, s)
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("%.2f", float64(v)/1e6)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "completed=%d failed=%d duration=%.2fs input_tokens=%d output_tokens=%d (from %s)\n",
		m.Completed, m.Failed, m.Duration.Seconds(), m.TotalInput, m.TotalOutput, m.TokensFrom)
	fmt.Fprintf(&b, "req/s=%.3f output tok/s=%.2f decode tok/s=%.2f total tok/s=%.2f\n", m.RequestThroughput, m.OutputThroughput, m.DecodeThroughput, m.TotalTokenThroughput)
	for _, l := range []struct {
		n string
		r *latency.Recorder
	}{{"TTFT", m.TTFT}, {"TPOT", m.TPOT}, {"ITL", m.ITL}, {"E2EL", m.E2EL}} {
		fmt.Fprintf(&b, "%s ms: mean=%s median=%s p99=%s\n", l.n, ms(l.r, "mean"), ms(l.r, "median"), ms(l.r, "p99"))
	}
	if e := m.ErrorSummary(); e != "" {
		fmt.Fprintf(&b, "errors: %s\n", e)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
