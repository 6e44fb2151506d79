package overhead

import (
	"fmt"
	"math"
	"strings"

	"github.com/teebench/teebench/internal/published"
)

// PubOverhead is one published TEE overhead (docs/methods.md §9): a TEE
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
	// TEE is the `tee:` value of the pair's TEE side ("sev-snp" for the
	// H100 LLM pairs, "tdx" for the H200 and storage pairs); a verdict
	// needs an arm of the same TEE. Empty when the publication names none.
	TEE string `json:"tee,omitempty"`
	// NotComparable, when set, says why our overhead cannot be held
	// against this one (another method, another model); the figure is
	// then shown for reference only.
	NotComparable string `json:"not_comparable,omitempty"`
}

// MinVerdictN is the number of samples each arm needs for a verdict: the
// bootstrap interval of the overhead needs at least 6 per arm.
const MinVerdictN = 6

// pubOverheads converts the printed overheads of a row key.
func pubOverheads(key string, keep func(published.Entry) bool) []PubOverhead {
	var out []PubOverhead
	for _, e := range published.Overheads(key) {
		if keep == nil || keep(e) {
			out = append(out, PubOverhead{Pair: e.Env, Pct: e.Value, Source: e.Source, TEE: e.TEE, NotComparable: e.NotComparable})
		}
	}
	return out
}

// StoragePairs returns the published storage overheads of one fio job and
// unit, chosen by the baseline arm's platform: a bare-metal baseline is
// held against the host → CVM pairs, a plain VM against TDX-Lab VM → CVM;
// any other platform gets them all, not comparable.
func StoragePairs(job, unit, basePlatform string) []PubOverhead {
	key := "fio/" + job + "/" + unit
	switch basePlatform {
	case "bare-metal", "vm":
		return pubOverheads(key, func(e published.Entry) bool { return e.Platform == basePlatform })
	}
	why := fmt.Sprintf("baseline platform %q (the published pairs start from bare metal or a plain VM)", basePlatform)
	if basePlatform == "" {
		why = "baseline platform unknown (no `platform:` line)"
	}
	ps := pubOverheads(key, nil)
	for i := range ps {
		ps[i].NotComparable = why
	}
	return ps
}

// LLMPairs returns the published LLM overheads of one metric ("tps",
// "qps", "ttft", "itl") for the model the arms served. Only a published
// model is comparable; any other model (the embedded test models or an
// external server's model) gets the Llama-3.1-8B figures of the arms' GPU
// (H200 when it is neither) for reference. The GPU is the arms' `gpu:`
// when it names H100 or H200, else both are listed. Each pair carries its
// TEE (H100: SEV-SNP, H200: TDX), which a verdict checks per arm.
func LLMPairs(metric, model, gpu string) []PubOverhead {
	lm := strings.ToLower(model)
	all := published.Overheads("llm/" + metric)
	same := func(e published.Entry) bool {
		m := strings.ToLower(e.Match[0])
		// llama-3.1-8b is not a prefix match of llama-3.1-70b's name.
		return strings.Contains(lm, m) && (m != "llama-3.1-8b" || !strings.Contains(lm, "llama-3.1-70b"))
	}
	matched := false
	for _, e := range all {
		matched = matched || same(e)
	}
	g := strings.ToUpper(gpu)
	refGPU := "H200"
	if strings.Contains(g, "H100") && !strings.Contains(g, "H200") {
		refGPU = "H100"
	}
	var out []PubOverhead
	for _, e := range all {
		if (strings.Contains(g, "H100") || strings.Contains(g, "H200")) && !strings.Contains(g, e.Platform) {
			continue
		}
		if matched && !same(e) || !matched && (e.Match[0] != "llama-3.1-8b" || e.Platform != refGPU) {
			continue
		}
		p := PubOverhead{Pair: e.Env, Pct: e.Value, Source: e.Source, TEE: e.TEE, NotComparable: e.NotComparable}
		if !matched {
			p.NotComparable = fmt.Sprintf("model %s is not one of the published models (reference only)", model)
		}
		out = append(out, p)
	}
	return out
}

// ZKPairs are §IV's proof-time overheads: SP1 zkVM, not our gnark circuit.
func ZKPairs() []PubOverhead { return pubOverheads("zk/prove/sec/op", nil) }

// HashPairs are §IV's hash-speed overheads, whose method is unpublished.
func HashPairs() []PubOverhead { return pubOverheads("mem/sha256/B/s", nil) }

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
