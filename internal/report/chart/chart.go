// Package chart draws the report's charts with gonum.org/v1/plot. Every
// chart is a Figure: its title across the top, one or more
// panels (gonum plots with their own axes), and the legend in a column to
// the right of the panels, outside every plot area, so that it covers no
// data and cannot collide with the title.
//
// One colour rule in every chart and report, on Okabe and Ito's
// colour-blind-safe palette (ArmColor), by what an arm is, not where it
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
// least CIMinN samples; titles say which (CICount.Phrase).
//
// It knows figures, series, bars and colours, not benchmarks: internal/report
// picks each chart's data from a results.Dataset and its statistics from
// internal/report/overhead, and hands them to NewPlot, Series, BarGroup
// and SaveChart.
package chart

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
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

// Chart size: every chart is drawn on this canvas (the overhead chart grows
// with its rows).
const (
	ChartW = 7 * vg.Inch
	ChartH = 4 * vg.Inch
)

// Text sizes of the figure's own parts.
const (
	titleSize  = 12 // points
	LegendSize = 10
	// legendRow is the pitch of legend rows: the text's height and a
	// third of it between rows.
	legendRow = vg.Length(LegendSize * 1.6)
	thumbW    = vg.Length(22) // legend swatch width
	gap       = vg.Length(8)  // between title, panels and legend
)

// CIMinN is the number of samples per point from which a chart draws its
// 95% CI: below it the order-statistic interval is unbounded or nearly so.
const CIMinN = 6

// Okabe and Ito's palette, without its black (published figures) and
// yellow (too light on white).
var (
	Blue           = color.RGBA{0x00, 0x72, 0xB2, 0xff}
	Vermillion     = color.RGBA{0xD5, 0x5E, 0x00, 0xff}
	okGreen        = color.RGBA{0x00, 0x9E, 0x73, 0xff}
	okPurple       = color.RGBA{0xCC, 0x79, 0xA7, 0xff}
	okSkyBlue      = color.RGBA{0x56, 0xB4, 0xE9, 0xff}
	Orange         = color.RGBA{0xE6, 0x9F, 0x00, 0xff}
	teeColors      = map[string][]color.RGBA{"none": {Blue, okSkyBlue}, "": {Blue, okSkyBlue}, "tdx": {Vermillion, Orange}, "sev-snp": {okGreen}}
	otherTEEColors = []color.RGBA{okPurple}
)

// PublishedColor is the colour of every published series and marker.
var PublishedColor = color.RGBA{0, 0, 0, 0xff}

// ArmColor is the colour of the arm at position i of d (the rule above).
func ArmColor(d *results.Dataset, i int) color.Color {
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

// ArmShape is the marker of the arm at position i.
func ArmShape(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}
	return shapes[i%len(shapes)]
}

// PublishedShape is the marker of published series k: × for the published
// TEE figure, + for published bare metal.
func PublishedShape(k int) draw.GlyphDrawer {
	if k%2 == 0 {
		return draw.CrossGlyph{}
	}
	return draw.PlusGlyph{}
}

var (
	PublishedDashes = []vg.Length{vg.Points(5), vg.Points(3)}
	VariantDashes   = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
)

// Figure is one chart: a title, panels side by side, and a legend drawn
// outside them.
type Figure struct {
	Title  string
	Panels []*plot.Plot
	legend []legendEntry
	// h is the canvas height; 0 means chartH.
	Height vg.Length
	// rows, when set, label the first panel's y values from the left
	// edge, left-aligned in a column of their own (instead of y tick
	// labels, which gonum right-aligns by its font's widths: a viewer's
	// wider substitute font would push long ones across the axis).
	Rows []plot.Tick
}

type legendEntry struct {
	text   string
	thumbs []plot.Thumbnailer
}

func (f *Figure) Add(text string, thumbs ...plot.Thumbnailer) {
	f.legend = append(f.legend, legendEntry{text, thumbs})
}

// minPanelW is the narrowest a row-labelled figure's plot may get: long
// row labels widen the canvas instead of squeezing the plot.
const minPanelW = 3 * vg.Inch

// Size is the figure's canvas size: ChartW wide, wider when the row-label
// column, a plot of minPanelW and the legend column need more.
func (f *Figure) Size() (vg.Length, vg.Length) {
	w, h := ChartW, ChartH
	if f.Height > 0 {
		h = f.Height
	}
	if len(f.Rows) > 0 {
		need := 2*chartMargin + f.rowsWidth() + gap + minPanelW*vg.Length(len(f.Panels))
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
func (f *Figure) legendWidth() vg.Length {
	return columnWidth(f.legend, func(e legendEntry) string { return e.text })
}

// rowsWidth is the width of the row-label column.
func (f *Figure) rowsWidth() vg.Length {
	return columnWidth(f.Rows, func(t plot.Tick) string { return t.Label })
}

// columnWidth is the width of a text column, in the legend's size, that
// holds the text of each item (with fontSlack).
func columnWidth[T any](items []T, text func(T) string) vg.Length {
	ts := TextStyle(LegendSize, draw.XLeft, draw.YCenter)
	var w vg.Length
	for _, it := range items {
		w = max(w, ts.Rectangle(text(it)).Size().X*fontSlack)
	}
	return w
}

func TextStyle(size vg.Length, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{Font: font.From(plot.DefaultFont, size), XAlign: xa, YAlign: ya, Handler: plot.DefaultTextHandler}
}

// draw lays the figure out on c: the title on top, the legend column on
// the right below the title, the panels in what is left.
func (f *Figure) draw(c draw.Canvas) {
	body := c
	if f.Title != "" {
		// Line by line, 1.3 times the size apart: gonum's own line
		// pitch (the size) lets descenders touch the next line's ascenders.
		ts := TextStyle(titleSize, draw.XCenter, draw.YTop)
		y := c.Max.Y
		for _, l := range strings.Split(f.Title, "\n") {
			c.FillText(ts, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y}, l)
			y -= titleSize * 1.3
		}
		body.Max.Y = y - gap + titleSize*0.3
	}
	if len(f.legend) > 0 {
		ls := TextStyle(LegendSize, draw.XLeft, draw.YCenter)
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
	if len(f.Rows) > 0 {
		rowX = body.Min.X
		body.Min.X += f.rowsWidth() + gap
	}
	n := vg.Length(len(f.Panels))
	pw := (body.Max.X - body.Min.X - gap*(n-1)) / n
	for i, p := range f.Panels {
		sub := body
		sub.Min.X = body.Min.X + vg.Length(i)*(pw+gap)
		sub.Max.X = sub.Min.X + pw
		p.Draw(sub)
		if i == 0 && len(f.Rows) > 0 {
			rs := TextStyle(LegendSize, draw.XLeft, draw.YCenter)
			da := p.DataCanvas(sub)
			for _, t := range f.Rows {
				c.FillText(rs, vg.Point{X: rowX, Y: da.Y(p.Y.Norm(t.Value))}, t.Label)
			}
		}
	}
}

// chartMargin is the blank border around every chart: font ascents reach
// a point or two past the box they are placed in.
const chartMargin = 4 * vg.Millimeter / 2

// DrawChart draws f on c inside the margin. Every chart file and the
// chart test draw through it.
func DrawChart(f *Figure, c vg.CanvasSizer) {
	dc := draw.New(c)
	f.draw(draw.Crop(dc, chartMargin, -chartMargin, chartMargin, -chartMargin))
}

// SaveChart writes f to path as SVG, or PNG when png is set.
func SaveChart(f *Figure, path string, png bool) error {
	w, h := f.Size()
	var wt io.WriterTo
	if png {
		c := vgimg.New(w, h)
		DrawChart(f, c)
		wt = vgimg.PngCanvas{Canvas: c}
	} else {
		c := vgsvg.New(w, h)
		DrawChart(f, c)
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

// NewPanel is a plot with axis labels and a grid, without title or legend
// (the figure draws those).
func NewPanel(x, y string) *plot.Plot {
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

// NewPlot is a one-panel figure.
func NewPlot(title, x, y string) (*Figure, *plot.Plot) {
	p := NewPanel(x, y)
	return &Figure{Title: title, Panels: []*plot.Plot{p}}, p
}

// CICount counts the points of a chart with and without a drawn CI, for
// its title.
type CICount struct{ With, Without int }

// Err returns the CI of a summary around its center, scaled, as an error
// bar, and whether it is drawn: only with CIMinN samples and finite
// bounds.
func (n *CICount) Err(c overhead.Cell, scale float64) (struct{ Low, High float64 }, bool) {
	if c.N < CIMinN || !overhead.Finite(c.Lo) || !overhead.Finite(c.Hi) {
		n.Without++
		return struct{ Low, High float64 }{}, false
	}
	n.With++
	return struct{ Low, High float64 }{(c.Center - c.Lo) * scale, (c.Hi - c.Center) * scale}, true
}

// Phrase says what the points and whiskers are, true to the data.
func (n CICount) Phrase() string {
	switch {
	case n.Without == 0 && n.With > 0:
		return "median and 95% CI"
	case n.With == 0:
		return fmt.Sprintf("median (n < %d: no CI)", CIMinN)
	}
	return fmt.Sprintf("median, 95%% CI where n ≥ %d", CIMinN)
}

// Series is one line of a line chart.
type Series struct {
	Name string
	XYs  plotter.XYs
	// errs are the drawn CIs of the points in ci (same length).
	Errs plotter.YErrors
	CI   plotter.XYs
	// published: black, dashed, marker by color (PublishedShape); variant:
	// the arm's colour, dotted.
	Published, Variant bool
	// color is the arm position, or the published series' index.
	Color int
}

// AddPoint appends a point and, when drawn, its CI.
func (s *Series) AddPoint(x, y float64, e struct{ Low, High float64 }, ok bool) {
	s.XYs = append(s.XYs, plotter.XY{X: x, Y: y})
	if ok {
		s.CI = append(s.CI, plotter.XY{X: x, Y: y})
		s.Errs = append(s.Errs, e)
	}
}

// XYErrs joins points and their error bars for plotter.NewYErrorBars.
type XYErrs struct {
	plotter.XYs
	plotter.YErrors
}

// BarSet is one arm's bars of a grouped bar chart, at x positions and
// width in data units (so that whiskers can sit on them).
type BarSet struct {
	Xs, Ys []float64
	Width  float64
	Color  color.Color
}

// Plot implements plot.Plotter.
func (b *BarSet) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := range b.Xs {
		x0, x1 := trX(b.Xs[i]-b.Width/2), trX(b.Xs[i]+b.Width/2)
		y0, y1 := trY(0), trY(b.Ys[i])
		poly := c.ClipPolygonY([]vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}})
		c.FillPolygon(b.Color, poly)
	}
}

// DataRange implements plot.DataRanger: the bars and the zero line.
func (b *BarSet) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for i := range b.Xs {
		xmin, xmax = math.Min(xmin, b.Xs[i]-b.Width/2), math.Max(xmax, b.Xs[i]+b.Width/2)
		ymin, ymax = math.Min(ymin, b.Ys[i]), math.Max(ymax, b.Ys[i])
	}
	return
}

// Thumbnail implements plot.Thumbnailer: a filled swatch.
func (b *BarSet) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y + h/6}, {X: c.Min.X, Y: c.Max.Y - h/6}, {X: c.Max.X, Y: c.Max.Y - h/6}, {X: c.Max.X, Y: c.Min.Y + h/6}}
	c.FillPolygon(b.Color, pts)
}

// BarGroup is one category of a grouped bar chart: a value per arm and
// its CI cell (for the whisker).
type BarGroup struct {
	Name  string
	Cells []overhead.Cell // per arm, in the unit of the chart after scale
}

// LogTicks marks every x value in xs (sorted, positive) on a log axis
// and pads the axis so that the first and last labels stay inside.
func LogTicks(p *plot.Plot, xs []float64, label func(float64) string) {
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

// Slug turns an area name into a file-name part.
func Slug(s string) string {
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
