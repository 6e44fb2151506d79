package report

import (
	"fmt"
	"math"
	"strings"
)

// PubOverhead is one published TEE overhead (METHODS.md §9): a TEE
// environment against its own baseline, in the report's convention
// (positive = the TEE is slower). It is the one published quantity that
// carries to another machine, so verdicts are drawn on it alone.
type PubOverhead struct {
	// Pair names the published baseline → TEE pair, e.g.
	// "TDX-Lab VM → TDX-Lab CVM".
	Pair string `json:"pair"`
	// Pct is the published overhead in percent.
	Pct float64 `json:"pct"`
	// Source says where in the published report the pair is.
	Source string `json:"source"`
	// NotComparable, when set, says why our overhead cannot be held
	// against this one (another method, another model); the figure is
	// then shown for reference only.
	NotComparable string `json:"not_comparable,omitempty"`
}

// MinVerdictN is the number of samples each arm needs for a verdict: the
// bootstrap interval of the overhead needs at least 6 per arm.
const MinVerdictN = 6

// storageOverheads are METHODS.md §9's §II pairs, per fio job and unit:
// H200 host→CVM, TDX-Lab host→CVM, TDX-Lab VM→CVM.
var storageOverheads = map[string][3]float64{
	"read_iops/IOPS":             {87.3, 55.8, 40.3},
	"write_iops/IOPS":            {78.2, -15.6, 50.7},
	"read_bw/B/s":                {43.1, -108.1, 91.2},
	"write_bw/B/s":               {58.6, -213.1, 71.7},
	"read_latency/lat-mean-sec":  {949.4, 126.3, 665.1},
	"write_latency/lat-mean-sec": {3879.2, 91.9, 179.4},
	"read_seq/B/s":               {-129.9, -122.1, 96.8},
	"write_seq/B/s":              {32.8, -9.3, 89.2},
	"rw_mix/read-IOPS":           {85.5, 35.6, 38.6},
	"rw_mix/write-IOPS":          {85.6, 38.3, 37.0},
}

const storageSource = "§II Storage, Performance Summary (METHODS.md §9)"

// storagePairs returns the published storage overheads of one fio job and
// unit, chosen by the baseline arm's platform: a bare-metal baseline is
// held against the host → CVM pairs, a plain VM against TDX-Lab VM → CVM.
func storagePairs(job, unit, basePlatform string) []PubOverhead {
	v, ok := storageOverheads[job+"/"+unit]
	if !ok {
		return nil
	}
	h200 := PubOverhead{Pair: "H200 host → H200 CVM", Pct: v[0], Source: storageSource}
	labHost := PubOverhead{Pair: "TDX-Lab host → TDX-Lab CVM", Pct: v[1], Source: storageSource}
	labVM := PubOverhead{Pair: "TDX-Lab VM → TDX-Lab CVM", Pct: v[2], Source: storageSource}
	switch basePlatform {
	case "bare-metal":
		return []PubOverhead{h200, labHost}
	case "vm":
		return []PubOverhead{labVM}
	}
	why := fmt.Sprintf("baseline platform %q (the published pairs start from bare metal or a plain VM)", basePlatform)
	if basePlatform == "" {
		why = "baseline platform unknown (no `platform:` line)"
	}
	for _, p := range []*PubOverhead{&h200, &labHost, &labVM} {
		p.NotComparable = why
	}
	return []PubOverhead{h200, labHost, labVM}
}

// llmOverheads are METHODS.md §9's §VII pairs: per GPU and model, the
// TPS, QPS, TTFT and ITL overheads (TEE-off = baseline).
var llmOverheads = []struct {
	gpu, model, name    string
	tps, qps, ttft, itl float64
}{
	{"H100", "llama-3.1-8b", "Llama-3.1-8B", 6.84, 3.24, 19.01, 7.68},
	{"H100", "phi-3", "Phi3-14B-128k", 4.59, 2.31, 17.93, 5.29},
	{"H100", "llama-3.1-70b", "Llama-3.1-70B", 0.00, 0.00, -0.41, -0.39},
	{"H200", "llama-3.1-8b", "Llama-3.1-8B", 8.84, 7.53, 20.93, 10.33},
	{"H200", "phi-3", "Phi3-14B-128k", 6.23, 7.43, 25.66, 6.87},
	{"H200", "llama-3.1-70b", "Llama-3.1-70B", 2.39, 0.45, 3.76, 2.52},
}

// llmPairs returns the published LLM overheads of one metric ("tps",
// "qps", "ttft", "itl") for the model the arms served. Only a published
// model is comparable; any other model (the embedded test models or an
// external server's model) gets the H200 Llama-3.1-8B figures for reference. The GPU is the arms' `gpu:` when it names H100 or
// H200, else both are listed.
func llmPairs(metric, model, gpu string) []PubOverhead {
	lm := strings.ToLower(model)
	var out []PubOverhead
	matched := false
	for _, o := range llmOverheads {
		if strings.Contains(lm, o.model) && (o.model != "llama-3.1-8b" || !strings.Contains(lm, "llama-3.1-70b")) {
			matched = true
		}
	}
	for _, o := range llmOverheads {
		g := strings.ToUpper(gpu)
		if (strings.Contains(g, "H100") || strings.Contains(g, "H200")) && !strings.Contains(g, o.gpu) {
			continue
		}
		same := strings.Contains(lm, o.model)
		if matched && !same || !matched && (o.model != "llama-3.1-8b" || o.gpu != "H200") {
			continue
		}
		p := PubOverhead{Pair: o.gpu + " " + o.name + " TEE-off → TEE-on", Source: "§VII LLM, arXiv 2409.03992 (METHODS.md §9)"}
		switch metric {
		case "tps":
			p.Pct = o.tps
		case "qps":
			p.Pct = o.qps
			p.NotComparable = "the paper's QPS is vLLM benchmark_throughput (offline, 1000 ShareGPT prompts), not a serving sweep"
		case "ttft":
			p.Pct = o.ttft
		case "itl":
			p.Pct = o.itl
			p.NotComparable = "the paper's ITL is per-request total decode time (METHODS.md §5), not vLLM's per-token ITL"
		}
		if !matched {
			p.NotComparable = fmt.Sprintf("model %s is not one of the published models (reference only)", model)
		}
		out = append(out, p)
	}
	return out
}

// zkPairs are §IV's proof-time overheads: SP1 zkVM, not our gnark circuit.
func zkPairs() []PubOverhead {
	why := "SP1 zkVM proof of an RSA-2048 verification, not a gnark circuit"
	src := "§IV zkTLS, Proof Time (METHODS.md §9)"
	return []PubOverhead{
		{Pair: "CPU → TEE CPU", Pct: 278.0, Source: src, NotComparable: why},
		{Pair: "CPU → TEE GPU", Pct: 412.8, Source: src, NotComparable: why},
	}
}

// hashPairs are §IV's hash-speed overheads, whose method is unpublished.
func hashPairs() []PubOverhead {
	why := "the published hash-speed method is unpublished (METHODS.md §6)"
	src := "§IV Memory Encryption Impact, Hash Speed (METHODS.md §9)"
	return []PubOverhead{
		{Pair: "CPU → TEE CPU", Pct: 73.6, Source: src, NotComparable: why},
		{Pair: "CPU → TEE GPU", Pct: 80.5, Source: src, NotComparable: why},
	}
}

// ToleranceAbs and ToleranceRel widen our interval before a published
// overhead is called consistent with it: by max(ToleranceAbs points,
// ToleranceRel × |published|). The published figures are single runs on
// other hardware, printed to one decimal, with no interval of their own;
// a published overhead just outside a narrow interval is not a finding.
const (
	ToleranceAbs = 3.0
	ToleranceRel = 0.10
)

// Verdict holds our overhead against a published one: "consistent" (the
// published overhead lies inside our 95% CI widened by the tolerance
// band), "smaller overhead here", "larger overhead here", "not
// comparable: <reason>", or "too few samples (n=…)" when an arm has fewer
// than MinVerdictN samples.
func Verdict(p PubOverhead, dl Delta, n0, n1 int) string {
	if p.NotComparable != "" {
		return "not comparable: " + p.NotComparable
	}
	if !dl.OK {
		return "no data"
	}
	if n0 < MinVerdictN || n1 < MinVerdictN {
		return fmt.Sprintf("too few samples (n=%d+%d, need %d per arm)", n0, n1, MinVerdictN)
	}
	if math.IsNaN(dl.Lo) || math.IsNaN(dl.Hi) {
		return "no interval (overhead not finite)"
	}
	tol := math.Max(ToleranceAbs, ToleranceRel*math.Abs(p.Pct))
	v := "larger overhead here"
	switch {
	case p.Pct >= dl.Lo-tol && p.Pct <= dl.Hi+tol:
		v = "consistent"
	case p.Pct > dl.Hi+tol:
		v = "smaller overhead here"
	}
	if p.Pct < 0 {
		v += " (the published TEE measured faster than its baseline)"
	}
	return v
}

// formatPct renders a published overhead: "+40.3%".
func formatPct(v float64) string {
	return fmt.Sprintf("%+.1f%%", v)
}
