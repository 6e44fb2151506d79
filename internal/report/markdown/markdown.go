// Package markdown writes the report's document model (internal/report/
// blocks) as GitHub-flavoured Markdown: a heading as "#"s, a banner as a
// block quote with its kind in bold, a table as a pipe table followed by
// its footnotes, a chart as an image link, each block followed by a blank
// line. Text inside blocks is already CommonMark inline markup and is
// written as it is, except that a table cell's vertical bars are escaped.
//
// It is a renderer in the x/perf sense (benchstat's tables, then their
// text or CSV): it knows blocks, not benchmarks, and the PR comment
// (internal/report/prcomment) writes its tables with WriteTable too.
package markdown

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/teebench/teebench/internal/report/blocks"
)

// Write writes doc as Markdown to w.
func Write(w io.Writer, doc *blocks.Doc) error {
	bw := bufio.NewWriter(w)
	for _, s := range doc.Sections {
		for _, b := range s.Blocks {
			if err := writeBlock(bw, b); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// WriteBlocks writes bs as Markdown to w.
func WriteBlocks(w io.Writer, bs []blocks.Block) error {
	bw := bufio.NewWriter(w)
	for _, b := range bs {
		if err := writeBlock(bw, b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func writeBlock(w *bufio.Writer, b blocks.Block) error {
	switch b := b.(type) {
	case *blocks.Heading:
		fmt.Fprintf(w, "%s %s\n\n", strings.Repeat("#", b.Level), b.Text)
	case *blocks.Banner:
		if b.Kind != "" {
			fmt.Fprintf(w, "> **%s:** %s\n\n", b.Kind, b.Text)
		} else {
			fmt.Fprintf(w, "> %s\n\n", b.Text)
		}
	case *blocks.Paragraph:
		fmt.Fprintf(w, "%s\n\n", b.Text)
	case *blocks.Chart:
		fmt.Fprintf(w, "![%s](%s)\n\n", b.Alt, b.Path)
	case *blocks.Table:
		rows := make([][]string, len(b.Rows))
		for i, r := range b.Rows {
			rows[i] = make([]string, len(r))
			for j, c := range r {
				rows[i][j] = Esc(c.Text)
			}
		}
		hdr := make([]string, len(b.Header))
		for i, h := range b.Header {
			hdr[i] = Esc(h)
		}
		WriteTable(w, hdr, rows, b.Notes)
	default:
		return fmt.Errorf("markdown: unknown block %T", b)
	}
	return nil
}

// Esc makes a string safe inside a Markdown table cell: its vertical bars
// are backslash-escaped, as blocks.Literal does for prose.
func Esc(s string) string {
	return blocks.Literal(s)
}

// WriteTable writes a Markdown table and its footnotes. The cells are
// written as they are: escape them (Esc) where they may hold a '|'.
func WriteTable(w io.Writer, hdr []string, rows [][]string, notes []string) {
	fmt.Fprintf(w, "| %s |\n|", strings.Join(hdr, " | "))
	for range hdr {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, row := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	fmt.Fprintln(w)
	for i, n := range notes {
		fmt.Fprintf(w, "[%d]: %s  \n", i+1, n)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
	}
}
