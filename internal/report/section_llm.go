package report

import (
	"strings"

	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// llmLatencyRun is the one rule for the run the LLM latency rows (TTFT,
// ITL ...) come from: the rate=1 run when present, else concurrency=1.
func llmLatencyRun(d *results.Dataset, model string) (results.ID, bool) {
	if id, ok := one(d.Find("Serve", "model="+model, "rate=1")); ok {
		return id, true
	}
	return one(d.Find("Serve", "model="+model, "concurrency=1"))
}

// llm is §VII: per model, TPS (the decode rate, decode-tok/s), QPS, TTFT
// and ITL, held against the published overheads of the same model (our
// embedded models get them for reference only).
func (r *renderer) llm() bool {
	d := r.d
	all := d.Find("Serve")
	if len(all) == 0 {
		return false
	}
	r.para("vLLM `benchmark_serving` metrics (docs/methods.md §4). TPS = the decode rate `decode-tok/s` (tokens after the first over decode time, docs/methods.md §5) at concurrency=1; "+
		"QPS = the highest req/s of the sweep (baseline median); TTFT/ITL from the rate=1 run when present, else concurrency=1. "+
		"A headline needs ≥ %d requests per arm.", MinHeadlineRequests)
	gpu := d.Arms[0].EnvValue("gpu")
	var rows []row
	var notes []string
	for _, model := range results.Distinct(all, "model") {
		ids := d.Find("Serve", "model="+model)
		first := len(rows)
		c1, hasC1 := one(d.Find("Serve", "model="+model, "concurrency=1"))
		if hasC1 {
			if d.Has(c1, "decode-tok/s") {
				rows = append(rows, row{label: "TPS (concurrency=1)", id: c1, unit: "decode-tok/s", pubs: overhead.LLMPairs("tps", model, gpu), abs: "llm/tps"})
			} else {
				notes = append(notes[:0], "TPS: decode-tok/s not in this file (vLLM's output throughput `tok/s` includes prefill, so it is shown without the published TPS overhead)")
				rows = append(rows, row{label: "Output throughput (concurrency=1)", id: c1, unit: "tok/s"})
			}
		}
		var best results.ID
		bestV := -1.0
		for _, id := range ids {
			if v := r.median(id, "req/s", 0); v == v && v > bestV {
				bestV, best = v, id
			}
		}
		if bestV >= 0 {
			rows = append(rows, row{label: "QPS (" + strings.TrimPrefix(paramsLabel(best), "model="+model+" ") + ")", id: best, unit: "req/s", pubs: overhead.LLMPairs("qps", model, gpu), abs: "llm/qps"})
		}
		if lat, hasLat := llmLatencyRun(d, model); hasLat {
			w := strings.TrimPrefix(paramsLabel(lat), "model="+model+" ")
			rows = append(rows,
				row{label: "TTFT mean (" + w + ")", id: lat, unit: "ttft-mean-sec", pubs: overhead.LLMPairs("ttft", model, gpu), abs: "llm/ttft"},
				row{label: "TTFT p99 (" + w + ")", id: lat, unit: "ttft-p99-sec"},
				row{label: "TPOT mean (" + w + ")", id: lat, unit: "tpot-mean-sec"},
				row{label: "ITL mean (" + w + ")", id: lat, unit: "itl-mean-sec", pubs: overhead.LLMPairs("itl", model, gpu), abs: "llm/itl"},
				row{label: "ITL p99 (" + w + ")", id: lat, unit: "itl-p99-sec"},
				row{label: "E2E latency mean (" + w + ")", id: lat, unit: "e2el-mean-sec"},
				row{label: "Error rate (" + w + ")", id: lat, unit: "errors/op"})
		}
		for i := first; i < len(rows); i++ {
			rows[i].label = "model=" + model + ": " + rows[i].label
		}
	}
	ok := r.metricTable("metric", rows)
	for _, n := range notes {
		if !r.said[n] {
			r.para("*%s.*", n)
		}
		r.said[n] = true
	}
	r.llmChart()
	return ok
}
