package prcomment

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/report"
	"github.com/teebench/teebench/internal/report/markdown"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
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

// ErrRegression is returned by WritePRComment when asked to fail on a significant
// regression over its threshold.
var ErrRegression = errors.New("significant regression over threshold")

// DefaultPRChars bounds one WritePRComment comment, in characters (GitHub counts
// a comment's 65,536 characters, not bytes): two runner sections (hosted
// and tdx) and scripts/ci/prcomment's header fit in one comment.
const DefaultPRChars = 30000

// PROptions configure WritePRComment.
type PROptions struct {
	// Thresholds are the smallest changes counted; nil means the default.
	Thresholds *Thresholds
	// FullTable is the name under which the full table was written (see
	// WritePRFull), shown relative; "" when it was not written.
	FullTable string
	// RelTo is the directory the result files' paths are shown relative
	// to ("" = the working directory); a file outside it is shown by its
	// base name, so no absolute runner path reaches a comment.
	RelTo string
	// MaxChars bounds the comment in characters; 0 means DefaultPRChars.
	MaxChars int
}

// PRResult sums up a PR comparison, per benchmark on its primary metric
// (catalog.PrimaryUnit).
type PRResult struct {
	// Regressions are the benchmarks whose primary metric changed
	// significantly for the worse, by more than its threshold.
	Regressions int
	// Improvements likewise, for the better.
	Improvements int
	// Noisy counts the regressions and improvements whose confidence
	// interval is wider than their change.
	Noisy int
	// Rows is the number of benchmark/unit pairs measured by both sides.
	Rows int
}

// prRow is one benchmark and unit compared between base and head.
type prRow struct {
	id         results.ID
	unit       string
	dir        overhead.Dir
	better     int
	primary    bool
	base, head overhead.Cell
	dl         overhead.Delta
	// raw is head/base - 1 in percent (benchstat's sign); cost is the
	// change in percent with + = worse (raw for a unit without direction).
	raw, cost float64
	// slow is the head/base time factor (head/base for a time, base/head
	// for a throughput: above 1 is slower); NaN without a direction.
	slow float64
	// noise is the wider of the two sides' confidence intervals, in
	// percent of its median (benchstat's ±).
	noise float64
}

// counted reports whether the row's change is significant and over its
// unit's threshold.
func (r prRow) counted(th *Thresholds) bool {
	return r.dl.Significant && overhead.Finite(r.raw) && math.Abs(r.raw) > th.For(r.unit)
}

// noisy reports a confidence interval wider than the change: the test
// found a shift, but its size is not pinned down.
func (r prRow) noisy() bool { return r.noise > math.Abs(r.raw) }

// relRange is a summary's confidence interval as benchstat's ±: the
// larger distance of a bound from the center, in percent of the center;
// +Inf when unbounded or of mixed sign.
func relRange(c overhead.Cell) float64 {
	switch {
	case !overhead.Finite(c.Lo) || !overhead.Finite(c.Hi) || c.Center == 0:
		if c.Center == 0 && c.Lo == 0 && c.Hi == 0 {
			return 0
		}
		return math.Inf(1)
	case math.Signbit(c.Lo) != math.Signbit(c.Center) || math.Signbit(c.Hi) != math.Signbit(c.Center):
		return math.Inf(1)
	}
	return math.Max(c.Hi/c.Center-1, 1-c.Lo/c.Center) * 100
}

// prRows compares every benchmark and unit measured by both arms.
func prRows(d *results.Dataset) []prRow {
	var rows []prRow
	for _, id := range d.IDs() {
		units := d.UnitsOf(id)
		prim, _ := catalog.PrimaryUnit(id.String(), units)
		for _, u := range units {
			better := d.Units.GetBetter(u)
			dir := report.DirOfBetter(better)
			base, head, dl := overhead.Compare(d.Units.GetAssumption(u), d.Values(id, u, 0), d.Values(id, u, 1), dir)
			if !dl.OK {
				continue
			}
			r := prRow{id: id, unit: u, dir: dir, better: better, primary: u == prim, base: base, head: head, dl: dl,
				raw: (head.Center/base.Center - 1) * 100, slow: math.NaN(), noise: math.Max(relRange(base), relRange(head))}
			r.cost = r.raw
			switch dir {
			case overhead.Higher:
				r.cost, r.slow = dl.Overhead, base.Center/head.Center
			case overhead.Lower:
				r.cost, r.slow = dl.Overhead, head.Center/base.Center
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// prCells renders a row as the comment's table cells: benchmark, unit,
// base, head, change (+ = worse) and head/base time ×.
func prCells(r prRow) []string {
	change := "~"
	if r.dl.Significant {
		change = fmt.Sprintf("%+.2f%%", r.cost)
		if r.dir == overhead.Neutral {
			change += " (no direction)"
		}
	} else if overhead.Finite(r.cost) {
		change = fmt.Sprintf("~ %+.2f%%", r.cost)
	}
	change += " (" + r.dl.Comparison.String() + ")"
	if r.dl.Significant && r.noisy() {
		change += " *noisy*"
	}
	slow := "–"
	if overhead.Finite(r.slow) {
		slow = fmt.Sprintf("%.3f×", r.slow)
	}
	return []string{"`" + markdown.Esc(r.id.String()) + "`", r.unit + report.Arrow(r.better), formatCell(r.base, r.unit), formatCell(r.head, r.unit), change, slow}
}

// prHeader is the header of the comment's tables: the sign convention is
// stated in the column headers.
func prHeader(b, h string) []string {
	return []string{"benchmark", "unit", b, h, "change (+ = worse)", h + "/" + b + " time ×"}
}

// WritePRFull writes the full base-vs-head table (every benchmark and
// unit, primary metrics marked) in the comment's sign convention: the CI
// artifact behind the comment's "full table".
func WritePRFull(w io.Writer, d *results.Dataset) error {
	if len(d.Arms) != 2 {
		return fmt.Errorf("PR mode needs exactly two arms (base and head), got %d", len(d.Arms))
	}
	rows := prRows(d)
	b, h := d.Arms[0].Label, d.Arms[1].Label
	fmt.Fprintf(w, "# teebench: full table, `%s` vs `%s`\n\n", h, b)
	fmt.Fprintf(w, "%d benchmark/unit pairs measured by both. change: + = worse (a throughput's drop (%s-%s)/%s, a time's rise (%s-%s)/%s); "+
		"%s/%s time ×: the slowdown factor (%s/%s for a throughput, %s/%s for a time); ~: not significant (p ≥ 0.05, Mann-Whitney U as in benchstat). "+
		"primary: the metric a regression is counted on (internal/catalog).\n\n", len(rows), b, h, b, h, b, b, h, b, b, h, h, b)
	var full [][]string
	for _, r := range rows {
		c := prCells(r)
		if r.primary {
			c[1] += " (primary)"
		}
		full = append(full, c)
	}
	markdown.WriteTable(w, prHeader(b, h), full, nil)
	return nil
}

// displayPath shows a result file relative to dir when it lies under it,
// else by its base name: never an absolute path of the runner.
func displayPath(path, dir string) string {
	if dir == "" {
		dir = "."
	}
	ap, err1 := filepath.Abs(path)
	ad, err2 := filepath.Abs(dir)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(ad, ap); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}

// WritePRComment writes the Markdown comment a reviewer reads for a
// two-arm dataset (Arms[0] = base, Arms[1] = head), within opt.MaxChars
// characters:
//   - one row per benchmark whose primary metric (catalog.PrimaryUnit)
//     changed significantly (p < 0.05) by more than its unit's threshold,
//     regressions first, each counted once and marked noisy when its
//     confidence interval is wider than the change;
//   - the other significant rows (secondary units, units without a
//     direction) folded, not counted;
//   - the geomean per package of the head/base time factors of the
//     primary metrics;
//   - where the full table is (the CI artifact).
//
// Rows that do not fit are cut whole and counted; every <details> is
// closed. The sign convention is + = worse, stated in the headers.
func WritePRComment(w io.Writer, d *results.Dataset, opt PROptions) (PRResult, error) {
	var res PRResult
	if len(d.Arms) != 2 {
		return res, fmt.Errorf("PR mode needs exactly two arms (base and head), got %d", len(d.Arms))
	}
	th := opt.Thresholds
	if th == nil {
		th = &Thresholds{Default: DefaultThreshold}
	}
	maxChars := opt.MaxChars
	if maxChars <= 0 {
		maxChars = DefaultPRChars
	}
	rows := prRows(d)
	if len(rows) == 0 {
		return res, fmt.Errorf("no benchmark and unit measured by both %s and %s", d.Arms[0].Label, d.Arms[1].Label)
	}
	res.Rows = len(rows)
	b, h := d.Arms[0], d.Arms[1]
	bl, hl := b.Label, h.Label

	// The counted rows: one per benchmark, on its primary metric.
	var main, other []prRow
	minN, few := math.MaxInt, 0
	benches := map[string]bool{}
	for _, r := range rows {
		benches[r.id.String()] = true
		minN = min(minN, r.base.N, r.head.N)
		if r.base.N < overhead.MinTestN || r.head.N < overhead.MinTestN {
			few++
		}
		if !r.counted(th) {
			continue
		}
		switch {
		case r.primary && r.dir != overhead.Neutral:
			main = append(main, r)
			if r.cost > 0 {
				res.Regressions++
			} else {
				res.Improvements++
			}
			if r.noisy() {
				res.Noisy++
			}
		default:
			other = append(other, r)
		}
	}
	// Regressions first, the largest slowdown first; then improvements,
	// the largest speed-up first.
	sort.SliceStable(main, func(i, j int) bool {
		ri, rj := main[i].cost > 0, main[j].cost > 0
		if ri != rj {
			return ri
		}
		if ri {
			return main[i].slow > main[j].slow
		}
		return main[i].slow < main[j].slow
	})

	var head strings.Builder
	fmt.Fprintf(&head, "## teebench: `%s` vs `%s`\n\n", hl, bl)
	files := func(a *results.Arm) string {
		var fs []string
		for _, f := range a.Files {
			fs = append(fs, "`"+displayPath(f, opt.RelTo)+"`")
		}
		return strings.Join(fs, ", ")
	}
	fmt.Fprintf(&head, "Base: %s. Head: %s. %d benchmarks, %d benchmark/unit pairs measured by both.\n\n", files(b), files(h), len(benches), len(rows))
	if few > 0 {
		what := fmt.Sprintf("%d of the %d rows have", few, len(rows))
		if few == len(rows) {
			what = "every row has"
		}
		fmt.Fprintf(&head, "> **No significance is possible** where a side has fewer than %d runs: %s as few as n=%d on a side, and the Mann-Whitney U test "+
			"cannot reach p < 0.05 with fewer than %d runs per side. Rerun both sides with `COUNT=6` (e.g. `COUNT=6 scripts/bench.sh`, or "+
			"`go test -count 6`) to get a verdict.\n\n", overhead.MinTestN, what, minN, overhead.MinTestN)
	}
	fmt.Fprintf(&head, "Counted: one row per benchmark, on its primary metric (declared per benchmark family in `internal/catalog`; a load generator's b.N time never counts), "+
		"when the change is significant (p < 0.05, Mann-Whitney U as in benchstat) and larger than the unit's threshold (%s). "+
		"Sign: + = worse; %s/%s time × is the slowdown factor (%s/%s for a throughput, %s/%s for a time). "+
		"*noisy*: the 95%% CI of a side is wider than the change.\n\n", th.String(), hl, bl, bl, hl, hl, bl)
	verdict := func(r prRow) string {
		v := "improvement"
		if r.cost > 0 {
			v = "**regression**"
		}
		return v
	}
	if len(main) == 0 {
		fmt.Fprintf(&head, "**No benchmark's primary metric changed significantly by more than the threshold.**\n\n")
	} else {
		nb := func(n int, what string) string {
			if n == 1 {
				return "1 " + what
			}
			return fmt.Sprintf("%d %ss", n, what)
		}
		fmt.Fprintf(&head, "**%s, %s** (benchmarks; %d noisy).\n\n", nb(res.Regressions, "regression"), nb(res.Improvements, "improvement"), res.Noisy)
	}

	// The tail: geomeans and where the full table is.
	var tail strings.Builder
	writeGeomeans(&tail, d, rows, hl, bl)
	if opt.FullTable != "" {
		fmt.Fprintf(&tail, "Full table (%d benchmark/unit pairs, primary metrics marked): `%s` (on CI: in the run's artifacts).\n", len(rows), displayPath(opt.FullTable, opt.RelTo))
	} else {
		fmt.Fprintf(&tail, "Full table (%d benchmark/unit pairs): not written here; `report -pr -full FILE` writes it, and `scripts/compare.sh %s %s` gives benchstat's.\n",
			len(rows), displayPath(b.Files[0], opt.RelTo), displayPath(h.Files[0], opt.RelTo))
	}

	// The tables get what the head and tail leave, the counted rows first;
	// rows are cut whole.
	const otherLine = 200 // room kept for the line about the other rows
	budget := maxChars - utf8.RuneCountInString(head.String()) - utf8.RuneCountInString(tail.String()) - otherLine
	var body strings.Builder
	if len(main) > 0 {
		hdr := append(prHeader(bl, hl), "")
		var cells [][]string
		for _, r := range main {
			cells = append(cells, append(prCells(r), verdict(r)))
		}
		budget -= writeBoundedTable(&body, hdr, cells, budget, "more counted benchmark(s) did not fit: see the full table")
	}
	budget += otherLine
	if len(other) > 0 && budget > 2*otherLine {
		var cells [][]string
		for _, r := range other {
			cells = append(cells, prCells(r))
		}
		open := fmt.Sprintf("<details><summary>%d other significant row(s): units that are not their benchmark's primary metric, or have no direction (not counted)</summary>\n\n", len(other))
		const closing = "</details>\n\n"
		room := budget - utf8.RuneCountInString(open) - utf8.RuneCountInString(closing)
		body.WriteString(open)
		writeBoundedTable(&body, prHeader(bl, hl), cells, room, "more rows did not fit: see the full table")
		body.WriteString(closing)
	} else if len(other) > 0 {
		fmt.Fprintf(&body, "%d other significant row(s) (not their benchmark's primary metric; not counted) did not fit: see the full table.\n\n", len(other))
	}
	_, err := io.WriteString(w, head.String()+body.String()+tail.String())
	return res, err
}

// writeBoundedTable writes a Markdown table of as many whole rows as fit
// in room characters, then a line counting the rows left out (with why).
// It returns the characters written.
func writeBoundedTable(w *strings.Builder, hdr []string, rows [][]string, room int, why string) int {
	start := utf8.RuneCountInString(w.String())
	var tb strings.Builder
	markdown.WriteTable(&tb, hdr, nil, nil)
	tbl := strings.TrimSuffix(tb.String(), "\n")
	const cutNote = 120 // room kept for the line about the rows left out
	used := utf8.RuneCountInString(tbl) + 1
	var lines []string
	total := used
	for _, row := range rows {
		l := "| " + strings.Join(row, " | ") + " |\n"
		lines = append(lines, l)
		total += utf8.RuneCountInString(l)
	}
	kept := len(lines)
	if total > room { // cut: keep room for the line about the rest
		kept = 0
		for _, l := range lines {
			n := utf8.RuneCountInString(l)
			if used+n+cutNote > room {
				break
			}
			used += n
			kept++
		}
	}
	lines = lines[:kept]
	if kept == 0 {
		fmt.Fprintf(w, "%d row(s) did not fit: see the full table.\n\n", len(rows))
		return utf8.RuneCountInString(w.String()) - start
	}
	w.WriteString(tbl)
	for _, l := range lines {
		w.WriteString(l)
	}
	w.WriteString("\n")
	if kept < len(rows) {
		fmt.Fprintf(w, "… %d %s.\n\n", len(rows)-kept, why)
	}
	return utf8.RuneCountInString(w.String()) - start
}

// writeGeomeans writes, per package, the geometric mean of the head/base
// time factors of the benchmarks' primary metrics (above 1 = slower), like
// benchstat's geomean row in the comment's sign convention. It is a factor
// only: a percentage would mix the throughput and time conventions.
func writeGeomeans(w io.Writer, d *results.Dataset, rows []prRow, hl, bl string) {
	sum := map[string]float64{}
	cnt := map[string]int{}
	var pkgs []string
	for _, r := range rows {
		if !r.primary || !overhead.Finite(r.slow) || r.slow <= 0 {
			continue
		}
		pkg := strings.TrimPrefix(d.Pkg(r.id), "github.com/teebench/teebench/")
		if pkg == "" {
			pkg = "(no pkg:)"
		}
		if cnt[pkg] == 0 {
			pkgs = append(pkgs, pkg)
		}
		sum[pkg] += math.Log(r.slow)
		cnt[pkg]++
	}
	if len(pkgs) == 0 {
		return
	}
	sort.Strings(pkgs)
	var lines [][]string
	for _, p := range pkgs {
		g := math.Exp(sum[p] / float64(cnt[p]))
		lines = append(lines, []string{p, strconv.Itoa(cnt[p]), fmt.Sprintf("%.3f×", g)})
	}
	fmt.Fprintf(w, "Geomean per package of the benchmarks' %s/%s time × on their primary metrics (above 1 = slower):\n\n", hl, bl)
	markdown.WriteTable(w, []string{"package", "benchmarks", "geomean " + hl + "/" + bl + " time ×"}, lines, nil)
}

// FormatCell renders an arm's summary as the PR comment shows it, the
// number scaled for its unit without the unit's name (the row's unit
// column names it once): "33.10k ±2%", "5.107ms ±82%", or "–" when the arm
// did not measure it.
func formatCell(c overhead.Cell, unit string) string {
	if c.N == 0 {
		return "–"
	}
	return report.NumText(c.Center, unit) + " ±" + c.PctRangeString()
}
