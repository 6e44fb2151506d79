package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// sampleLabel is the sample count a percentile or mean row carries in its
// label: " (n=12/run)", or per arm " (n=5000, 4000/run)"; "" for rows the
// rule does not cover.
func (r *renderer) sampleLabel(id results.ID, unit string) string {
	d := r.d
	if overhead.MinSamples(unit) == 0 || !d.CountsRequests(id) {
		return ""
	}
	var ns []string
	for i := range d.Arms {
		if n, ok := d.RequestsPerRun(id, unit, i); ok {
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
func (r *renderer) nTooSmall(id results.ID, unit string) string {
	d := r.d
	need := overhead.MinSamples(unit)
	if need == 0 || !d.CountsRequests(id) {
		return ""
	}
	fewest, ok := 0, false
	for i := range d.Arms {
		if n, has := d.RequestsPerRun(id, unit, i); has && n < need && (!ok || n < fewest) {
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
