package report

import (
	"fmt"
	"strings"

	"github.com/teebench/teebench/internal/report/blocks"
)

// The renderer's output is the document model (internal/report/blocks):
// these methods append blocks to the section being built. None of them
// writes markup; internal/report/markdown does.

// begin starts a new section of the document named name.
func (r *renderer) begin(name string) {
	r.flushLead()
	r.doc.Sections = append(r.doc.Sections, blocks.Section{Name: name})
}

// cur returns the section being built.
func (r *renderer) cur() *blocks.Section {
	if len(r.doc.Sections) == 0 {
		r.doc.Sections = append(r.doc.Sections, blocks.Section{})
	}
	return &r.doc.Sections[len(r.doc.Sections)-1]
}

// add appends b to the section being built; a pending lead sentence
// (lead) becomes a paragraph of its own before it.
func (r *renderer) add(b blocks.Block) {
	if _, ok := b.(*blocks.Paragraph); !ok {
		r.flushLead()
	}
	s := r.cur()
	s.Blocks = append(s.Blocks, b)
}

// heading adds a heading of level (2: a section, 3: a sub-section, 4: a
// sub-sub-section); the last level-3 and level-4 headings title the
// metric tables under them.
func (r *renderer) heading(level int, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	switch level {
	case 3:
		r.h3, r.h4 = text, ""
	case 4:
		r.h4 = text
	}
	r.add(&blocks.Heading{Level: level, Text: text})
}

// para adds a paragraph, opened by the pending lead sentence if any; an
// empty paragraph adds nothing.
func (r *renderer) para(format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if r.lead != "" {
		text, r.lead = r.lead+text, ""
	}
	if text == "" {
		return
	}
	r.add(&blocks.Paragraph{Text: text})
}

// leadWith sets a sentence (ending in a space) that opens the next
// paragraph.
func (r *renderer) leadWith(format string, args ...any) {
	r.lead += fmt.Sprintf(format, args...)
}

// flushLead makes a pending lead sentence that no paragraph followed a
// paragraph of its own.
func (r *renderer) flushLead() {
	if r.lead == "" {
		return
	}
	text := strings.TrimSuffix(r.lead, " ")
	r.lead = ""
	r.add(&blocks.Paragraph{Text: text})
}

// banner adds a banner of kind ("Warning") with its text.
func (r *renderer) banner(kind, format string, args ...any) {
	r.add(&blocks.Banner{Kind: kind, Text: fmt.Sprintf(format, args...)})
}

// table adds an ad-hoc table of text cells with the pending footnotes.
func (r *renderer) table(hdr []string, rows [][]string) {
	t := &blocks.Table{Header: hdr}
	for _, row := range rows {
		t.Rows = append(t.Rows, blocks.Texts(row))
	}
	r.addTable(t)
}

// addTable adds t with the pending footnotes.
func (r *renderer) addTable(t *blocks.Table) {
	t.Notes, r.notes = r.notes, nil
	r.add(t)
}
