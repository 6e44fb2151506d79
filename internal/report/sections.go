package report

import (
	"math"
	"strings"

	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"

	"github.com/teebench/teebench/internal/scaling"
)

// prefer orders values so that the preferred ones come first, the others
// after them in their order.
func prefer(vals []string, first ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range first {
		for _, v := range vals {
			if v == f && !seen[v] {
				out = append(out, v)
				seen[v] = true
			}
		}
	}
	for _, v := range vals {
		if !seen[v] {
			out = append(out, v)
			seen[v] = true
		}
	}
	return out
}

// paramsLabel lists an ID's name parts as "k=v k=v".
func paramsLabel(id results.ID) string {
	var parts []string
	for _, p := range id.Params {
		if p.Key == "" {
			parts = append(parts, p.Value)
		} else {
			parts = append(parts, p.Key+"="+p.Value)
		}
	}
	return strings.Join(parts, " ")
}

func one(ids []results.ID) (results.ID, bool) {
	if len(ids) == 0 {
		return results.ID{}, false
	}
	return ids[0], true
}

// matchOf is the match string of an ID for published lookups:
// "/key=value/key=value/".
func matchOf(id results.ID) string {
	var b strings.Builder
	b.WriteByte('/')
	for _, p := range id.Params {
		b.WriteString(p.Key + "=" + p.Value + "/")
	}
	return b.String()
}

// crossPair is one figure measured by our implementation (a) and by the
// reference tool (b) in the same run, with scripts/crosscheck's goal for
// their ratio.
type crossPair struct {
	label string
	a, b  results.ID
	unit  string
	goal  catalog.Goal
}

// ratioCell is the cross-check ratio median(ours) / median(ref) of arm i:
// "1.015 ✓" (meets the goal), "0.7907 ✗" (misses it), "~ 1.011" when the
// Mann-Whitney test cannot tell the two apart; "–" without both samples.
func (r *renderer) ratioCell(ours, ref results.ID, unit string, i int, goal catalog.Goal) (float64, string) {
	d := r.d
	a, b := d.Values(ours, unit, i), d.Values(ref, unit, i)
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), "–"
	}
	cr := overhead.Cross(d.Units.GetAssumption(unit), b, a) // the one ratio, as scripts/crosscheck computes it
	q, dl := cr.Ratio, cr.Delta
	if math.IsNaN(q) {
		return q, "–"
	}
	s := trimf(q, 4)
	if !dl.Significant {
		s = "~ " + s
	}
	if met, ok := goal.Met(q); ok && met {
		s += " ✓"
	} else if ok {
		s += " ✗"
	}
	return q, s + r.warnMarks(dl.Warnings)
}

// crossCheck writes, per arm, the ratio of our figure to the reference
// tool's (median a / median b) against the goal scripts/crosscheck holds
// it to (catalog), with ✓ or ✗; "~" marks a ratio the Mann-Whitney test
// cannot tell from 1.
func (r *renderer) crossCheck(title, ratio string, pairs []crossPair) {
	d := r.d
	var lines [][]string
	for _, pr := range pairs {
		goal := pr.goal.Label
		if goal == "" {
			goal = "none (context)"
		}
		line := []string{pr.label + " (" + pr.unit + ")", goal}
		any := false
		for i := range d.Arms {
			q, s := r.ratioCell(pr.a, pr.b, pr.unit, i, pr.goal)
			any = any || !math.IsNaN(q)
			line = append(line, s)
		}
		if any {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return
	}
	r.heading(3, "%s", title)
	r.para("Ratio %s of the medians in each arm against the goal `scripts/crosscheck` holds it to: ✓ meets it, ✗ misses it; `~`: the Mann-Whitney test cannot tell the two apart (p > 0.05).", ratio)
	hdr := []string{"figure (unit)", "goal"}
	for i := range d.Arms {
		hdr = append(hdr, r.colName(i)+" "+ratio)
	}
	r.table(hdr, lines)
}

// efficiency is internal/scaling's Tot(N) / (N x Tot(1)) of two medians,
// NaN when it cannot be computed (no 1-thread value, non-positive rate).
func efficiency(totN, tot1, n float64) float64 {
	e, err := scaling.Efficiency(totN, tot1, int(n))
	if err != nil || math.IsNaN(totN) {
		return math.NaN()
	}
	return e
}
