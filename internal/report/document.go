package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/results"
)

// SignConvention is the one sign convention of every overhead the report
// writes: a positive figure is a TEE cost.
const SignConvention = "+ = worse: a positive overhead is a TEE cost; slowdown is TEE/base time × (base/TEE for throughput, TEE/base for time)"

// Document is the report as data (-format json): the arms with their
// environments, files and evidence, the summary's headlines, every table
// of the sections, and what the report warns about.
type Document struct {
	// SignConvention states the sign of every overhead in the document.
	SignConvention string `json:"sign_convention"`
	// Arms are in report order; Arms[0] is the baseline.
	Arms []ArmDoc `json:"arms"`
	// Headlines are the summary's rows, one per area and TEE arm.
	Headlines []Headline `json:"headlines"`
	// Tables are the sections' metric tables, each with a title.
	Tables []*Table `json:"tables"`
	// Outline is the report's document model (internal/report/blocks),
	// the structure the Markdown shows, without charts (-format json draws
	// none).
	Outline []OutlineSection `json:"outline"`
	// RowsInNoSection are the benchmarks no section knows.
	RowsInNoSection []Unplaced `json:"rows_in_no_section"`
	// Warnings are the input warnings the report shows.
	Warnings []string `json:"warnings"`
	// Malformed are the skipped result lines, as file:line: message.
	Malformed []string `json:"malformed"`
}

// ArmDoc is one arm: its label (the token -arms prints), whether it claims
// a TEE without verified evidence, its manifest, run-info lines, files
// with their evidence, and the benchmarks its runs skipped.
type ArmDoc struct {
	Label string `json:"label"`
	// Unattested is set for a TEE arm whose files are not all verified.
	Unattested bool `json:"unattested"`
	// Environment maps each manifest key to its value (several values of
	// pooled files joined by ", ").
	Environment map[string]string `json:"environment"`
	// RunInfo maps each `# run key: value` key (suite revision, run
	// time, tool versions) to its value.
	RunInfo map[string]string `json:"run_info"`
	Files   []FileDoc         `json:"files"`
	Skips   []results.Skip    `json:"skips"`
}

// FileDoc is one result file and its evidence.
type FileDoc struct {
	Path     string      `json:"path"`
	Evidence EvidenceDoc `json:"evidence"`
}

// EvidenceDoc is attest.Evidence as JSON.
type EvidenceDoc struct {
	// Status is "verified", "failed" or "absent" (attest.State*).
	Status  string   `json:"status"`
	TEE     string   `json:"tee,omitempty"`
	MRTD    string   `json:"mrtd,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Caveats []string `json:"caveats,omitempty"`
}

func evidenceDoc(e attest.Evidence) EvidenceDoc {
	if e.Status == "" {
		e.Status = attest.StateAbsent
	}
	return EvidenceDoc{Status: e.Status, TEE: e.TEE, MRTD: e.MRTD, Reason: e.Reason, Caveats: e.Caveats}
}

// DocumentOf renders d without writing it and returns the report as data.
func DocumentOf(d *results.Dataset, opt Options) (*Document, error) {
	opt.ChartDir = ""
	r, err := build(d, opt)
	if err != nil {
		return nil, err
	}
	hs := r.summary()
	r.first(hs)
	doc := &Document{SignConvention: SignConvention, Headlines: hs, Tables: r.tables,
		Outline: r.outline(), RowsInNoSection: r.unplaced, Warnings: slices.Clone(d.Warnings)}
	if doc.Tables == nil {
		doc.Tables = []*Table{}
	}
	if doc.RowsInNoSection == nil {
		doc.RowsInNoSection = []Unplaced{}
	}
	if doc.Warnings == nil {
		doc.Warnings = []string{}
	}
	doc.Malformed = []string{}
	for _, e := range d.Malformed {
		doc.Malformed = append(doc.Malformed, e.Error())
	}
	for i, a := range d.Arms {
		ad := ArmDoc{Label: a.Label, Unattested: r.unattested(i), Environment: map[string]string{}, RunInfo: map[string]string{}, Skips: a.Skips}
		if ad.Skips == nil {
			ad.Skips = []results.Skip{}
		}
		for _, k := range a.EnvKeys {
			ad.Environment[k] = a.EnvValue(k)
		}
		for _, k := range d.RunKeys() {
			if v := d.RunInfo(i, k); v != "" {
				ad.RunInfo[k] = v
			}
		}
		for k, f := range a.Files {
			ad.Files = append(ad.Files, FileDoc{Path: f, Evidence: evidenceDoc(r.evidenceOf()[i][k])})
		}
		doc.Arms = append(doc.Arms, ad)
	}
	return doc, nil
}

// OutlineSection is one section of the report's document model
// (internal/report/blocks) as data: its name and its blocks in order.
type OutlineSection struct {
	Name   string         `json:"name"`
	Blocks []OutlineBlock `json:"blocks"`
}

// OutlineBlock is one block of a section. Type is "heading" (Level,
// Text), "banner" (Kind, Text), "paragraph" (Text), "table" or "chart"
// (Path, Alt). A metric table is named by its index in Document.Tables
// (Table), any other table (the summary, the environments, the
// not-measured list, the appendices) by its cells' text (Header, Rows);
// Notes are a table's footnotes. Text is CommonMark inline markup, as the
// Markdown shows it.
type OutlineBlock struct {
	Type   string     `json:"type"`
	Level  int        `json:"level,omitempty"`
	Kind   string     `json:"kind,omitempty"`
	Text   string     `json:"text,omitempty"`
	Table  *int       `json:"table,omitempty"`
	Header []string   `json:"header,omitempty"`
	Rows   [][]string `json:"rows,omitempty"`
	Notes  []string   `json:"notes,omitempty"`
	Path   string     `json:"path,omitempty"`
	Alt    string     `json:"alt,omitempty"`
}

// outline returns the document built as OutlineSections.
func (r *renderer) outline() []OutlineSection {
	out := []OutlineSection{}
	for _, s := range r.doc.Sections {
		os := OutlineSection{Name: s.Name, Blocks: []OutlineBlock{}}
		for _, b := range s.Blocks {
			ob := OutlineBlock{Type: b.Type()}
			switch b := b.(type) {
			case *blocks.Heading:
				ob.Level, ob.Text = b.Level, b.Text
			case *blocks.Banner:
				ob.Kind, ob.Text = b.Kind, b.Text
			case *blocks.Paragraph:
				ob.Text = b.Text
			case *blocks.Chart:
				ob.Path, ob.Alt = b.Path, b.Alt
			case *blocks.Table:
				ob.Notes = b.Notes
				if i, ok := r.tableOf[b]; ok {
					ob.Table = &i
					break
				}
				ob.Header = b.Header
				for _, row := range b.Rows {
					var texts []string
					for _, c := range row {
						texts = append(texts, c.Text)
					}
					ob.Rows = append(ob.Rows, texts)
				}
			}
			os.Blocks = append(os.Blocks, ob)
		}
		out = append(out, os)
	}
	return out
}

// WriteDocument writes the document as indented JSON.
func WriteDocument(w io.Writer, doc *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
