package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The percentile rule: a statistic over the requests of one run claims no
// more than its samples hold. A p99 from fewer than 100 requests is the
// slowest request or close to it; a p90 needs 10, a mean 10. Such a row
// shows "n too small" instead of a cost, and gets no verdict or headline.
const (
	MinP99Samples  = 100
	MinP90Samples  = 10
	MinMeanSamples = 10
)

// CountUnit is the unit of a benchmark's per-run request count where b.N
// is not it (wrk runs for a fixed time): benchenv/units.go declares it.
const CountUnit = "requests"

// minSamples is the number of requests per run a statistic of unit needs,
// 0 for a unit the rule does not cover: inter-token latency (itl-*), whose
// samples are the tokens of every request, not the requests.
func minSamples(unit string) int {
	switch {
	case strings.HasPrefix(unit, "itl-"):
		return 0
	case strings.Contains(unit, "-p99-"):
		return MinP99Samples
	case strings.Contains(unit, "-p90-"):
		return MinP90Samples
	case strings.Contains(unit, "-mean-"):
		return MinMeanSamples
	}
	return 0
}

// countsRequests reports whether a benchmark's rows are statistics over
// requests: the LLM and gateway benchmarks, whose b.N is the requests of a
// run (per client for GatewayMulti and GatewayRate), or which report
// CountUnit.
func (d *Dataset) countsRequests(id ID) bool {
	switch id.Base {
	case "Serve", "Gateway", "GatewayMulti", "GatewayRate":
		return true
	}
	return d.Has(id, CountUnit)
}

// requestsPerRun returns the fewest requests of one run of arm i: the
// smallest CountUnit value, else b.N summed over the runs divided by the
// runs. ok is false when the arm did not run it.
func (d *Dataset) requestsPerRun(id ID, unit string, i int) (int, bool) {
	if c := d.Values(id, CountUnit, i); len(c) > 0 {
		return int(slices.Min(c)), true
	}
	runs := len(d.Values(id, unit, i))
	if runs == 0 {
		return 0, false
	}
	return int(math.Round(float64(d.Iterations(id, i)) / float64(runs))), true
}

// sampleLabel is the sample count a percentile or mean row carries in its
// label: " (n=12/run)", or per arm " (n=5000, 4000/run)"; "" for rows the
// rule does not cover.
func (r *renderer) sampleLabel(id ID, unit string) string {
	d := r.d
	if minSamples(unit) == 0 || !d.countsRequests(id) {
		return ""
	}
	var ns []string
	for i := range d.Arms {
		if n, ok := d.requestsPerRun(id, unit, i); ok {
			ns = append(ns, strconv.Itoa(n))
		}
	}
	if len(ns) == 0 {
		return ""
	}
	if len(slices.Compact(slices.Clone(ns))) == 1 {
		ns = ns[:1]
	}
	return " (n=" + strings.Join(ns, ", ") + "/run)"
}

// nTooSmall returns "n too small (…)" when some arm's runs of the row
// have fewer requests than its statistic needs, "" otherwise.
func (r *renderer) nTooSmall(id ID, unit string) string {
	d := r.d
	need := minSamples(unit)
	if need == 0 || !d.countsRequests(id) {
		return ""
	}
	fewest, ok := 0, false
	for i := range d.Arms {
		if n, has := d.requestsPerRun(id, unit, i); has && n < need && (!ok || n < fewest) {
			fewest, ok = n, true
		}
	}
	if !ok {
		return ""
	}
	stat := "mean"
	if i := strings.Index(unit, "-p"); i >= 0 {
		stat, _, _ = strings.Cut(unit[i+1:], "-")
	}
	return fmt.Sprintf("n too small (%s of n=%d requests; needs ≥ %d)", stat, fewest, need)
}
