// Package blocks is the report's document model: what internal/report's
// tables layer produces and a renderer (internal/report/markdown) writes.
// A Doc is an ordered list of Sections, each an ordered list of Blocks:
// headings, banners, paragraphs, tables (with their footnotes) and chart
// references. Block structure is data here, never markup; the text inside
// a block (a heading, a paragraph, a cell) is CommonMark inline markup:
// code spans, emphasis and strong emphasis, backslash escapes and the
// inline HTML <br> (a line break inside a table cell). It holds no block
// markup: no line that starts a heading, a quote or a table, and no blank
// line.
//
// The package knows documents, not benchmarks: it imports nothing of the
// suite, so a renderer depends on it alone.
package blocks

import "strings"

// Doc is a whole report: its sections in order.
type Doc struct {
	Sections []Section
}

// Section is one part of a report in order: the first screen (title,
// banners, summary, environment), one of the published report's sections,
// or an appendix. Name identifies it; the heading a reader sees, if any,
// is a Heading block in Blocks.
type Section struct {
	Name   string
	Blocks []Block
}

// Block is one block of a section: a *Heading, *Banner, *Paragraph,
// *Table or *Chart.
type Block interface {
	// Type names the block's type: "heading", "banner", "paragraph",
	// "table" or "chart".
	Type() string
}

// Heading is a section or sub-section heading; Level 1 is the report's
// title.
type Heading struct {
	Level int
	Text  string
}

// Banner is a call-out that changes how the figures below read: Kind is
// its lead word as the reader sees it ("Warning", "Input", "Noise",
// "Unattested", "Too few runs for statistics"), "" for a banner without
// one; Text is the rest.
type Banner struct {
	Kind string
	Text string
}

// Paragraph is one paragraph of prose.
type Paragraph struct {
	Text string
}

// Table is a table: a header row, rows of cells, and the footnotes its
// cells' markers ("[1]") refer to, in marker order.
type Table struct {
	Header []string
	Rows   [][]Cell
	Notes  []string
}

// Cell is one table cell: its text and, where the data has one, the
// number it shows (a median, a cost in percent, a slowdown factor, a
// ratio), which HasValue marks.
type Cell struct {
	Text     string
	Value    float64
	HasValue bool
}

// Chart is a reference to a chart written next to the report: Path is
// the link (relative to the report), Alt the text that stands for the
// image, Title the title drawn in it (its lines joined by "\n"); the
// image itself carries the title, so a renderer may leave it out.
type Chart struct {
	Path  string
	Alt   string
	Title string
}

// Type returns "heading".
func (*Heading) Type() string { return "heading" }

// Type returns "banner".
func (*Banner) Type() string { return "banner" }

// Type returns "paragraph".
func (*Paragraph) Type() string { return "paragraph" }

// Type returns "table".
func (*Table) Type() string { return "table" }

// Type returns "chart".
func (*Chart) Type() string { return "chart" }

// Text returns a cell with text only.
func Text(s string) Cell { return Cell{Text: s} }

// Texts returns cells with text only.
func Texts(ss []string) []Cell {
	out := make([]Cell, len(ss))
	for i, s := range ss {
		out[i] = Cell{Text: s}
	}
	return out
}

// Literal returns s as inline text whose vertical bars are backslash-
// escaped (CommonMark's escape of ASCII punctuation), for prose built from
// free text (labels, error messages) that must not be read as a table's
// cell separator by a renderer that sets the text near a table. Table
// cells need no such escaping: a renderer escapes what its table syntax
// needs.
func Literal(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
