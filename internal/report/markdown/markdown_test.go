package markdown

import (
	"bytes"
	"testing"

	"github.com/teebench/teebench/internal/report/blocks"
)

// TestWrite pins the Markdown of each block kind: the layout the report's
// goldens (internal/report/testdata) are made of.
func TestWrite(t *testing.T) {
	doc := &blocks.Doc{Sections: []blocks.Section{
		{Name: "top", Blocks: []blocks.Block{
			&blocks.Heading{Level: 1, Text: "teebench performance report"},
			&blocks.Banner{Kind: "Warning", Text: "keys differ: `kernel`."},
			&blocks.Banner{Text: "**confounded**: microcode."},
		}},
		{Name: "II. Storage", Blocks: []blocks.Block{
			&blocks.Heading{Level: 2, Text: "II. Storage"},
			&blocks.Paragraph{Text: "*Filled by* `go test`. Text."},
			&blocks.Heading{Level: 3, Text: "engine=fio"},
			&blocks.Table{
				Header: []string{"metric", "a|b"},
				Rows: [][]blocks.Cell{
					{blocks.Text("IOPS ↑"), {Text: "80.95k ±1% [1]", Value: 80950, HasValue: true}},
					{blocks.Text("x|y"), blocks.Text("`A|B`")},
				},
				Notes: []string{"too few samples"},
			},
			&blocks.Table{Header: []string{"k"}, Rows: [][]blocks.Cell{{blocks.Text("v")}}},
			&blocks.Chart{Path: "r-charts/storage-iops.svg", Alt: "Storage IOPS", Title: "IOPS,\nmedian"},
		}},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	want := "# teebench performance report\n\n" +
		"> **Warning:** keys differ: `kernel`.\n\n" +
		"> **confounded**: microcode.\n\n" +
		"## II. Storage\n\n" +
		"*Filled by* `go test`. Text.\n\n" +
		"### engine=fio\n\n" +
		"| metric | a\\|b |\n|---|---|\n" +
		"| IOPS ↑ | 80.95k ±1% [1] |\n" +
		"| x\\|y | `A\\|B` |\n\n" +
		"[1]: too few samples  \n\n" +
		"| k |\n|---|\n| v |\n\n" +
		"![Storage IOPS](r-charts/storage-iops.svg)\n\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var one bytes.Buffer
	if err := WriteBlocks(&one, doc.Sections[0].Blocks[:1]); err != nil {
		t.Fatal(err)
	}
	if one.String() != "# teebench performance report\n\n" {
		t.Errorf("WriteBlocks: %q", one.String())
	}
}
