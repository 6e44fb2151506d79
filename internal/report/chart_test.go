package report

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// textCanvas is a vg.Canvas that draws nothing and records where every
// string would land, with the transforms gonum applies (rotated tick
// labels, the y-axis label), as a box in canvas coordinates.
type textCanvas struct {
	w, h  vg.Length
	m     [6]float64 // affine: x' = m0 x + m2 y + m4, y' = m1 x + m3 y + m5
	stack [][6]float64
	texts []placedText
}

type placedText struct {
	text                   string
	minX, minY, maxX, maxY float64
}

func newTextCanvas(w, h vg.Length) *textCanvas {
	return &textCanvas{w: w, h: h, m: [6]float64{1, 0, 0, 1, 0, 0}}
}

func (c *textCanvas) Size() (vg.Length, vg.Length)        { return c.w, c.h }
func (c *textCanvas) SetLineWidth(vg.Length)              {}
func (c *textCanvas) SetLineDash([]vg.Length, vg.Length)  {}
func (c *textCanvas) SetColor(color.Color)                {}
func (c *textCanvas) Stroke(vg.Path)                      {}
func (c *textCanvas) Fill(vg.Path)                        {}
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

// FillString records the box from the baseline start pt, the string's
// width long, from the font's descent below to its ascent above.
func (c *textCanvas) FillString(f font.Face, pt vg.Point, text string) {
	if f.Font.Size == 0 || text == "" {
		return
	}
	e := f.Extents()
	x0, x1 := float64(pt.X), float64(pt.X+f.Width(text))
	y0, y1 := float64(pt.Y-e.Descent), float64(pt.Y+e.Ascent)
	p := placedText{text: text, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
	for _, xy := range [][2]float64{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}} {
		x, y := c.apply(xy[0], xy[1])
		p.minX, p.maxX = math.Min(p.minX, x), math.Max(p.maxX, x)
		p.minY, p.maxY = math.Min(p.minY, y), math.Max(p.maxY, y)
	}
	c.texts = append(c.texts, p)
}

// TestChartsTextInside draws every chart of the reports and fails when a
// title, legend entry, axis or tick label reaches outside the canvas, when
// a measured x has no tick, or when an arm changes colour between charts.
func TestChartsTextInside(t *testing.T) {
	for _, args := range [][]string{derived, {"testdata/synth-base.txt", "testdata/synth-tee.txt"}, {"testdata/synth-tee.txt"}} {
		in, err := ParseInputs(args)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Read(in)
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := build(d, Options{Evidence: noEvidence, keepPlots: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.plots) == 0 {
			t.Fatalf("%v: no charts drawn", args)
		}
		for _, np := range r.plots {
			c := newTextCanvas(chartW, chartH)
			drawChart(np.p, c)
			const eps = 0.5 // points
			seen := map[string]bool{}
			for _, tx := range c.texts {
				seen[tx.text] = true
				if tx.minX < -eps || tx.minY < -eps || tx.maxX > float64(chartW)+eps || tx.maxY > float64(chartH)+eps {
					t.Errorf("%v %s: text %q at x %.1f..%.1f, y %.1f..%.1f outside the %.0fx%.0f canvas",
						args, np.name, tx.text, tx.minX, tx.maxX, tx.minY, tx.maxY, float64(chartW), float64(chartH))
				}
			}
			if np.name == "scaling-efficiency.svg" {
				for _, tick := range []string{"1", "2", "4", "8", "16", "32"} {
					if !seen[tick] {
						t.Errorf("%v %s: no tick labelled %s", args, np.name, tick)
					}
				}
			}
			for _, a := range d.Arms {
				if !seen[a.Label] && !bytes.Contains([]byte(np.name), []byte("open-loop")) {
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
	p := newPlot("Gateway P99 latency (path=tls-proxy, keepalive=off, client=go), median and 95% CI, with a title far too long for the canvas", "x", "y")
	c := newTextCanvas(chartW, chartH)
	drawChart(p, c)
	out := 0
	for _, tx := range c.texts {
		if tx.minX < 0 || tx.maxX > float64(chartW) {
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
