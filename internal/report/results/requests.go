package results

import (
	"math"
	"slices"
)

// CountUnit is the unit of a benchmark's per-run request count where b.N
// is not it (wrk runs for a fixed time): benchenv/units.go declares it.
const CountUnit = "requests"

// CountsRequests reports whether a benchmark's rows are statistics over
// requests: the LLM and gateway benchmarks, whose b.N is the requests of a
// run (per client for GatewayMulti and GatewayRate), or which report
// CountUnit.
func (d *Dataset) CountsRequests(id ID) bool {
	switch id.Base {
	case "Serve", "Gateway", "GatewayMulti", "GatewayRate":
		return true
	}
	return d.Has(id, CountUnit)
}

// RequestsPerRun returns the fewest requests of one run of arm i: the
// smallest CountUnit value, else b.N summed over the runs divided by the
// runs. ok is false when the arm did not run it.
func (d *Dataset) RequestsPerRun(id ID, unit string, i int) (int, bool) {
	if c := d.Values(id, CountUnit, i); len(c) > 0 {
		return int(slices.Min(c)), true
	}
	runs := len(d.Values(id, unit, i))
	if runs == 0 {
		return 0, false
	}
	return int(math.Round(float64(d.Iterations(id, i)) / float64(runs))), true
}
