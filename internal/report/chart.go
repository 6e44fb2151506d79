package report

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/chart"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// The report's charts (§ sections and the overhead charts), drawn with
// internal/report/chart: this file picks each chart's data from the
// Dataset; chart's package doc states the drawing rules (figure layout,
// the colour rule, whiskers).

// namedPlot is a drawn chart and its file name (kept for tests).
type namedPlot struct {
	name string
	f    *chart.Figure
}

// saveChart writes f as SVG (or PNG) into the chart directory and links it
// from the current section. Without a chart directory it does nothing.
func (r *renderer) saveChart(f *chart.Figure, name, alt string) {
	if r.opt.keepPlots {
		r.plots = append(r.plots, namedPlot{name, f})
	}
	if r.opt.ChartDir == "" {
		return
	}
	if r.opt.ChartFormat == "png" {
		name = strings.TrimSuffix(name, ".svg") + ".png"
	}
	if err := chart.SaveChart(f, filepath.Join(r.opt.ChartDir, name), r.opt.ChartFormat == "png"); err != nil {
		r.chartFailed(fmt.Errorf("writing chart %s: %w", name, err))
		return
	}
	r.add(&blocks.Chart{Path: r.opt.ChartLink + name, Alt: alt, Title: f.Title})
}

// charting reports whether charts are drawn at all.
func (r *renderer) charting() bool { return r.opt.ChartDir != "" || r.opt.keepPlots }

// positive keeps the IDs whose name part key is a positive finite number:
// the x values of a log-scale axis.
func positive(ids []results.ID, key string) []results.ID {
	var out []results.ID
	for _, id := range ids {
		if v := results.PartValue(id.Get(key)); v > 0 && overhead.Finite(v) {
			out = append(out, id)
		}
	}
	return out
}

// chartFailed notes a chart that could not be drawn in the report; the
// tables, which carry the figures, are still written.
func (r *renderer) chartFailed(err error) {
	r.para("*Chart not drawn: %s.*", blocks.Literal(err.Error()))
}

// lines draws the series on panel p and their legend entries on f.
func (r *renderer) lines(f *chart.Figure, p *plot.Plot, ss []chart.Series) bool {
	n := 0
	for _, s := range ss {
		var xys plotter.XYs
		for _, xy := range s.XYs {
			if overhead.Finite(xy.X) && overhead.Finite(xy.Y) {
				xys = append(xys, xy)
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			r.chartFailed(fmt.Errorf("chart %q: %w", s.Name, err))
			return false
		}
		var clr color.Color = chart.PublishedColor
		shape := chart.PublishedShape(s.Color)
		if s.Published {
			l.Dashes = chart.PublishedDashes
		} else {
			clr, shape = chart.ArmColor(r.d, s.Color), chart.ArmShape(s.Color)
			if s.Variant {
				l.Dashes = chart.VariantDashes
			}
		}
		l.Color, pts.Color, pts.Shape = clr, clr, shape
		if !s.Published && s.Color == 0 {
			// The baseline drawn wider, so that an arm on top of it (the
			// same figures) leaves it visible at the edges.
			l.Width, pts.Radius = vg.Points(2.5), vg.Points(3.5)
		}
		p.Add(l, pts)
		f.Add(s.Name, l, pts)
		if len(s.CI) > 0 {
			eb, err := plotter.NewYErrorBars(chart.XYErrs{XYs: s.CI, YErrors: s.Errs})
			if err != nil {
				r.chartFailed(fmt.Errorf("chart %q error bars: %w", s.Name, err))
				return false
			}
			eb.Color = clr
			p.Add(eb)
		}
		n++
	}
	return n > 0
}

// bars draws grouped bars on panel p: one group per category, one bar per
// arm (its colour), a black whisker on a bar with a drawn CI. Categories
// where some arm has no value are left out. The legend entries go to f
// when legend is set (once per figure).
func (r *renderer) bars(f *chart.Figure, p *plot.Plot, groups []chart.BarGroup, scale float64, legend bool, ci *chart.CICount) bool {
	var keep []chart.BarGroup
	for _, g := range groups {
		ok := len(g.Cells) == len(r.d.Arms)
		for _, c := range g.Cells {
			ok = ok && c.N > 0 && overhead.Finite(c.Center)
		}
		if ok {
			keep = append(keep, g)
		}
	}
	if len(keep) == 0 {
		return false
	}
	k := len(r.d.Arms)
	w := 0.8 / float64(k)
	var names []string
	for _, g := range keep {
		names = append(names, g.Name)
	}
	for i, a := range r.d.Arms {
		b := &chart.BarSet{Width: w * 0.9, Color: chart.ArmColor(r.d, i)}
		var ci0 plotter.XYs
		var errs plotter.YErrors
		for j, g := range keep {
			x := float64(j) + (float64(i)-float64(k-1)/2)*w
			c := g.Cells[i]
			b.Xs, b.Ys = append(b.Xs, x), append(b.Ys, c.Center*scale)
			if e, ok := ci.Err(c, scale); ok {
				ci0 = append(ci0, plotter.XY{X: x, Y: c.Center * scale})
				errs = append(errs, e)
			}
		}
		p.Add(b)
		if len(ci0) > 0 {
			eb, err := plotter.NewYErrorBars(chart.XYErrs{XYs: ci0, YErrors: errs})
			if err != nil {
				r.chartFailed(fmt.Errorf("bar chart error bars: %w", err))
				return false
			}
			eb.Color = chart.PublishedColor
			eb.CapWidth = vg.Points(4)
			p.Add(eb)
		}
		if legend {
			f.Add(a.Label, b)
		}
	}
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, p.Y.Max*1.05
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	return true
}

func (r *renderer) scalingChart(ids []results.ID, one1 results.ID, has1 bool) {
	if !r.charting() {
		return
	}
	ids = positive(ids, "threads")
	if !has1 || len(ids) < 2 {
		return
	}
	f, p := chart.NewPlot("7-Zip scaling efficiency, from the median MIPS per thread count", "threads", "efficiency (%)")
	var ss []chart.Series
	var xs []float64
	for i, a := range r.d.Arms {
		s := chart.Series{Name: a.Label, Color: i}
		t1 := r.median(one1, "MIPS", i)
		for _, id := range ids {
			n := results.PartValue(id.Get("threads"))
			e := efficiency(r.median(id, "MIPS", i), t1, n)
			if overhead.Finite(e) {
				s.XYs = append(s.XYs, plotter.XY{X: n, Y: e * 100})
				xs = append(xs, n)
			}
		}
		ss = append(ss, s)
	}
	for k, env := range []string{"TEE CVM", "bare metal"} {
		s := chart.Series{Name: "published " + env, Published: true, Color: k}
		for _, t := range []int{1, 2, 4, 8, 16, 32} {
			if v := publishedEfficiency(env, fmt.Sprint(t)); overhead.Finite(v) {
				s.XYs = append(s.XYs, plotter.XY{X: float64(t), Y: v * 100})
				xs = append(xs, float64(t))
			}
		}
		ss = append(ss, s)
	}
	chart.LogTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
	if r.lines(f, p, ss) {
		p.Y.Min, p.Y.Max = 0, p.Y.Max*1.05
		r.saveChart(f, "scaling-efficiency.svg", "7-Zip scaling efficiency vs threads, each arm and the published tables (dashed)")
	}
}

func (r *renderer) gatewayChart(path, ka string) {
	if !r.charting() {
		return
	}
	client := prefer(results.Distinct(r.d.Find("Gateway"), "client"), "go", "ab", "wrk")[0]
	ids := positive(r.d.FindSorted("Gateway", "c", "path="+path, "keepalive="+ka, "client="+client), "c")
	if len(ids) < 2 {
		return
	}
	f, p := chart.NewPlot("", "concurrency", "P99 latency (ms)")
	var ss []chart.Series
	var xs []float64
	var ci chart.CICount
	for i, a := range r.d.Arms {
		s := chart.Series{Name: a.Label, Color: i}
		xs = r.p99Points(&s, &ci, ids, i, "c", xs)
		ss = append(ss, s)
	}
	f.Title = fmt.Sprintf("Gateway P99 latency, %s\n(path=%s, keepalive=%s, client=%s)", ci.Phrase(), path, ka, client)
	chart.LogTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
	if r.lines(f, p, ss) {
		p.Y.Min, p.Y.Max = 0, p.Y.Max*1.05
		r.saveChart(f, "gateway-p99.svg", "Gateway P99 latency vs concurrency per arm")
	}
}

// p99Points adds to s the P99 latency (ms) of arm at each of ids, against
// the key x of its name, and returns xs with the x values it plotted.
func (r *renderer) p99Points(s *chart.Series, ci *chart.CICount, ids []results.ID, arm int, x string, xs []float64) []float64 {
	for _, id := range ids {
		c, _ := overhead.Summarize(r.d.Units.GetAssumption("lat-p99-sec"), r.d.Values(id, "lat-p99-sec", arm))
		if c.N > 0 {
			e, ok := ci.Err(c, 1e3)
			s.AddPoint(results.PartValue(id.Get(x)), c.Center*1e3, e, ok)
			xs = append(xs, results.PartValue(id.Get(x)))
		}
	}
	return xs
}

// rateChart draws the open-loop sweep: P99 latency against the offered
// rate, one line per arm and path (the second path dotted).
func (r *renderer) rateChart(rate []results.ID) {
	if !r.charting() {
		return
	}
	paths := prefer(results.Distinct(rate, "path"), "tls-proxy", "direct")
	f, p := chart.NewPlot("", "offered rate (req/s)", "P99 latency (ms)")
	var ss []chart.Series
	var xs []float64
	var ci chart.CICount
	for i, a := range r.d.Arms {
		for k, path := range paths {
			ids := positive(r.d.FindSorted("GatewayRate", "rate", "path="+path), "rate")
			s := chart.Series{Name: a.Label + " " + path, Color: i, Variant: k > 0}
			xs = r.p99Points(&s, &ci, ids, i, "rate", xs)
			ss = append(ss, s)
		}
	}
	if len(xs) < 2 {
		return
	}
	f.Title = "Open loop: P99 latency vs offered rate,\n" + ci.Phrase()
	chart.LogTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
	if r.lines(f, p, ss) {
		p.Y.Min, p.Y.Max = 0, p.Y.Max*1.05
		r.saveChart(f, "gateway-open-loop.svg", "Open-loop P99 latency vs offered rate per arm and path")
	}
}

// cells returns every arm's summary of a benchmark and unit.
func (r *renderer) cells(id results.ID, unit string) []overhead.Cell {
	cs := make([]overhead.Cell, len(r.d.Arms))
	for i := range r.d.Arms {
		cs[i], _ = overhead.Summarize(r.d.Units.GetAssumption(unit), r.d.Values(id, unit, i))
	}
	return cs
}

func (r *renderer) storageChart(eng string) {
	if !r.charting() {
		return
	}
	type cat struct{ job, unit, name string }
	cats := []cat{
		{"read_iops", "IOPS", "rand read"},
		{"write_iops", "IOPS", "rand write"},
		{"rw_mix", "read-IOPS", "mix read"},
		{"rw_mix", "write-IOPS", "mix write"},
	}
	var groups []chart.BarGroup
	for _, c := range cats {
		id, ok := one(r.d.Find("Fio", "job="+c.job, "engine="+eng))
		if !ok {
			continue
		}
		groups = append(groups, chart.BarGroup{Name: c.name, Cells: r.cells(id, c.unit)})
	}
	if len(groups) == 0 {
		return
	}
	f, p := chart.NewPlot("", "", "kIOPS")
	var ci chart.CICount
	if r.bars(f, p, groups, 1e-3, true, &ci) {
		f.Title = "Storage IOPS (engine=" + eng + ", 4 KiB blocks), " + ci.Phrase()
		r.saveChart(f, "storage-iops.svg", "Storage IOPS per arm")
	}
}

// llmChart draws mean TTFT and mean ITL in two panels with their own
// axes: the first token takes hundreds of milliseconds, the next ones
// below one, and on one axis ITL would be invisible.
func (r *renderer) llmChart() {
	if !r.charting() {
		return
	}
	var ttft, itl []chart.BarGroup
	for _, model := range results.Distinct(r.d.Find("Serve"), "model") {
		id, ok := llmLatencyRun(r.d, model)
		if !ok {
			continue
		}
		ttft = append(ttft, chart.BarGroup{Name: model, Cells: r.cells(id, "ttft-mean-sec")})
		itl = append(itl, chart.BarGroup{Name: model, Cells: r.cells(id, "itl-mean-sec")})
	}
	if len(ttft) == 0 {
		return
	}
	f := &chart.Figure{}
	var ci chart.CICount
	drawn := false
	for k, pn := range []struct {
		name   string
		groups []chart.BarGroup
	}{{"mean TTFT (ms)", ttft}, {"mean ITL (ms)", itl}} {
		p := chart.NewPanel("model", pn.name)
		if r.bars(f, p, pn.groups, 1e3, !drawn, &ci) {
			f.Panels = append(f.Panels, p)
			drawn = true
		} else if k == 0 {
			continue
		}
	}
	if !drawn {
		return
	}
	f.Title = "LLM mean time to first token and inter-token latency,\n" + ci.Phrase() + " (panels have their own axes)"
	r.saveChart(f, "llm-latency.svg", "LLM mean TTFT and ITL per arm")
}

// OverheadPoint is one figure of an area's overhead chart: the TEE cost
// in percent ("+ = worse": a throughput's drop or a time's rise) with its
// 95% CI, and the published overhead of the same figure.
type OverheadPoint struct {
	Label        string
	Cost, Lo, Hi float64 // percent; Lo, Hi NaN when there is no CI
	Published    float64 // percent; NaN when none
	// Group names the table the point comes from (its engine, metric or
	// case); it is added to a label that would otherwise repeat.
	Group string
}

// distinctLabels appends its group to every label that more than one
// point carries, so a chart never shows two rows with the same name.
func distinctLabels(pts []OverheadPoint) {
	n := map[string]int{}
	for _, p := range pts {
		n[p.Label]++
	}
	for i, p := range pts {
		if n[p.Label] > 1 && p.Group != "" && !strings.Contains(p.Label, p.Group) {
			pts[i].Label = p.Label + " (" + p.Group + ")"
		}
	}
}

// overheadChart draws an area's TEE costs as a dot plot, one row per
// figure (its label on the left): the cost as a dot in the first TEE
// arm's colour with its 95% CI as whiskers, the published overhead as a
// black ×, and the zero line. Points without a finite cost are left out.
func (r *renderer) overheadChart(area string, pts []OverheadPoint) {
	if !r.charting() {
		return
	}
	distinctLabels(pts)
	var keep []OverheadPoint
	for _, pt := range pts {
		if overhead.Finite(pt.Cost) {
			keep = append(keep, pt)
		}
	}
	if len(keep) == 0 {
		return
	}
	n := len(keep)
	f, p := chart.NewPlot("", "TEE cost (%), + = worse", "")
	// A row per point: 20 points each, beyond what the default canvas holds.
	if need := vg.Length(n)*20 + 110; need > chart.ChartH {
		f.Height = need
	}
	row := func(i int) float64 { return float64(n - 1 - i) }
	var cost, ci0, pub plotter.XYs
	var errs plotter.XErrors
	var ticks []plot.Tick
	lo, hi := 0.0, 0.0
	for i, pt := range keep {
		y := row(i)
		ticks = append(ticks, plot.Tick{Value: y, Label: pt.Label})
		cost = append(cost, plotter.XY{X: pt.Cost, Y: y})
		lo, hi = math.Min(lo, pt.Cost), math.Max(hi, pt.Cost)
		if overhead.Finite(pt.Lo) && overhead.Finite(pt.Hi) {
			ci0 = append(ci0, plotter.XY{X: pt.Cost, Y: y})
			errs = append(errs, struct{ Low, High float64 }{pt.Cost - pt.Lo, pt.Hi - pt.Cost})
			lo, hi = math.Min(lo, pt.Lo), math.Max(hi, pt.Hi)
		}
	}
	// The axis spans the costs, their CIs and zero, and the published
	// figures unless one lies further out than twice that span (the
	// published +665% read latency beside measured costs of 20-30%):
	// such a marker sits at the axis end, its value written beside it.
	span := math.Max(hi-lo, 10)
	var far plotter.XYLabels
	for i, pt := range keep {
		if !overhead.Finite(pt.Published) {
			continue
		}
		x := pt.Published
		if x > hi+2*span || x < lo-2*span {
			continue
		}
		pub = append(pub, plotter.XY{X: x, Y: row(i)})
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	pad := math.Max((hi-lo)*0.08, 1)
	for i, pt := range keep {
		if x := pt.Published; overhead.Finite(x) && (x > hi || x < lo) {
			edge := hi + pad*0.5
			if x < lo {
				edge = lo - pad*0.5
			}
			pub = append(pub, plotter.XY{X: edge, Y: row(i)})
			far.XYs = append(far.XYs, plotter.XY{X: edge, Y: row(i)})
			far.Labels = append(far.Labels, fmt.Sprintf("published %+.1f%% (off the axis)", x))
		}
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(n) - 0.5}})
	if err != nil {
		r.chartFailed(fmt.Errorf("overhead chart: %w", err))
		return
	}
	zero.Color = color.Gray{Y: 0x80}
	p.Add(zero)
	// A light guide line along each row (the rows' ticks are minor ones,
	// which the grid skips).
	for i := range keep {
		g, err := plotter.NewLine(plotter.XYs{{X: lo - pad, Y: row(i)}, {X: hi + pad, Y: row(i)}})
		if err != nil {
			r.chartFailed(fmt.Errorf("overhead chart: %w", err))
			return
		}
		g.Color, g.Width = color.Gray{Y: 0xe0}, vg.Points(0.5)
		p.Add(g)
	}
	// The cost has the colour and marker of the first TEE arm.
	var tee color.Color = chart.Vermillion
	teeArm := 1
	for i, a := range r.d.Arms {
		if t := a.EnvValue("tee"); t != "none" && t != "" {
			tee, teeArm = chart.ArmColor(r.d, i), i
			break
		}
	}
	if len(ci0) > 0 {
		eb, err := plotter.NewXErrorBars(struct {
			plotter.XYs
			plotter.XErrors
		}{ci0, errs})
		if err != nil {
			r.chartFailed(fmt.Errorf("overhead chart error bars: %w", err))
			return
		}
		eb.Color = tee
		eb.Width = vg.Points(1.5)
		p.Add(eb)
	}
	dots, err := plotter.NewScatter(cost)
	if err != nil {
		r.chartFailed(fmt.Errorf("overhead chart: %w", err))
		return
	}
	dots.Color, dots.Shape, dots.Radius = tee, chart.ArmShape(teeArm), vg.Points(3.5)
	p.Add(dots)
	what := fmt.Sprintf("TEE cost (n < %d: no CI)", chart.CIMinN)
	switch {
	case len(ci0) == n:
		what = "TEE cost, 95% CI"
	case len(ci0) > 0:
		what = fmt.Sprintf("TEE cost, 95%% CI where n ≥ %d", chart.CIMinN)
	}
	f.Add("TEE cost", dots)
	if len(pub) > 0 {
		pm, err := plotter.NewScatter(pub)
		if err != nil {
			r.chartFailed(fmt.Errorf("overhead chart: %w", err))
			return
		}
		pm.Color, pm.Shape, pm.Radius = chart.PublishedColor, chart.PublishedShape(0), vg.Points(4)
		p.Add(pm)
		f.Add("published overhead", pm)
	}
	// The rows' grid lines and tick marks, their labels drawn by the figure.
	var marks []plot.Tick
	for _, t := range ticks {
		marks = append(marks, plot.Tick{Value: t.Value, Label: ""})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(marks)
	f.Rows = ticks
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	if len(far.XYs) > 0 {
		// Written above the marker, ending at it, inside the plot.
		lb, err := plotter.NewLabels(far)
		if err != nil {
			r.chartFailed(fmt.Errorf("overhead chart labels: %w", err))
			return
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i] = chart.TextStyle(chart.LegendSize-1, draw.XRight, draw.YBottom)
		}
		lb.Offset = vg.Point{X: 4, Y: 5}
		p.Add(lb)
	}
	p.X.Min, p.X.Max = lo-pad, hi+pad
	f.Title = area + ": " + what
	r.saveChart(f, "overhead-"+chart.Slug(area)+".svg", area+": TEE cost per figure with its 95% CI and the published overhead")
}
