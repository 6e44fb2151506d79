package report

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/teebench/teebench/internal/report/chart"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// textCanvas is a vg.Canvas that draws nothing and records where every
// string would land, with the transforms gonum applies (rotated tick
// labels, the y-axis label), as a box in canvas coordinates.
type textCanvas struct {
	w, h  vg.Length
	m     [6]float64 // affine: x' = m0 x + m2 y + m4, y' = m1 x + m3 y + m5
	stack [][6]float64
	texts []placedText
	// paths are the boxes of every stroked or filled path (lines, legend
	// swatches, markers, bars).
	paths []placedText
}

type placedText struct {
	text                   string
	minX, minY, maxX, maxY float64
	rotated                bool
}

// overlaps reports whether two boxes share more than eps points each way.
func (a placedText) overlaps(b placedText, eps float64) bool {
	return math.Min(a.maxX, b.maxX)-math.Max(a.minX, b.minX) > eps && math.Min(a.maxY, b.maxY)-math.Max(a.minY, b.minY) > eps
}

func newTextCanvas(w, h vg.Length) *textCanvas {
	return &textCanvas{w: w, h: h, m: [6]float64{1, 0, 0, 1, 0, 0}}
}

func (c *textCanvas) Size() (vg.Length, vg.Length)        { return c.w, c.h }
func (c *textCanvas) SetLineWidth(vg.Length)              {}
func (c *textCanvas) SetLineDash([]vg.Length, vg.Length)  {}
func (c *textCanvas) SetColor(color.Color)                {}
func (c *textCanvas) Stroke(p vg.Path)                    { c.path(p) }
func (c *textCanvas) Fill(p vg.Path)                      { c.path(p) }
func (c *textCanvas) DrawImage(vg.Rectangle, image.Image) {}
func (c *textCanvas) Push()                               { c.stack = append(c.stack, c.m) }
func (c *textCanvas) Pop() {
	c.m = c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
}

func (c *textCanvas) Translate(pt vg.Point) {
	x, y := float64(pt.X), float64(pt.Y)
	c.m[4] += c.m[0]*x + c.m[2]*y
	c.m[5] += c.m[1]*x + c.m[3]*y
}

func (c *textCanvas) Rotate(rad float64) {
	s, co := math.Sin(rad), math.Cos(rad)
	a, b, cc, d := c.m[0], c.m[1], c.m[2], c.m[3]
	c.m[0], c.m[1] = a*co+cc*s, b*co+d*s
	c.m[2], c.m[3] = -a*s+cc*co, -b*s+d*co
}

func (c *textCanvas) Scale(x, y float64) {
	c.m[0], c.m[1] = c.m[0]*x, c.m[1]*x
	c.m[2], c.m[3] = c.m[2]*y, c.m[3]*y
}

func (c *textCanvas) apply(x, y float64) (float64, float64) {
	return c.m[0]*x + c.m[2]*y + c.m[4], c.m[1]*x + c.m[3]*y + c.m[5]
}

// path records the box of a path's points (arcs by their circle).
func (c *textCanvas) path(p vg.Path) {
	b := placedText{minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
	for _, comp := range p {
		r := float64(comp.Radius)
		for _, d := range [][2]float64{{-r, -r}, {r, r}} {
			x, y := c.apply(float64(comp.Pos.X)+d[0], float64(comp.Pos.Y)+d[1])
			b.minX, b.maxX = math.Min(b.minX, x), math.Max(b.maxX, x)
			b.minY, b.maxY = math.Min(b.minY, y), math.Max(b.maxY, y)
		}
	}
	if len(p) > 0 {
		c.paths = append(c.paths, b)
	}
}

// FillString records the box from the baseline start pt, the string's
// width long, from the font's descent below to its ascent above.
func (c *textCanvas) FillString(f font.Face, pt vg.Point, text string) {
	if f.Font.Size == 0 || text == "" {
		return
	}
	e := f.Extents()
	x0, x1 := float64(pt.X), float64(pt.X+f.Width(text))
	y0, y1 := float64(pt.Y-e.Descent), float64(pt.Y+e.Ascent)
	p := placedText{text: text, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1), rotated: c.m[1] != 0 || c.m[2] != 0}
	for _, xy := range [][2]float64{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}} {
		x, y := c.apply(xy[0], xy[1])
		p.minX, p.maxX = math.Min(p.minX, x), math.Max(p.maxX, x)
		p.minY, p.maxY = math.Min(p.minY, y), math.Max(p.maxY, y)
	}
	c.texts = append(c.texts, p)
}

var chartDir = flag.String("chartdir", "", "write the charts the chart tests draw to `dir` as SVG (to look at them)")

// chartProblems draws a chart on the text canvas and lists every text or
// path (a line, marker, legend swatch) that reaches outside the canvas,
// and every two texts that overlap (the legend and the title, legend
// entries with each other, tick labels). It also returns the texts drawn.
func chartProblems(f *chart.Figure) (problems []string, seen map[string]bool) {
	w, h := f.Size()
	c := newTextCanvas(w, h)
	chart.DrawChart(f, c)
	const eps = 0.5 // points
	seen = map[string]bool{}
	outside := func(b placedText) bool {
		return b.minX < -eps || b.minY < -eps || b.maxX > float64(w)+eps || b.maxY > float64(h)+eps
	}
	for i, tx := range c.texts {
		seen[tx.text] = true
		if outside(tx) {
			problems = append(problems, fmt.Sprintf("text %q at x %.1f..%.1f, y %.1f..%.1f outside the %.0fx%.0f canvas",
				tx.text, tx.minX, tx.maxX, tx.minY, tx.maxY, float64(w), float64(h)))
		}
		for _, o := range c.texts[i+1:] {
			if tx.overlaps(o, eps) && !(tx.rotated && o.rotated) {
				problems = append(problems, fmt.Sprintf("text %q (x %.1f..%.1f, y %.1f..%.1f) overlaps %q (x %.1f..%.1f, y %.1f..%.1f)",
					tx.text, tx.minX, tx.maxX, tx.minY, tx.maxY, o.text, o.minX, o.maxX, o.minY, o.maxY))
			}
		}
	}
	for _, p := range c.paths {
		if outside(p) {
			problems = append(problems, fmt.Sprintf("a line, marker or swatch at x %.1f..%.1f, y %.1f..%.1f outside the canvas", p.minX, p.maxX, p.minY, p.maxY))
		}
	}
	return problems, seen
}

// checkChart fails on every problem of chartProblems, writes the chart to
// -chartdir when set, and returns the texts drawn.
func checkChart(t *testing.T, what string, np namedPlot) map[string]bool {
	t.Helper()
	problems, seen := chartProblems(np.f)
	for _, p := range problems {
		t.Errorf("%s %s: %s", what, np.name, p)
	}
	if *chartDir != "" {
		if err := chart.SaveChart(np.f, filepath.Join(*chartDir, strings.NewReplacer("testdata/", "", "/", "_").Replace(what)+"-"+np.name), false); err != nil {
			t.Error(err)
		}
	}
	return seen
}

// TestChartsTextInside draws every chart of the reports and fails when a
// title, legend entry, axis or tick label, line or swatch reaches outside
// the canvas, when texts overlap, when a measured x has no tick, or when
// an arm has no legend entry.
func TestChartsTextInside(t *testing.T) {
	for _, args := range [][]string{derived, {"testdata/synth-base.txt", "testdata/synth-tee.txt"}, {"testdata/synth-tee.txt"}} {
		d := readFixture(t, args)
		r, err := build(d, Options{Evidence: noEvidence, keepPlots: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.plots) == 0 {
			t.Fatalf("%v: no charts drawn", args)
		}
		for _, np := range r.plots {
			seen := checkChart(t, strings.TrimSuffix(strings.Join(args, "+"), ".txt"), np)
			if np.name == "scaling-efficiency.svg" {
				for _, tick := range []string{"1", "2", "4", "8", "16", "32"} {
					if !seen[tick] {
						t.Errorf("%v %s: no tick labelled %s", args, np.name, tick)
					}
				}
			}
			for _, a := range d.Arms {
				// An overhead chart plots one TEE arm's cost against the
				// baseline: its rows are figures, not arms.
				if !seen[a.Label] && !bytes.Contains([]byte(np.name), []byte("open-loop")) && !strings.HasPrefix(np.name, "overhead-") {
					t.Errorf("%v %s: no legend entry for arm %s", args, np.name, a.Label)
				}
			}
		}
	}
}

// TestTextCanvasCatchesOverflow makes sure the chart test can fail: a
// title wider than the canvas (as the old gateway chart's was) and a
// rotated label pushed off the left edge are both reported.
func TestTextCanvasCatchesOverflow(t *testing.T) {
	f, p := chart.NewPlot("Gateway P99 latency (path=tls-proxy, keepalive=off, client=go), median and 95% CI, with a title far too long for the canvas", "x", "y")
	c := newTextCanvas(chart.ChartW, chart.ChartH)
	chart.DrawChart(f, c)
	out := 0
	for _, tx := range c.texts {
		if tx.minX < 0 || tx.maxX > float64(chart.ChartW) {
			out++
		}
	}
	if out == 0 {
		t.Error("an over-wide title was not caught")
	}
	c = newTextCanvas(100, 100)
	c.Translate(vg.Point{X: 5, Y: 50})
	c.Rotate(math.Pi / 2)
	c.FillString(font.DefaultCache.Lookup(p.Y.Label.TextStyle.Font, 12), vg.Point{}, "a long rotated label")
	if tx := c.texts[0]; tx.minX >= 0 && tx.maxY <= 100 {
		t.Errorf("rotated label box %+v not outside", tx)
	}
}

// storageOverheadPoints are the fio engine's storage overheads of the
// derived fixture (TEE arm x0.8 throughput, x1.25 latency; rw_mix read at
// the published +38.6%; write_seq with 3 TEE samples, so no CI), with the
// published TDX-Lab VM → CVM overheads.
func storageOverheadPoints(t *testing.T, d *results.Dataset) []OverheadPoint {
	t.Helper()
	var pts []OverheadPoint
	for _, c := range []struct{ job, unit, label string }{
		{"read_iops", "IOPS", "rand read IOPS"},
		{"write_iops", "IOPS", "rand write IOPS"},
		{"rw_mix", "read-IOPS", "mix read IOPS"},
		{"read_latency", "lat-mean-sec", "read latency (mean)"},
		{"write_seq", "B/s", "seq write B/s"},
	} {
		id, ok := one(d.Find("Fio", "job="+c.job, "engine=fio"))
		if !ok {
			t.Fatalf("derived fixture lacks Fio/job=%s/engine=fio", c.job)
		}
		dl := overhead.StatOf(d, id, c.unit, DirOfBetter(d.Units.GetBetter(c.unit))).Deltas[1]
		pts = append(pts, OverheadPoint{Label: c.label, Cost: dl.Overhead, Lo: dl.Lo, Hi: dl.Hi, Published: overhead.StoragePairs(c.job, c.unit, "vm")[0].Pct})
	}
	return pts
}

// TestOverheadChart calls overheadChart on the derived fixture's storage
// overheads: one row per figure with its label, the cost's CI where n ≥ 6
// (the title says so), the published overhead as a marker with its legend
// entry, nothing outside the canvas or overlapping; a point without a cost
// is left out, and no chart is drawn without any.
func TestOverheadChart(t *testing.T) {
	d := readFixture(t, derived)
	pts := storageOverheadPoints(t, d)
	if math.Abs(pts[0].Cost-20) > 1e-9 || !(pts[0].Lo <= 20 && 20 <= pts[0].Hi) || !math.IsNaN(pts[4].Lo) {
		t.Fatalf("fixture overheads: %+v", pts)
	}
	for _, tc := range []struct {
		name  string
		pts   []OverheadPoint
		title string
	}{
		{"mixed", pts, "Storage (engine=fio): TEE cost, 95% CI where n ≥ 6"},
		{"all with CI", pts[:4], "Storage (engine=fio): TEE cost, 95% CI"},
		{"one without cost", append(append([]OverheadPoint{}, pts[:4]...), OverheadPoint{Label: "not measured", Cost: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Published: 10}), "Storage (engine=fio): TEE cost, 95% CI"},
	} {
		r := &renderer{d: d, opt: Options{keepPlots: true}}
		r.overheadChart("Storage (engine=fio)", tc.pts)
		if len(r.plots) != 1 || r.plots[0].name != "overhead-storage-engine-fio.svg" {
			t.Fatalf("%s: charts %+v", tc.name, r.plots)
		}
		np := r.plots[0]
		seen := checkChart(t, "overhead-"+strings.ReplaceAll(tc.name, " ", "-"), np)
		if np.f.Title != tc.title {
			t.Errorf("%s: title %q, want %q", tc.name, np.f.Title, tc.title)
		}
		for _, p := range tc.pts {
			if seen[p.Label] != overhead.Finite(p.Cost) {
				t.Errorf("%s: row label %q drawn: %v", tc.name, p.Label, seen[p.Label])
			}
		}
		for _, want := range []string{"TEE cost", "published overhead", "TEE cost (%), + = worse"} {
			if !seen[want] {
				t.Errorf("%s: no %q", tc.name, want)
			}
		}
	}
	r := &renderer{d: d, opt: Options{keepPlots: true}}
	r.overheadChart("GPU", []OverheadPoint{{Label: "x", Cost: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Published: math.NaN()}})
	if len(r.plots) != 0 {
		t.Error("a chart without any cost was drawn")
	}
}

// readFixture reads result files as the report does.
func readFixture(t *testing.T, args []string) *results.Dataset {
	t.Helper()
	in, err := results.ParseInputs(args)
	if err != nil {
		t.Fatal(err)
	}
	d, err := results.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChartRules pins the colour rule (by tee value, so a TDX arm has
// one colour in every report) and titles that say what is drawn.
func TestChartRules(t *testing.T) {
	two := readFixture(t, derived)
	one := readFixture(t, []string{"testdata/synth-tee.txt"})
	if chart.ArmColor(two, 0) != chart.Blue || chart.ArmColor(two, 1) != chart.Vermillion || chart.ArmColor(one, 0) != chart.Vermillion {
		t.Errorf("colours: two-arm none %v tdx %v, one-arm tdx %v", chart.ArmColor(two, 0), chart.ArmColor(two, 1), chart.ArmColor(one, 0))
	}
	// A second testbed of the same tee value gets the kind's second colour.
	two.Arms = append(two.Arms, &results.Arm{Label: "tdx#2", Env: map[string][]string{"tee": {"tdx"}}})
	if chart.ArmColor(two, 2) != chart.Orange {
		t.Errorf("tdx#2: %v", chart.ArmColor(two, 2))
	}
	for _, tc := range []struct {
		n    chart.CICount
		want string
	}{
		{chart.CICount{With: 3}, "median and 95% CI"},
		{chart.CICount{Without: 3}, "median (n < 6: no CI)"},
		{chart.CICount{With: 1, Without: 2}, "median, 95% CI where n ≥ 6"},
	} {
		if got := tc.n.Phrase(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.n, got, tc.want)
		}
	}
	// Two real runs as two arms: fio ran 3 times in each, so the storage
	// chart claims no CI; the gateway ran 6 times, so its chart does.
	d := readFixture(t, []string{"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"})
	r, err := build(d, Options{Evidence: noEvidence, keepPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, np := range r.plots {
		titles[np.name] = np.f.Title
		checkChart(t, "real-run1+2", np)
	}
	if !strings.Contains(titles["storage-iops.svg"], "median (n < 6: no CI)") || !strings.HasPrefix(titles["gateway-p99.svg"], "Gateway P99 latency, median and 95% CI\n") {
		t.Errorf("titles: %q", titles)
	}
}

// TestOverlapCaught makes sure the overlap and swatch checks can fail: the
// old layout (gonum's legend inside the plot, top left, under a two-line
// title, rows as tall as the text; the scaling chart's legend pushed right
// by a long entry) is reported.
func TestOverlapCaught(t *testing.T) {
	p := plot.New()
	p.Title.Text = "Open loop: P99 latency vs offered rate, median and 95% CI\nsecond line"
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.YOffs = 12 // into the title, as the old open-loop chart's was
	for _, name := range []string{"none tls-proxy", "none direct", "tdx tls-proxy", "tdx direct"} {
		l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
		p.Add(l)
		p.Legend.Add(name, l)
	}
	p.Legend.XOffs = 480 // swatches past the right edge
	problems, _ := chartProblems(&chart.Figure{Panels: []*plot.Plot{p}})
	var overlap, off bool
	for _, pr := range problems {
		overlap = overlap || strings.Contains(pr, "overlaps")
		off = off || strings.Contains(pr, "swatch")
	}
	if !overlap || !off {
		t.Errorf("overlap caught %v, swatch off the canvas caught %v: %q", overlap, off, problems)
	}
}
