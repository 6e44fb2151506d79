package report

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// saveChart writes p as SVG (or PNG) into the chart directory and links it from the
// current section. Without a chart directory it does nothing.
func (r *renderer) saveChart(p *plot.Plot, name, alt string) {
	if r.opt.ChartDir == "" {
		return
	}
	if r.opt.ChartFormat == "png" {
		name = strings.TrimSuffix(name, ".svg") + ".png"
	}
	if err := p.Save(7*vg.Inch, 4*vg.Inch, filepath.Join(r.opt.ChartDir, name)); err != nil {
		r.chartFailed(fmt.Errorf("writing chart %s: %w", name, err))
		return
	}
	r.charts = append(r.charts, name)
	r.p("![%s](%s)\n\n", alt, r.opt.ChartLink+name)
}

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
	for i, s := range ss {
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
		l.Color = plotutil.Color(i)
		pts.Color = plotutil.Color(i)
		pts.Shape = plotutil.Shape(i)
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
			eb.Color = plotutil.Color(i)
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

func (r *renderer) scalingChart(ids []ID, one1 ID, has1 bool) {
	if r.opt.ChartDir == "" {
		return
	}
	ids = positive(ids, "threads")
	if !has1 || len(ids) < 2 {
		return
	}
	p := newPlot("7-Zip scaling efficiency", "threads", "efficiency (%)")
	var ss []series
	for i, a := range r.d.Arms {
		s := series{name: a.Label}
		t1 := r.median(one1, "MIPS", i)
		for _, id := range ids {
			n := numOf(id.Get("threads"))
			e := efficiency(r.median(id, "MIPS", i), t1, n)
			if !math.IsNaN(e) && !math.IsInf(e, 0) {
				s.xys = append(s.xys, plotter.XY{X: n, Y: e * 100})
			}
		}
		ss = append(ss, s)
	}
	for _, env := range []string{"TEE CVM", "bare metal"} {
		s := series{name: "published " + env, ref: true}
		for _, t := range []int{1, 2, 4, 8, 16, 32} {
			for _, pb := range lookupPublished("7z/efficiency", fmt.Sprintf("/threads=%d/", t), true) {
				if pb.Env == env {
					s.xys = append(s.xys, plotter.XY{X: float64(t), Y: pb.Value * 100})
				}
			}
		}
		ss = append(ss, s)
	}
	p.X.Scale = plot.LogScale{}
	var ticks []plot.Tick
	for _, id := range ids {
		ticks = append(ticks, plot.Tick{Value: numOf(id.Get("threads")), Label: id.Get("threads")})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if r.lines(p, ss) {
		r.saveChart(p, "scaling-efficiency.svg", "7-Zip scaling efficiency vs threads, each arm and the published tables")
	}
}

func (r *renderer) gatewayChart(path, ka string) {
	if r.opt.ChartDir == "" {
		return
	}
	client := prefer(Distinct(r.d.Find("Gateway"), "client"), "go", "ab", "wrk")[0]
	ids := positive(r.d.FindSorted("Gateway", "c", "path="+path, "keepalive="+ka, "client="+client), "c")
	if len(ids) < 2 {
		return
	}
	p := newPlot(fmt.Sprintf("Gateway P99 latency (%s, keepalive=%s, client=%s), median and 95%% CI", path, ka, client), "concurrency", "P99 latency (ms)")
	var ss []series
	for i, a := range r.d.Arms {
		s := series{name: a.Label}
		for _, id := range ids {
			c, _ := summarize(r.d.Units.GetAssumption("lat-p99-sec"), r.d.Values(id, "lat-p99-sec", i))
			if c.N > 0 {
				s.xys = append(s.xys, plotter.XY{X: numOf(id.Get("c")), Y: c.Center * 1e3})
				s.errs = append(s.errs, ciErr(c, 1e3))
			}
		}
		ss = append(ss, s)
	}
	p.Legend.Left = true
	p.X.Scale = plot.LogScale{}
	var ticks []plot.Tick
	for _, id := range ids {
		ticks = append(ticks, plot.Tick{Value: numOf(id.Get("c")), Label: id.Get("c")})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if r.lines(p, ss) {
		p.X.Min, p.X.Max = ticks[0].Value/1.15, ticks[len(ticks)-1].Value*1.15
		r.saveChart(p, "gateway-p99.svg", "Gateway P99 latency vs concurrency per arm")
	}
}

func (r *renderer) storageChart(eng string) {
	if r.opt.ChartDir == "" {
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
	if r.opt.ChartDir == "" {
		return
	}
	var names []string
	vals := make([][]float64, len(r.d.Arms))
	for _, model := range Distinct(r.d.Find("Serve"), "model") {
		id, ok := one(r.d.Find("Serve", "model="+model, "rate=1"))
		if !ok {
			id, ok = one(r.d.Find("Serve", "model="+model, "concurrency=1"))
		}
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
