package catalog

import "math"

// Goal is the range a ratio "our implementation / its reference tool"
// must lie in (scripts/crosscheck checks it, the report shows it beside
// each cross-check); Label says it in words. A Goal with Label "" sets no
// goal.
type Goal struct {
	Lo, Hi float64
	Label  string
}

var (
	// GoalWithin5 is a two-sided ±5%: fio's figures (IOPS, B/s, mean
	// latency), where the Go engine reproduces the same I/O pattern.
	GoalWithin5 = Goal{0.95, 1.05, "within ±5%"}
	// GoalAtLeast09 is ≥ 0.9: wrk's keep-alive QPS and the C STREAM triad,
	// optimised tools the Go implementation must come close to.
	GoalAtLeast09 = Goal{0.9, math.Inf(1), "≥ 0.9"}
	// GoalAtLeast1 is ≥ 1.0: ab's QPS without keep-alive (ab is
	// single-threaded, the Go client must not be the bottleneck).
	GoalAtLeast1 = Goal{1.0, math.Inf(1), "≥ 1.0"}
	// NoGoal: the pair is context, not a target (CPU per I/O, latency
	// percentiles, 7-Zip against the Go codecs).
	NoGoal = Goal{}
)

// Met reports whether ratio meets the goal; ok is false when there is no
// goal or no ratio to judge.
func (g Goal) Met(ratio float64) (met, ok bool) {
	if g.Label == "" || math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		return false, false
	}
	return ratio >= g.Lo && ratio <= g.Hi, true
}

// Spans reports whether the interval [lo, hi] of a ratio lies partly
// inside the goal and partly outside it: then the verdict on the median is
// not settled by the rounds, and another run may give the other one.
func (g Goal) Spans(lo, hi float64) bool {
	in := func(x float64) bool { return x >= g.Lo && x <= g.Hi }
	return in(lo) != in(hi) || (!in(lo) && lo < g.Lo && hi > g.Hi)
}

// FioGoal is the cross-check goal of a fio unit: ±5% on IOPS, B/s and mean
// latency; none on the rest (percentiles, CPU per I/O).
func FioGoal(unit string) Goal {
	switch unit {
	case "IOPS", "B/s", "lat-mean-sec":
		return GoalWithin5
	}
	return NoGoal
}

// GatewayGoal is the cross-check goal of the Go load generator against
// ref ("ab" or "wrk") on a path: QPS only, and only on path=direct, where
// the client rather than the proxy's handshakes can be the bottleneck.
func GatewayGoal(ref, path, unit string) Goal {
	if unit != "req/s" || path != "direct" {
		return NoGoal
	}
	if ref == "ab" {
		return GoalAtLeast1
	}
	return GoalAtLeast09
}
