package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// Charts. Every chart is a figure: its title across the top, one or more
// panels (gonum plots with their own axes), and the legend in a column to
// the right of the panels, outside every plot area, so that it covers no
// data and cannot collide with the title.
//
// One colour rule in every chart and report, on Okabe and Ito's
// colour-blind-safe palette (armColors), by what an arm is, not where it
// stands on the command line, so that a TDX arm is vermillion in every
// report, one-arm or multi-arm:
//   - an arm's colour follows its files' tee value (teeColors): none
//     (the baseline) blue, tdx vermillion, sev-snp bluish green, any
//     other TEE reddish purple; a second arm of the same tee value (another
//     testbed, "tdx#2") takes the kind's second colour (sky blue for none,
//     orange for tdx), further ones go round again;
//   - an arm's marker shape follows its position, so that arms differ
//     without colour too, and the first arm's line is drawn wider, so that
//     an arm with the same figures on top of it leaves it visible;
//   - published figures are always black and dashed, marked × (the
//     published TEE figure, and the published overhead of the overhead
//     chart) or + (published bare metal);
//   - a second variant of an arm in one chart (the open loop's direct
//     path) keeps the arm's colour and is dotted.
//
// Whiskers are the 95% CI of the median, drawn only where a point has at
// least ciMinN samples; titles say which (ciCount.phrase).

// Chart size: every chart is drawn on this canvas (the overhead chart grows
// with its rows).
const (
	chartW = 7 * vg.Inch
	chartH = 4 * vg.Inch
)

// Text sizes of the figure's own parts.
const (
	titleSize  = 12 // points
	legendSize = 10
	// legendRow is the pitch of legend rows: the text's height and a
	// third of it between rows.
	legendRow = vg.Length(legendSize * 1.6)
	thumbW    = vg.Length(22) // legend swatch width
	gap       = vg.Length(8)  // between title, panels and legend
)

// ciMinN is the number of samples per point from which a chart draws its
// 95% CI: below it the order-statistic interval is unbounded or nearly so.
const ciMinN = 6

// Okabe and Ito's palette, without its black (published figures) and
// yellow (too light on white).
var (
	okBlue         = color.RGBA{0x00, 0x72, 0xB2, 0xff}
	okVermillion   = color.RGBA{0xD5, 0x5E, 0x00, 0xff}
	okGreen        = color.RGBA{0x00, 0x9E, 0x73, 0xff}
	okPurple       = color.RGBA{0xCC, 0x79, 0xA7, 0xff}
	okSkyBlue      = color.RGBA{0x56, 0xB4, 0xE9, 0xff}
	okOrange       = color.RGBA{0xE6, 0x9F, 0x00, 0xff}
	teeColors      = map[string][]color.RGBA{"none": {okBlue, okSkyBlue}, "": {okBlue, okSkyBlue}, "tdx": {okVermillion, okOrange}, "sev-snp": {okGreen}}
	otherTEEColors = []color.RGBA{okPurple}
)

// publishedColor is the colour of every published series and marker.
var publishedColor = color.RGBA{0, 0, 0, 0xff}

// armColor is the colour of the arm at position i of d (the rule above).
func armColor(d *results.Dataset, i int) color.Color {
	kind := func(a *results.Arm) string {
		t := a.EnvValue("tee")
		if _, ok := teeColors[t]; ok {
			return t
		}
		return "other"
	}
	k, nth := kind(d.Arms[i]), 0
	for _, a := range d.Arms[:i] {
		if kind(a) == k {
			nth++
		}
	}
	cs, ok := teeColors[k]
	if !ok {
		cs = otherTEEColors
	}
	return cs[nth%len(cs)]
}

// armShape is the marker of the arm at position i.
func armShape(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}
	return shapes[i%len(shapes)]
}

// publishedShape is the marker of published series k: × for the published
// TEE figure, + for published bare metal.
func publishedShape(k int) draw.GlyphDrawer {
	if k%2 == 0 {
		return draw.CrossGlyph{}
	}
	return draw.PlusGlyph{}
}

var (
	publishedDashes = []vg.Length{vg.Points(5), vg.Points(3)}
	variantDashes   = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
)

// figure is one chart: a title, panels side by side, and a legend drawn
// outside them.
type figure struct {
	title  string
	panels []*plot.Plot
	legend []legendEntry
	// h is the canvas height; 0 means chartH.
	h vg.Length
	// rows, when set, label the first panel's y values from the left
	// edge, left-aligned in a column of their own (instead of y tick
	// labels, which gonum right-aligns by its font's widths: a viewer's
	// wider substitute font would push long ones across the axis).
	rows []plot.Tick
}

type legendEntry struct {
	text   string
	thumbs []plot.Thumbnailer
}

func (f *figure) add(text string, thumbs ...plot.Thumbnailer) {
	f.legend = append(f.legend, legendEntry{text, thumbs})
}

// minPanelW is the narrowest a row-labelled figure's plot may get: long
// row labels widen the canvas instead of squeezing the plot.
const minPanelW = 3 * vg.Inch

// size is the figure's canvas size: chartW wide, wider when the row-label
// column, a plot of minPanelW and the legend column need more.
func (f *figure) size() (vg.Length, vg.Length) {
	w, h := chartW, chartH
	if f.h > 0 {
		h = f.h
	}
	if len(f.rows) > 0 {
		need := 2*chartMargin + f.rowsWidth() + gap + minPanelW*vg.Length(len(f.panels))
		if lw := f.legendWidth(); lw > 0 {
			need += gap + thumbW + gap/2 + lw
		}
		w = max(w, need)
	}
	return w, h
}

// The SVG names Liberation Serif, the font gonum measures with; a viewer
// without it substitutes a wider serif (DejaVu Serif, measured 22-29%
// wider on these texts), so text columns keep 35% more room.
const fontSlack = 1.35

// legendWidth is the width of the legend's text column.
func (f *figure) legendWidth() vg.Length {
	return columnWidth(f.legend, func(e legendEntry) string { return e.text })
}

// rowsWidth is the width of the row-label column.
func (f *figure) rowsWidth() vg.Length {
	return columnWidth(f.rows, func(t plot.Tick) string { return t.Label })
}

// columnWidth is the width of a text column, in the legend's size, that
// holds the text of each item (with fontSlack).
func columnWidth[T any](items []T, text func(T) string) vg.Length {
	ts := textStyle(legendSize, draw.XLeft, draw.YCenter)
	var w vg.Length
	for _, it := range items {
		w = max(w, ts.Rectangle(text(it)).Size().X*fontSlack)
	}
	return w
}

func textStyle(size vg.Length, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{Font: font.From(plot.DefaultFont, size), XAlign: xa, YAlign: ya, Handler: plot.DefaultTextHandler}
}

// draw lays the figure out on c: the title on top, the legend column on
// the right below the title, the panels in what is left.
func (f *figure) draw(c draw.Canvas) {
	body := c
	if f.title != "" {
		// Line by line, 1.3 times the size apart: gonum's own line
		// pitch (the size) lets descenders touch the next line's ascenders.
		ts := textStyle(titleSize, draw.XCenter, draw.YTop)
		y := c.Max.Y
		for _, l := range strings.Split(f.title, "\n") {
			c.FillText(ts, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y}, l)
			y -= titleSize * 1.3
		}
		body.Max.Y = y - gap + titleSize*0.3
	}
	if len(f.legend) > 0 {
		ls := textStyle(legendSize, draw.XLeft, draw.YCenter)
		left := body.Max.X - thumbW - gap/2 - f.legendWidth()
		y := body.Max.Y
		for _, e := range f.legend {
			sw := &draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: left, Y: y - legendRow + 2},
				Max: vg.Point{X: left + thumbW, Y: y - 2},
			}}
			for _, t := range e.thumbs {
				t.Thumbnail(sw)
			}
			c.FillText(ls, vg.Point{X: left + thumbW + gap/2, Y: y - legendRow/2}, e.text)
			y -= legendRow
		}
		body.Max.X = left - gap
	}
	var rowX vg.Length
	if len(f.rows) > 0 {
		rowX = body.Min.X
		body.Min.X += f.rowsWidth() + gap
	}
	n := vg.Length(len(f.panels))
	pw := (body.Max.X - body.Min.X - gap*(n-1)) / n
	for i, p := range f.panels {
		sub := body
		sub.Min.X = body.Min.X + vg.Length(i)*(pw+gap)
		sub.Max.X = sub.Min.X + pw
		p.Draw(sub)
		if i == 0 && len(f.rows) > 0 {
			rs := textStyle(legendSize, draw.XLeft, draw.YCenter)
			da := p.DataCanvas(sub)
			for _, t := range f.rows {
				c.FillText(rs, vg.Point{X: rowX, Y: da.Y(p.Y.Norm(t.Value))}, t.Label)
			}
		}
	}
}

// namedPlot is a drawn chart and its file name (kept for tests).
type namedPlot struct {
	name string
	f    *figure
}

// saveChart writes f as SVG (or PNG) into the chart directory and links it
// from the current section. Without a chart directory it does nothing.
func (r *renderer) saveChart(f *figure, name, alt string) {
	if r.opt.keepPlots {
		r.plots = append(r.plots, namedPlot{name, f})
	}
	if r.opt.ChartDir == "" {
		return
	}
	if r.opt.ChartFormat == "png" {
		name = strings.TrimSuffix(name, ".svg") + ".png"
	}
	if err := saveChart(f, filepath.Join(r.opt.ChartDir, name), r.opt.ChartFormat == "png"); err != nil {
		r.chartFailed(fmt.Errorf("writing chart %s: %w", name, err))
		return
	}
	r.p("![%s](%s)\n\n", alt, r.opt.ChartLink+name)
}

// chartMargin is the blank border around every chart: font ascents reach
// a point or two past the box they are placed in.
const chartMargin = 4 * vg.Millimeter / 2

// drawChart draws f on c inside the margin. Every chart file and the
// chart test draw through it.
func drawChart(f *figure, c vg.CanvasSizer) {
	dc := draw.New(c)
	f.draw(draw.Crop(dc, chartMargin, -chartMargin, chartMargin, -chartMargin))
}

// saveChart writes f to path as SVG, or PNG when png is set.
func saveChart(f *figure, path string, png bool) error {
	w, h := f.size()
	var wt io.WriterTo
	if png {
		c := vgimg.New(w, h)
		drawChart(f, c)
		wt = vgimg.PngCanvas{Canvas: c}
	} else {
		c := vgsvg.New(w, h)
		drawChart(f, c)
		wt = c
	}
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := wt.WriteTo(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
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
	r.p("*Chart not drawn: %s.*\n\n", Esc(err.Error()))
}

// newPanel is a plot with axis labels and a grid, without title or legend
// (the figure draws those).
func newPanel(x, y string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.Add(plotter.NewGrid())
	return p
}

// niceTicks marks a linear axis at 1, 2 or 5 times a power of ten, four
// to eight labels, each with no more decimals than the step needs
// (gonum's default marks 0.00 and 250.00 and little between).
type niceTicks struct{}

// Ticks implements plot.Ticker.
func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !overhead.Finite(lo) || !overhead.Finite(hi) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{2, 5, 10} {
		if raw/mag > m*0.75 {
			step = m * mag
		}
	}
	dec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', dec, 64)})
		// An unlabelled minor tick halfway to the next.
		if half := v + step/2; half <= hi {
			ticks = append(ticks, plot.Tick{Value: half})
		}
	}
	return ticks
}

// newPlot is a one-panel figure.
func newPlot(title, x, y string) (*figure, *plot.Plot) {
	p := newPanel(x, y)
	return &figure{title: title, panels: []*plot.Plot{p}}, p
}

// ciCount counts the points of a chart with and without a drawn CI, for
// its title.
type ciCount struct{ with, without int }

// err returns the CI of a summary around its center, scaled, as an error
// bar, and whether it is drawn: only with ciMinN samples and finite
// bounds.
func (n *ciCount) err(c overhead.Cell, scale float64) (struct{ Low, High float64 }, bool) {
	if c.N < ciMinN || !overhead.Finite(c.Lo) || !overhead.Finite(c.Hi) {
		n.without++
		return struct{ Low, High float64 }{}, false
	}
	n.with++
	return struct{ Low, High float64 }{(c.Center - c.Lo) * scale, (c.Hi - c.Center) * scale}, true
}

// phrase says what the points and whiskers are, true to the data.
func (n ciCount) phrase() string {
	switch {
	case n.without == 0 && n.with > 0:
		return "median and 95% CI"
	case n.with == 0:
		return fmt.Sprintf("median (n < %d: no CI)", ciMinN)
	}
	return fmt.Sprintf("median, 95%% CI where n ≥ %d", ciMinN)
}

// series is one line of a line chart.
type series struct {
	name string
	xys  plotter.XYs
	// errs are the drawn CIs of the points in ci (same length).
	errs plotter.YErrors
	ci   plotter.XYs
	// published: black, dashed, marker by color (publishedShape); variant:
	// the arm's colour, dotted.
	published, variant bool
	// color is the arm position, or the published series' index.
	color int
}

// addPoint appends a point and, when drawn, its CI.
func (s *series) addPoint(x, y float64, e struct{ Low, High float64 }, ok bool) {
	s.xys = append(s.xys, plotter.XY{X: x, Y: y})
	if ok {
		s.ci = append(s.ci, plotter.XY{X: x, Y: y})
		s.errs = append(s.errs, e)
	}
}

// xyErrs joins points and their error bars for plotter.NewYErrorBars.
type xyErrs struct {
	plotter.XYs
	plotter.YErrors
}

// lines draws the series on panel p and their legend entries on f.
func (r *renderer) lines(f *figure, p *plot.Plot, ss []series) bool {
	n := 0
	for _, s := range ss {
		var xys plotter.XYs
		for _, xy := range s.xys {
			if overhead.Finite(xy.X) && overhead.Finite(xy.Y) {
				xys = append(xys, xy)
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			r.chartFailed(fmt.Errorf("chart %q: %w", s.name, err))
			return false
		}
		var clr color.Color = publishedColor
		shape := publishedShape(s.color)
		if s.published {
			l.Dashes = publishedDashes
		} else {
			clr, shape = armColor(r.d, s.color), armShape(s.color)
			if s.variant {
				l.Dashes = variantDashes
			}
		}
		l.Color, pts.Color, pts.Shape = clr, clr, shape
		if !s.published && s.color == 0 {
			// The baseline drawn wider, so that an arm on top of it (the
			// same figures) leaves it visible at the edges.
			l.Width, pts.Radius = vg.Points(2.5), vg.Points(3.5)
		}
		p.Add(l, pts)
		f.add(s.name, l, pts)
		if len(s.ci) > 0 {
			eb, err := plotter.NewYErrorBars(xyErrs{s.ci, s.errs})
			if err != nil {
				r.chartFailed(fmt.Errorf("chart %q error bars: %w", s.name, err))
				return false
			}
			eb.Color = clr
			p.Add(eb)
		}
		n++
	}
	return n > 0
}

// barSet is one arm's bars of a grouped bar chart, at x positions and
// width in data units (so that whiskers can sit on them).
type barSet struct {
	xs, ys []float64
	w      float64
	color  color.Color
}

// Plot implements plot.Plotter.
func (b *barSet) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := range b.xs {
		x0, x1 := trX(b.xs[i]-b.w/2), trX(b.xs[i]+b.w/2)
		y0, y1 := trY(0), trY(b.ys[i])
		poly := c.ClipPolygonY([]vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}})
		c.FillPolygon(b.color, poly)
	}
}

// DataRange implements plot.DataRanger: the bars and the zero line.
func (b *barSet) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for i := range b.xs {
		xmin, xmax = math.Min(xmin, b.xs[i]-b.w/2), math.Max(xmax, b.xs[i]+b.w/2)
		ymin, ymax = math.Min(ymin, b.ys[i]), math.Max(ymax, b.ys[i])
	}
	return
}

// Thumbnail implements plot.Thumbnailer: a filled swatch.
func (b *barSet) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y + h/6}, {X: c.Min.X, Y: c.Max.Y - h/6}, {X: c.Max.X, Y: c.Max.Y - h/6}, {X: c.Max.X, Y: c.Min.Y + h/6}}
	c.FillPolygon(b.color, pts)
}

// barGroup is one category of a grouped bar chart: a value per arm and
// its CI cell (for the whisker).
type barGroup struct {
	name  string
	cells []overhead.Cell // per arm, in the unit of the chart after scale
}

// bars draws grouped bars on panel p: one group per category, one bar per
// arm (its colour), a black whisker on a bar with a drawn CI. Categories
// where some arm has no value are left out. The legend entries go to f
// when legend is set (once per figure).
func (r *renderer) bars(f *figure, p *plot.Plot, groups []barGroup, scale float64, legend bool, ci *ciCount) bool {
	var keep []barGroup
	for _, g := range groups {
		ok := len(g.cells) == len(r.d.Arms)
		for _, c := range g.cells {
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
		names = append(names, g.name)
	}
	for i, a := range r.d.Arms {
		b := &barSet{w: w * 0.9, color: armColor(r.d, i)}
		var ci0 plotter.XYs
		var errs plotter.YErrors
		for j, g := range keep {
			x := float64(j) + (float64(i)-float64(k-1)/2)*w
			c := g.cells[i]
			b.xs, b.ys = append(b.xs, x), append(b.ys, c.Center*scale)
			if e, ok := ci.err(c, scale); ok {
				ci0 = append(ci0, plotter.XY{X: x, Y: c.Center * scale})
				errs = append(errs, e)
			}
		}
		p.Add(b)
		if len(ci0) > 0 {
			eb, err := plotter.NewYErrorBars(xyErrs{ci0, errs})
			if err != nil {
				r.chartFailed(fmt.Errorf("bar chart error bars: %w", err))
				return false
			}
			eb.Color = publishedColor
			eb.CapWidth = vg.Points(4)
			p.Add(eb)
		}
		if legend {
			f.add(a.Label, b)
		}
	}
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, p.Y.Max*1.05
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

func (r *renderer) scalingChart(ids []results.ID, one1 results.ID, has1 bool) {
	if !r.charting() {
		return
	}
	ids = positive(ids, "threads")
	if !has1 || len(ids) < 2 {
		return
	}
	f, p := newPlot("7-Zip scaling efficiency, from the median MIPS per thread count", "threads", "efficiency (%)")
	var ss []series
	var xs []float64
	for i, a := range r.d.Arms {
		s := series{name: a.Label, color: i}
		t1 := r.median(one1, "MIPS", i)
		for _, id := range ids {
			n := results.PartValue(id.Get("threads"))
			e := efficiency(r.median(id, "MIPS", i), t1, n)
			if overhead.Finite(e) {
				s.xys = append(s.xys, plotter.XY{X: n, Y: e * 100})
				xs = append(xs, n)
			}
		}
		ss = append(ss, s)
	}
	for k, env := range []string{"TEE CVM", "bare metal"} {
		s := series{name: "published " + env, published: true, color: k}
		for _, t := range []int{1, 2, 4, 8, 16, 32} {
			if v := publishedEfficiency(env, fmt.Sprint(t)); overhead.Finite(v) {
				s.xys = append(s.xys, plotter.XY{X: float64(t), Y: v * 100})
				xs = append(xs, float64(t))
			}
		}
		ss = append(ss, s)
	}
	logTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
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
	f, p := newPlot("", "concurrency", "P99 latency (ms)")
	var ss []series
	var xs []float64
	var ci ciCount
	for i, a := range r.d.Arms {
		s := series{name: a.Label, color: i}
		xs = r.p99Points(&s, &ci, ids, i, "c", xs)
		ss = append(ss, s)
	}
	f.title = fmt.Sprintf("Gateway P99 latency, %s\n(path=%s, keepalive=%s, client=%s)", ci.phrase(), path, ka, client)
	logTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
	if r.lines(f, p, ss) {
		p.Y.Min, p.Y.Max = 0, p.Y.Max*1.05
		r.saveChart(f, "gateway-p99.svg", "Gateway P99 latency vs concurrency per arm")
	}
}

// p99Points adds to s the P99 latency (ms) of arm at each of ids, against
// the key x of its name, and returns xs with the x values it plotted.
func (r *renderer) p99Points(s *series, ci *ciCount, ids []results.ID, arm int, x string, xs []float64) []float64 {
	for _, id := range ids {
		c, _ := overhead.Summarize(r.d.Units.GetAssumption("lat-p99-sec"), r.d.Values(id, "lat-p99-sec", arm))
		if c.N > 0 {
			e, ok := ci.err(c, 1e3)
			s.addPoint(results.PartValue(id.Get(x)), c.Center*1e3, e, ok)
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
	f, p := newPlot("", "offered rate (req/s)", "P99 latency (ms)")
	var ss []series
	var xs []float64
	var ci ciCount
	for i, a := range r.d.Arms {
		for k, path := range paths {
			ids := positive(r.d.FindSorted("GatewayRate", "rate", "path="+path), "rate")
			s := series{name: a.Label + " " + path, color: i, variant: k > 0}
			xs = r.p99Points(&s, &ci, ids, i, "rate", xs)
			ss = append(ss, s)
		}
	}
	if len(xs) < 2 {
		return
	}
	f.title = "Open loop: P99 latency vs offered rate,\n" + ci.phrase()
	logTicks(p, xs, func(x float64) string { return fmt.Sprint(x) })
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
	var groups []barGroup
	for _, c := range cats {
		id, ok := one(r.d.Find("Fio", "job="+c.job, "engine="+eng))
		if !ok {
			continue
		}
		groups = append(groups, barGroup{c.name, r.cells(id, c.unit)})
	}
	if len(groups) == 0 {
		return
	}
	f, p := newPlot("", "", "kIOPS")
	var ci ciCount
	if r.bars(f, p, groups, 1e-3, true, &ci) {
		f.title = "Storage IOPS (engine=" + eng + ", 4 KiB blocks), " + ci.phrase()
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
	var ttft, itl []barGroup
	for _, model := range results.Distinct(r.d.Find("Serve"), "model") {
		id, ok := llmLatencyRun(r.d, model)
		if !ok {
			continue
		}
		ttft = append(ttft, barGroup{model, r.cells(id, "ttft-mean-sec")})
		itl = append(itl, barGroup{model, r.cells(id, "itl-mean-sec")})
	}
	if len(ttft) == 0 {
		return
	}
	f := &figure{}
	var ci ciCount
	drawn := false
	for k, pn := range []struct {
		name   string
		groups []barGroup
	}{{"mean TTFT (ms)", ttft}, {"mean ITL (ms)", itl}} {
		p := newPanel("model", pn.name)
		if r.bars(f, p, pn.groups, 1e3, !drawn, &ci) {
			f.panels = append(f.panels, p)
			drawn = true
		} else if k == 0 {
			continue
		}
	}
	if !drawn {
		return
	}
	f.title = "LLM mean time to first token and inter-token latency,\n" + ci.phrase() + " (panels have their own axes)"
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
	f, p := newPlot("", "TEE cost (%), + = worse", "")
	// A row per point: 20 points each, beyond what the default canvas holds.
	if need := vg.Length(n)*20 + 110; need > chartH {
		f.h = need
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
	var tee color.Color = okVermillion
	teeArm := 1
	for i, a := range r.d.Arms {
		if t := a.EnvValue("tee"); t != "none" && t != "" {
			tee, teeArm = armColor(r.d, i), i
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
	dots.Color, dots.Shape, dots.Radius = tee, armShape(teeArm), vg.Points(3.5)
	p.Add(dots)
	what := fmt.Sprintf("TEE cost (n < %d: no CI)", ciMinN)
	switch {
	case len(ci0) == n:
		what = "TEE cost, 95% CI"
	case len(ci0) > 0:
		what = fmt.Sprintf("TEE cost, 95%% CI where n ≥ %d", ciMinN)
	}
	f.add("TEE cost", dots)
	if len(pub) > 0 {
		pm, err := plotter.NewScatter(pub)
		if err != nil {
			r.chartFailed(fmt.Errorf("overhead chart: %w", err))
			return
		}
		pm.Color, pm.Shape, pm.Radius = publishedColor, publishedShape(0), vg.Points(4)
		p.Add(pm)
		f.add("published overhead", pm)
	}
	// The rows' grid lines and tick marks, their labels drawn by the figure.
	var marks []plot.Tick
	for _, t := range ticks {
		marks = append(marks, plot.Tick{Value: t.Value, Label: ""})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(marks)
	f.rows = ticks
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	if len(far.XYs) > 0 {
		// Written above the marker, ending at it, inside the plot.
		lb, err := plotter.NewLabels(far)
		if err != nil {
			r.chartFailed(fmt.Errorf("overhead chart labels: %w", err))
			return
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i] = textStyle(legendSize-1, draw.XRight, draw.YBottom)
		}
		lb.Offset = vg.Point{X: 4, Y: 5}
		p.Add(lb)
	}
	p.X.Min, p.X.Max = lo-pad, hi+pad
	f.title = area + ": " + what
	r.saveChart(f, "overhead-"+slug(area)+".svg", area+": TEE cost per figure with its 95% CI and the published overhead")
}

// slug turns an area name into a file-name part.
func slug(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
