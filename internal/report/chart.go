package report

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart size: every chart is drawn on this canvas.
const (
	chartW = 7 * vg.Inch
	chartH = 4 * vg.Inch
)

// namedPlot is a drawn chart and its file name (kept for tests).
type namedPlot struct {
	name string
	p    *plot.Plot
}

// saveChart writes p as SVG (or PNG) into the chart directory and links it from the
// current section. Without a chart directory it does nothing.
func (r *renderer) saveChart(p *plot.Plot, name, alt string) {
	if r.opt.keepPlots {
		r.plots = append(r.plots, namedPlot{name, p})
	}
	if r.opt.ChartDir == "" {
		return
	}
	if r.opt.ChartFormat == "png" {
		name = strings.TrimSuffix(name, ".svg") + ".png"
	}
	if err := saveChart(p, filepath.Join(r.opt.ChartDir, name), r.opt.ChartFormat == "png"); err != nil {
		r.chartFailed(fmt.Errorf("writing chart %s: %w", name, err))
		return
	}
	r.p("![%s](%s)\n\n", alt, r.opt.ChartLink+name)
}

// chartMargin is the blank border around every chart: gonum places the
// title and the y-axis label flush with the canvas edge, and font ascents
// reach a point or two past it.
const chartMargin = 4 * vg.Millimeter / 2

// drawChart draws p on c inside the margin. Every chart file and the
// chart test draw through it.
func drawChart(p *plot.Plot, c vg.CanvasSizer) {
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, chartMargin, -chartMargin, chartMargin, -chartMargin))
}

// saveChart writes p to path as SVG, or PNG when png is set.
func saveChart(p *plot.Plot, path string, png bool) error {
	var w io.WriterTo
	if png {
		c := vgimg.New(chartW, chartH)
		drawChart(p, c)
		w = vgimg.PngCanvas{Canvas: c}
	} else {
		c := vgsvg.New(chartW, chartH)
		drawChart(p, c)
		w = c
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// charting reports whether charts are drawn at all.
func (r *renderer) charting() bool { return r.opt.ChartDir != "" || r.opt.keepPlots }

// positive keeps the IDs whose name part key is a positive finite number:
// the x values of a log-scale axis.
func positive(ids []ID, key string) []ID {
	var out []ID
	for _, id := range ids {
		if v := numOf(id.Get(key)); v > 0 && finite(v) {
			out = append(out, id)
		}
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// chartFailed notes a chart that could not be drawn in the report; the
// tables, which carry the figures, are still written.
func (r *renderer) chartFailed(err error) {
	r.p("*Chart not drawn: %s.*\n\n", esc(err.Error()))
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// lineChart draws one line per arm (plus optional reference lines).
type series struct {
	name string
	xys  plotter.XYs
	// errs, when set, are the 95% CI of each point as distances below and
	// above it (0 where the CI is unbounded).
	errs plotter.YErrors
	ref  bool
	// color is the palette index: an arm keeps its index (its position on
	// the command line) in every chart; published curves come after the
	// arms.
	color int
}

// xyErrs joins points and their error bars for plotter.NewYErrorBars.
type xyErrs struct {
	plotter.XYs
	plotter.YErrors
}

// ciErr returns the CI of a summary around its center, scaled, as an
// error bar; an unbounded CI gives no bar.
func ciErr(c Cell, scale float64) struct{ Low, High float64 } {
	if c.N == 0 || !finite(c.Lo) || !finite(c.Hi) {
		return struct{ Low, High float64 }{}
	}
	return struct{ Low, High float64 }{(c.Center - c.Lo) * scale, (c.Hi - c.Center) * scale}
}

func (r *renderer) lines(p *plot.Plot, ss []series) bool {
	n := 0
	for _, s := range ss {
		var xys plotter.XYs
		var errs plotter.YErrors
		for j, xy := range s.xys {
			if finite(xy.X) && finite(xy.Y) {
				xys = append(xys, xy)
				if len(s.errs) == len(s.xys) {
					errs = append(errs, s.errs[j])
				}
			}
		}
		s.xys, s.errs = xys, errs
		if len(s.xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			r.chartFailed(fmt.Errorf("chart %q: %w", s.name, err))
			return false
		}
		l.Color = plotutil.Color(s.color)
		pts.Color = plotutil.Color(s.color)
		pts.Shape = plotutil.Shape(s.color)
		if s.ref {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
		if len(s.errs) == len(s.xys) {
			eb, err := plotter.NewYErrorBars(xyErrs{s.xys, s.errs})
			if err != nil {
				r.chartFailed(fmt.Errorf("chart %q error bars: %w", s.name, err))
				return false
			}
			eb.Color = plotutil.Color(s.color)
			p.Add(eb)
		}
		n++
	}
	return n > 0
}

// bars draws grouped bars: one group per category, one bar per arm.
// Categories where some arm has no value are left out.
func (r *renderer) bars(p *plot.Plot, cats []string, vals [][]float64) bool {
	var keep []int
	for j := range cats {
		ok := true
		for i := range vals {
			ok = ok && finite(vals[i][j])
		}
		if ok {
			keep = append(keep, j)
		}
	}
	if len(keep) == 0 {
		return false
	}
	var names []string
	for _, j := range keep {
		names = append(names, cats[j])
	}
	w := vg.Points(60 / float64(len(vals)))
	for i, a := range r.d.Arms {
		var v plotter.Values
		for _, j := range keep {
			v = append(v, vals[i][j])
		}
		b, err := plotter.NewBarChart(v, w)
		if err != nil {
			r.chartFailed(fmt.Errorf("bar chart: %w", err))
			return false
		}
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(len(vals)-1)/2)
		p.Add(b)
		p.Legend.Add(a.Label, b)
	}
	p.NominalX(names...)
	p.Y.Min = 0
	p.Y.Max *= 1.25 // room for the legend
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	return true
}

// logTicks marks every x value in xs (sorted, positive) on a log axis
// and pads the axis so that the first and last labels stay inside.
func logTicks(p *plot.Plot, xs []float64, label func(float64) string) {
	slices.Sort(xs)
	xs = slices.Compact(xs)
	var ticks []plot.Tick
	for _, x := range xs {
		ticks = append(ticks, plot.Tick{Value: x, Label: label(x)})
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if len(xs) > 0 {
		p.X.Min, p.X.Max = xs[0]/1.2, xs[len(xs)-1]*1.2
	}
}

func (r *renderer) scalingChart(ids []ID, one1 ID, has1 bool) {
	if !r.charting() {
		return
	}
	ids = positive(ids, "threads")
	if !has1 || len(ids) < 2 {
		return
	}
	p := newPlot("7-Zip scaling efficiency (dashed: published)", "threads", "efficiency (%)")
	var ss []series
	var xs []float64
	for i, a := range r.d.Arms {
		s := series{name: a.Label, color: i}
		t1 := r.median(one1, "MIPS", i)
		for _, id := range ids {
			n := numOf(id.Get("threads"))
			e := efficiency(r.median(id, "MIPS", i), t1, n)
			if finite(e) {
				s.xys = append(s.xys, plotter.XY{X: n, Y: e * 100})
				xs = append(xs, n)
			}
		}
		ss = append(ss, s)
	}
	for k, env := range []string{"TEE CVM", "bare metal"} {
		s := series{name: "published " + env, ref: true, color: len(r.d.Arms) + k}
		for _, t := range []int{1, 2, 4, 8, 16, 32} {
			if v := publishedEfficiency(env, fmt.Sprint(t)); finite(v) {
				s.xys = append(s.xys, plotter.XY{X: float64(t), Y: v * 100})
				xs = append(xs, float64(t))
			}
		}
		ss = append(ss, s)
	}
	logTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
	if r.lines(p, ss) {
		p.Y.Min = 0
		p.Y.Max *= 1.35 // room for the legend above the curves
		r.saveChart(p, "scaling-efficiency.svg", "7-Zip scaling efficiency vs threads, each arm and the published tables (dashed)")
	}
}

func (r *renderer) gatewayChart(path, ka string) {
	if !r.charting() {
		return
	}
	client := prefer(Distinct(r.d.Find("Gateway"), "client"), "go", "ab", "wrk")[0]
	ids := positive(r.d.FindSorted("Gateway", "c", "path="+path, "keepalive="+ka, "client="+client), "c")
	if len(ids) < 2 {
		return
	}
	p := newPlot(fmt.Sprintf("Gateway P99 latency, median and 95%% CI\n(path=%s, keepalive=%s, client=%s)", path, ka, client), "concurrency", "P99 latency (ms)")
	var ss []series
	var xs []float64
	for i, a := range r.d.Arms {
		s := series{name: a.Label, color: i}
		for _, id := range ids {
			c, _ := summarize(r.d.Units.GetAssumption("lat-p99-sec"), r.d.Values(id, "lat-p99-sec", i))
			if c.N > 0 {
				s.xys = append(s.xys, plotter.XY{X: numOf(id.Get("c")), Y: c.Center * 1e3})
				s.errs = append(s.errs, ciErr(c, 1e3))
				xs = append(xs, numOf(id.Get("c")))
			}
		}
		ss = append(ss, s)
	}
	p.Legend.Left = true
	logTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
	if r.lines(p, ss) {
		r.saveChart(p, "gateway-p99.svg", "Gateway P99 latency vs concurrency per arm")
	}
}

// rateChart draws the open-loop sweep: P99 latency against the offered
// rate, one line per arm and path.
func (r *renderer) rateChart(rate []ID) {
	if !r.charting() {
		return
	}
	paths := prefer(Distinct(rate, "path"), "tls-proxy", "direct")
	p := newPlot("Open loop: P99 latency vs offered rate, median and 95% CI", "offered rate (req/s)", "P99 latency (ms)")
	var ss []series
	var xs []float64
	for i, a := range r.d.Arms {
		for k, path := range paths {
			ids := positive(r.d.FindSorted("GatewayRate", "rate", "path="+path), "rate")
			s := series{name: a.Label + " " + path, color: i, ref: k > 0}
			for _, id := range ids {
				c, _ := summarize(r.d.Units.GetAssumption("lat-p99-sec"), r.d.Values(id, "lat-p99-sec", i))
				if c.N > 0 {
					s.xys = append(s.xys, plotter.XY{X: numOf(id.Get("rate")), Y: c.Center * 1e3})
					s.errs = append(s.errs, ciErr(c, 1e3))
					xs = append(xs, numOf(id.Get("rate")))
				}
			}
			ss = append(ss, s)
		}
	}
	if len(xs) < 2 {
		return
	}
	p.Legend.Left = true
	logTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
	if r.lines(p, ss) {
		p.Y.Min = 0
		p.Y.Max *= 1.35
		r.saveChart(p, "gateway-open-loop.svg", "Open-loop P99 latency vs offered rate per arm and path")
	}
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
	var names []string
	vals := make([][]float64, len(r.d.Arms))
	for _, c := range cats {
		id, ok := one(r.d.Find("Fio", "job="+c.job, "engine="+eng))
		if !ok {
			continue
		}
		names = append(names, c.name)
		for i := range r.d.Arms {
			vals[i] = append(vals[i], r.median(id, c.unit, i)/1e3)
		}
	}
	if len(names) == 0 {
		return
	}
	p := newPlot("Storage IOPS (engine="+eng+", 4K)", "", "kIOPS")
	if r.bars(p, names, vals) {
		r.saveChart(p, "storage-iops.svg", "Storage IOPS per arm")
	}
}

func (r *renderer) llmChart() {
	if !r.charting() {
		return
	}
	var names []string
	vals := make([][]float64, len(r.d.Arms))
	for _, model := range Distinct(r.d.Find("Serve"), "model") {
		id, ok := r.d.llmLatencyRun(model)
		if !ok {
			continue
		}
		for _, m := range []struct{ unit, name string }{{"ttft-mean-sec", "TTFT"}, {"itl-mean-sec", "ITL"}} {
			names = append(names, model+" "+m.name)
			for i := range r.d.Arms {
				vals[i] = append(vals[i], r.median(id, m.unit, i)*1e3)
			}
		}
	}
	if len(names) == 0 {
		return
	}
	p := newPlot("LLM mean TTFT and ITL", "", "ms")
	p.X.Tick.Label.Rotation = math.Pi / 8
	p.X.Tick.Label.XAlign = draw.XRight
	if r.bars(p, names, vals) {
		r.saveChart(p, "llm-latency.svg", "LLM mean TTFT and ITL per arm")
	}
}
