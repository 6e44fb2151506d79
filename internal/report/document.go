package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/teebench/teebench/internal/attest"
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
	doc := &Document{SignConvention: SignConvention, Headlines: r.summary(), Tables: r.tables,
		RowsInNoSection: r.unplaced, Warnings: slices.Clone(d.Warnings)}
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

// WriteDocument writes the document as indented JSON.
func WriteDocument(w io.Writer, doc *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
