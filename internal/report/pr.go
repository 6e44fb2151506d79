package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Thresholds is the per-unit change a PR comment treats as worth a line:
// a default and overrides by unit. As a flag.Value it takes "5%" (the
// default) or "unit=10%" (one unit), and may be repeated.
type Thresholds struct {
	Default float64 // percent
	ByUnit  map[string]float64
}

// DefaultThreshold is the default per-unit threshold of the PR comment,
// in percent.
const DefaultThreshold = 5.0

// String renders the thresholds as flag values.
func (t *Thresholds) String() string {
	if t == nil {
		return ""
	}
	parts := []string{strconv.FormatFloat(t.Default, 'g', -1, 64) + "%"}
	var units []string
	for u := range t.ByUnit {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		parts = append(parts, u+"="+strconv.FormatFloat(t.ByUnit[u], 'g', -1, 64)+"%")
	}
	return strings.Join(parts, ",")
}

// Set parses "5%", "5" or "unit=5%".
func (t *Thresholds) Set(s string) error {
	unit, val, ok := strings.Cut(s, "=")
	if !ok {
		val, unit = s, ""
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), "%"), 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("threshold %q: want a percentage such as 5%% or unit=10%%", s)
	}
	if unit == "" {
		t.Default = v
		return nil
	}
	if t.ByUnit == nil {
		t.ByUnit = map[string]float64{}
	}
	t.ByUnit[unit] = v
	return nil
}

// For returns the threshold of a unit in percent.
func (t *Thresholds) For(unit string) float64 {
	if v, ok := t.ByUnit[unit]; ok {
		return v
	}
	return t.Default
}

// ErrRegression is returned by WritePR when asked to fail on a significant
// regression over its threshold.
var ErrRegression = errors.New("significant regression over threshold")

// prRow is one benchmark and unit compared between base and head.
type prRow struct {
	id         ID
	unit       string
	better     int
	base, head Cell
	dl         Delta
	change     float64 // head/base - 1, percent
}

// PRResult sums up a PR comparison.
type PRResult struct {
	// Regressions are the significant changes for the worse larger than
	// their unit's threshold.
	Regressions int
	// Improvements likewise, for the better.
	Improvements int
}

// WritePR writes the Markdown comment a reviewer reads for a two-arm
// dataset (Arms[0] = base, Arms[1] = head): the rows whose change is
// significant (p < 0.05) and larger than their unit's threshold, a
// geomean per package, and the full table folded in <details>.
func WritePR(w io.Writer, d *Dataset, th *Thresholds) (PRResult, error) {
	var res PRResult
	if len(d.Arms) != 2 {
		return res, fmt.Errorf("PR mode needs exactly two arms (base and head), got %d", len(d.Arms))
	}
	var rows []prRow
	minN, few := math.MaxInt, 0
	for _, id := range d.ids {
		for _, u := range d.units[id.String()] {
			better := d.Units.GetBetter(u)
			a := d.Units.GetAssumption(u)
			base, head, dl := Compare(a, d.Values(id, u, 0), d.Values(id, u, 1), dirOfBetter(better))
			if !dl.OK {
				continue
			}
			minN = min(minN, base.N, head.N)
			if base.N < MinTestN || head.N < MinTestN {
				few++
			}
			rows = append(rows, prRow{id: id, unit: u, better: better, base: base, head: head, dl: dl,
				change: (head.Center/base.Center - 1) * 100})
		}
	}
	if len(rows) == 0 {
		return res, fmt.Errorf("no benchmark and unit measured by both %s and %s", d.Arms[0].Label, d.Arms[1].Label)
	}
	b, h := d.Arms[0], d.Arms[1]
	fmt.Fprintf(w, "## teebench: `%s` vs `%s`\n\n", h.Label, b.Label)
	fmt.Fprintf(w, "Base: %s. Head: %s. %d benchmark/unit pairs measured by both.\n\n", strings.Join(b.Files, ", "), strings.Join(h.Files, ", "), len(rows))
	if few > 0 {
		what := fmt.Sprintf("%d of the %d rows have", few, len(rows))
		if few == len(rows) {
			what = "every row has"
		}
		fmt.Fprintf(w, "> **No significance is possible** where a side has fewer than %d runs: %s as few as n=%d on a side, and the Mann-Whitney U test "+
			"cannot reach p < 0.05 with fewer than %d runs per side. Rerun both sides with `COUNT=6` (e.g. `COUNT=6 scripts/bench.sh`, or "+
			"`go test -count 6`) to get a verdict.\n\n", MinTestN, what, minN, MinTestN)
	}
	fmt.Fprintf(w, "Rows shown: change significant (p < 0.05, Mann-Whitney U as in benchstat) and larger than the unit's threshold (%s). "+
		"Direction from the result files' `Unit … better=` lines.\n\n", th.String())
	var sig [][]string
	for _, r := range rows {
		if !r.dl.Significant || math.Abs(r.change) <= th.For(r.unit) || math.IsNaN(r.change) {
			continue
		}
		kind := "change"
		switch {
		case r.better > 0 && r.change < 0, r.better < 0 && r.change > 0:
			kind = "**regression**"
			res.Regressions++
		case r.better != 0:
			kind = "improvement"
			res.Improvements++
		}
		sig = append(sig, []string{"`" + r.id.String() + "`", r.unit + arrow(r.better), formatCell(r.base, r.unit), formatCell(r.head, r.unit),
			fmt.Sprintf("%+.2f%% (%s)", r.change, r.dl.Comparison), kind})
	}
	if len(sig) == 0 {
		fmt.Fprintf(w, "**No significant change larger than the threshold.**\n\n")
	} else {
		fmt.Fprintf(w, "**%d regression(s), %d improvement(s).**\n\n", res.Regressions, res.Improvements)
		writeTable(w, []string{"benchmark", "unit", b.Label, h.Label, "change", ""}, sig, nil)
	}
	writeGeomeans(w, d, rows)
	fmt.Fprintf(w, "<details><summary>Full table (%d rows)</summary>\n\n", len(rows))
	var full [][]string
	for _, r := range rows {
		delta := r.dl.Benchstat + " (" + r.dl.Comparison.String() + ")"
		full = append(full, []string{"`" + r.id.String() + "`", r.unit + arrow(r.better), formatCell(r.base, r.unit), formatCell(r.head, r.unit), delta})
	}
	writeTable(w, []string{"benchmark", "unit", b.Label, h.Label, "vs base"}, full, nil)
	fmt.Fprintf(w, "</details>\n")
	return res, nil
}

// writeGeomeans writes, per package, the geometric mean of the changes of
// the medians over every benchmark and unit with a direction, each turned
// so that above 1 is worse (head/base for better=lower, base/head for
// better=higher): one line per package, like benchstat's geomean row.
func writeGeomeans(w io.Writer, d *Dataset, rows []prRow) {
	sum := map[string]float64{}
	cnt := map[string]int{}
	var pkgs []string
	for _, r := range rows {
		if r.base.Center <= 0 || r.head.Center <= 0 || r.better == 0 {
			continue
		}
		pkg := strings.TrimPrefix(d.Pkg(r.id), "github.com/teebench/teebench/")
		if pkg == "" {
			pkg = "(no pkg:)"
		}
		if cnt[pkg] == 0 {
			pkgs = append(pkgs, pkg)
		}
		ratio := r.head.Center / r.base.Center
		if r.better > 0 {
			ratio = 1 / ratio
		}
		sum[pkg] += math.Log(ratio)
		cnt[pkg]++
	}
	if len(pkgs) == 0 {
		return
	}
	sort.Strings(pkgs)
	var lines [][]string
	for _, p := range pkgs {
		lines = append(lines, []string{p, strconv.Itoa(cnt[p]), fmt.Sprintf("%+.2f%%", (math.Exp(sum[p]/float64(cnt[p]))-1)*100)})
	}
	fmt.Fprintf(w, "Geomean per package of the changes, each turned so that positive is worse (benchmark/unit pairs with a direction):\n\n")
	writeTable(w, []string{"package", "pairs", "geomean change (+ = worse)"}, lines, nil)
}
