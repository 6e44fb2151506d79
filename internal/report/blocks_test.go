package report

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/markdown"
)

// fixtureDocs are the documents of the committed fixtures: two arms
// (derived), three arms with SEV-SNP and TDX (h100), one arm (synth).
var fixtureDocs = map[string][]string{
	"derived":   derived,
	"h100":      {"testdata/h100-base.txt", "testdata/h100-tdx.txt", "testdata/h100-snp.txt"},
	"synth-one": {"testdata/synth-tee.txt"},
	"real":      {"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"},
}

// TestModelHasNoMarkup holds the document model to its doc comment: block
// structure is data, so no text inside a block opens a heading, a quote,
// a table or a new paragraph, and every table row has a cell per header.
func TestModelHasNoMarkup(t *testing.T) {
	for name, args := range fixtureDocs {
		doc, err := Build(readFixture(t, args), Options{Evidence: noEvidence})
		if err != nil {
			t.Fatal(err)
		}
		prose := func(where, s string) {
			t.Helper()
			if s == "" || strings.Contains(s, "\n") || strings.HasPrefix(s, "#") || strings.HasPrefix(s, ">") || strings.HasPrefix(s, "|") || strings.HasPrefix(s, " ") {
				t.Errorf("%s: %s is not one line of inline text: %q", name, where, s)
			}
		}
		for _, s := range doc.Sections {
			if len(s.Blocks) == 0 {
				t.Errorf("%s: section %q has no blocks", name, s.Name)
			}
			for _, b := range s.Blocks {
				switch b := b.(type) {
				case *blocks.Heading:
					if b.Level < 1 || b.Level > 4 {
						t.Errorf("%s: heading level %d: %q", name, b.Level, b.Text)
					}
					prose("heading", b.Text)
				case *blocks.Banner:
					prose("banner", b.Text)
				case *blocks.Paragraph:
					prose("paragraph", b.Text)
				case *blocks.Chart:
					prose("chart alt text", b.Alt)
				case *blocks.Table:
					for _, h := range b.Header {
						prose("header cell", h)
					}
					for _, row := range b.Rows {
						if len(row) != len(b.Header) {
							t.Errorf("%s: table %q: a row of %d cells under %d headers", name, b.Header[0], len(row), len(b.Header))
						}
						for _, c := range row {
							if strings.Contains(c.Text, "\n") {
								t.Errorf("%s: cell %q spans lines", name, c.Text)
							}
						}
					}
					for _, n := range b.Notes {
						prose("footnote", n)
					}
				}
			}
		}
	}
}

// TestMarkdownIsTheModel renders each fixture's document as Markdown and
// counts the block structure in the text: every heading, banner, chart
// and table line the Markdown has is a block of the model, so no section
// writes structure of its own inside a block's text.
func TestMarkdownIsTheModel(t *testing.T) {
	for name, args := range fixtureDocs {
		dir := t.TempDir()
		doc, err := Build(readFixture(t, args), Options{Evidence: noEvidence, ChartDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		var want [4]int // headings, banners, charts, table rows (header, rule, body)
		for _, s := range doc.Sections {
			for _, b := range s.Blocks {
				switch b := b.(type) {
				case *blocks.Heading:
					want[0]++
				case *blocks.Banner:
					want[1]++
				case *blocks.Chart:
					want[2]++
				case *blocks.Table:
					want[3] += 2 + len(b.Rows)
				}
			}
		}
		var buf bytes.Buffer
		if err := markdown.Write(&buf, doc); err != nil {
			t.Fatal(err)
		}
		var got [4]int
		for _, l := range strings.Split(buf.String(), "\n") {
			switch {
			case strings.HasPrefix(l, "#"):
				got[0]++
			case strings.HasPrefix(l, "> "):
				got[1]++
			case strings.HasPrefix(l, "!["):
				got[2]++
			case strings.HasPrefix(l, "|"):
				got[3]++
			}
		}
		if got != want {
			t.Errorf("%s: Markdown has %v headings, banners, charts, table lines; the model %v", name, got, want)
		}
		if want[2] == 0 && name != "synth-one" {
			t.Errorf("%s: no chart in the model", name)
		}
	}
}

// TestTableCellsCarryNumbers: a metric table's cells carry the figures
// they show, the same numbers as the JSON Document's table.
func TestTableCellsCarryNumbers(t *testing.T) {
	d := readFixture(t, derived)
	doc, err := Build(d, Options{Evidence: noEvidence})
	if err != nil {
		t.Fatal(err)
	}
	jd, err := DocumentOf(readFixture(t, derived), Options{Evidence: noEvidence})
	if err != nil {
		t.Fatal(err)
	}
	var tb *blocks.Table
	for _, s := range doc.Sections {
		if s.Name != "II. Storage" {
			continue
		}
		for _, b := range s.Blocks {
			if bt, ok := b.(*blocks.Table); ok && tb == nil {
				tb = bt
			}
		}
	}
	if tb == nil {
		t.Fatal("no table in II. Storage")
	}
	jt := jd.Tables[0]
	if jt.Section != "II. Storage" || len(tb.Rows) == 0 {
		t.Fatalf("first JSON table is %q, storage table has %d rows", jt.Section, len(tb.Rows))
	}
	row, jr := tb.Rows[0], jt.Rows[0]
	// label, benchmark unit, then one cell per arm, then each TEE arm's cost and slowdown.
	for i, c := range jr.Cells {
		if got := row[2+i]; !got.HasValue || got.Value != float64(c.Median) {
			t.Errorf("arm %d cell %q carries %v (has %v), the JSON median is %v", i, got.Text, got.Value, got.HasValue, c.Median)
		}
	}
	if got := row[2+len(jr.Cells)]; !got.HasValue || got.Value != float64(jr.Overheads[0].Pct) {
		t.Errorf("cost cell %q carries %v, the JSON cost is %v", got.Text, got.Value, jr.Overheads[0].Pct)
	}
	if got := row[0]; got.HasValue {
		t.Errorf("label cell %q carries a number", got.Text)
	}
}

// TestTablesLayerWritesNoMarkdown reads this package's source: no string
// literal outside the tests holds Markdown block syntax (a heading, a
// quote, a table row or rule, a blank line). internal/report/markdown
// writes those.
func TestTablesLayerWritesNoMarkdown(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		n++
		ast.Inspect(af, func(node ast.Node) bool {
			lit, ok := node.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			for _, bad := range []string{"\n\n", "\n#", "\n>", "\n|", "| ", " |", "---|"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s: %q holds Markdown block syntax %q", fset.Position(lit.Pos()), s, bad)
				}
			}
			for _, bad := range []string{"#", "> ", "|"} {
				if strings.HasPrefix(s, bad) {
					t.Errorf("%s: %q opens with Markdown block syntax %q", fset.Position(lit.Pos()), s, bad)
				}
			}
			return true
		})
	}
	if n < 10 {
		t.Fatalf("read %d source files", n)
	}
}

// TestOutlineIsTheModel: the JSON Document's outline is the document model
// Build returns, block for block, its metric tables named by their index
// in Document.Tables (in order, each once) instead of repeated.
func TestOutlineIsTheModel(t *testing.T) {
	for name, args := range fixtureDocs {
		doc, err := Build(readFixture(t, args), Options{Evidence: noEvidence})
		if err != nil {
			t.Fatal(err)
		}
		jd, err := DocumentOf(readFixture(t, args), Options{Evidence: noEvidence})
		if err != nil {
			t.Fatal(err)
		}
		if len(jd.Outline) != len(doc.Sections) {
			t.Fatalf("%s: outline has %d sections, the model %d", name, len(jd.Outline), len(doc.Sections))
		}
		last := -1
		for i, s := range doc.Sections {
			os := jd.Outline[i]
			if os.Name != s.Name || len(os.Blocks) != len(s.Blocks) {
				t.Fatalf("%s: outline section %q of %d blocks, the model's %q of %d", name, os.Name, len(os.Blocks), s.Name, len(s.Blocks))
			}
			for k, b := range s.Blocks {
				ob := os.Blocks[k]
				if ob.Type != b.Type() {
					t.Errorf("%s: %s block %d: outline %s, model %s", name, s.Name, k, ob.Type, b.Type())
				}
				switch b := b.(type) {
				case *blocks.Paragraph:
					if ob.Text != b.Text {
						t.Errorf("%s: paragraph %q in the outline is %q", name, b.Text, ob.Text)
					}
				case *blocks.Table:
					if ob.Table == nil {
						if len(ob.Rows) != len(b.Rows) || len(ob.Header) != len(b.Header) {
							t.Errorf("%s: table %v: outline has %d rows, model %d", name, b.Header, len(ob.Rows), len(b.Rows))
						}
						continue
					}
					if *ob.Table <= last || *ob.Table >= len(jd.Tables) {
						t.Errorf("%s: table index %d after %d of %d tables", name, *ob.Table, last, len(jd.Tables))
						continue
					}
					last = *ob.Table
					if jt := jd.Tables[last]; jt.Section != s.Name {
						t.Errorf("%s: table %d is in %q, its block in %q", name, last, jt.Section, s.Name)
					}
				}
			}
		}
		if last < 0 {
			t.Errorf("%s: no metric table in the outline", name)
		}
	}
}
