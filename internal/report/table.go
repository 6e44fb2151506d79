package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/overhead"
)

// Num is a float64 that marshals NaN and ±Inf (an unbounded interval, an
// overhead of a zero baseline) as JSON null.
type Num float64

// MarshalJSON writes the number, or null when it is not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// Table is one table of the report as data: rows of benchmark name and
// unit with each arm's summary, the overhead of each TEE arm against the
// baseline, and the published overheads with verdicts. The report's
// table blocks (block, rendered by internal/report/markdown), the JSON
// output (-format json) and the PR comment are renderings of Tables.
type Table struct {
	// Section is the published report's section, e.g. "II. Storage".
	Section string `json:"section"`
	// Title is the table's heading: its sub-section ("zk proving"), or
	// the section's title when it has none.
	Title string `json:"title"`
	// Arms are the arm labels; Arms[0] is the baseline.
	Arms []string `json:"arms"`
	// Rows are in display order.
	Rows []Row `json:"rows"`

	first string   // the first column's heading
	names []string // the arms as the headers show them ("tdx (unattested)")
	// alt is set when rows carry the other implementation's figures;
	// altName names it ("Go engine"), ratio the ratio ("go/fio").
	alt            bool
	altName, ratio string
	notes          []string // footnotes (benchmath warnings)
	noise          []bool   // per arm: another baseline (its column is the noise floor)
}

// Row is one benchmark and unit of a Table.
type Row struct {
	// Label is the row's name in the published report's terms.
	Label string `json:"label"`
	// Benchmark and Unit name the row the way benchstat prints them:
	// "Fio/job=read_iops/engine=go" and "IOPS".
	Benchmark string `json:"benchmark"`
	Unit      string `json:"unit"`
	// Better is +1 (higher is better), -1 (lower) or 0, from the result
	// files' `Unit … better=` lines (benchstat's defaults otherwise).
	Better int `json:"better"`
	// Cells are indexed like Table.Arms.
	Cells []ArmCell `json:"cells"`
	// Overheads are those of Arms[1:] against Arms[0].
	Overheads []OverheadCell `json:"overheads,omitempty"`
	// Published are the published overheads this row is held against.
	Published []overhead.PubOverhead `json:"published,omitempty"`
	// Verdicts are one per (TEE arm, published pair), in that order;
	// empty in a one-arm report.
	Verdicts []string `json:"verdicts,omitempty"`
	// Flags mark a row that no headline may be drawn from (error rate
	// over the threshold), with the reason.
	Flags []string `json:"flags,omitempty"`

	// Alt names the same figure measured the other way (the Go engine
	// beside fio, or fio beside the Go engine); AltOverheads are its TEE
	// costs, Ratios the ratio ours/reference per arm, held to Goal.
	Alt          string         `json:"alt_benchmark,omitempty"`
	AltOverheads []OverheadCell `json:"alt_overheads,omitempty"`
	Ratios       []Num          `json:"ratios,omitempty"`
	Goal         string         `json:"goal,omitempty"`

	cellText, ohText, slowText []string
	altText, ratioText         []string
	zero                       bool   // an error rate of 0 everywhere: said in one line, not a row
	same                       string // the one value of every sample of every arm: said in one line
}

// ArmCell is one arm's summary of a row.
type ArmCell struct {
	// N is the number of samples, 0 when the arm did not measure it.
	N int `json:"n"`
	// Median, Lo and Hi are benchstat's center and 95% CI.
	Median Num `json:"median"`
	Lo     Num `json:"lo"`
	Hi     Num `json:"hi"`
}

// OverheadCell is one arm's overhead against the baseline, in percent in
// the report's one sign convention: "+ = worse" (a positive figure is a
// TEE cost, whether the unit is a throughput or a time).
type OverheadCell struct {
	Arm string `json:"arm"`
	// Pct is the overhead of the medians; Lo and Hi its 95% percentile-
	// bootstrap interval (null with fewer than 6 samples per arm).
	Pct Num `json:"pct"`
	Lo  Num `json:"lo"`
	Hi  Num `json:"hi"`
	// P is the Mann-Whitney U test's p-value; Significant is P <= 0.05.
	P           Num  `json:"p"`
	Significant bool `json:"significant"`
	N0          int  `json:"n_baseline"`
	N1          int  `json:"n"`
	// Slowdown is the "TEE/base time ×" factor of the medians: base/TEE
	// for throughput, TEE/base for time-like figures (null for a neutral
	// unit), so that equal slowdowns read equal whatever the unit.
	Slowdown Num `json:"slowdown"`
}

// block lays the table out as a document table: the row and its
// benchmark, each arm, each TEE arm's overhead and slowdown, the other
// implementation's costs and the ratios, the published overheads and the
// verdicts. Cells that show a number carry it.
func (t *Table) block() *blocks.Table {
	hdr := []string{t.first, "benchmark unit"}
	hdr = append(hdr, t.names...)
	for i, a := range t.Arms[1:] {
		if t.noise[i+1] {
			hdr = append(hdr, "noise floor "+a+" vs "+t.Arms[0]+" [95% CI]")
		} else {
			hdr = append(hdr, "TEE cost "+a+" vs "+t.Arms[0]+" [95% CI] (+ = worse)")
		}
		hdr = append(hdr, "TEE/base time ×")
	}
	if t.alt {
		for i, a := range t.Arms[1:] {
			what := "TEE cost"
			if t.noise[i+1] {
				what = "noise floor"
			}
			hdr = append(hdr, t.altName+": "+what+" "+a+" vs "+t.Arms[0])
		}
		hdr = append(hdr, t.ratio+" goal")
		for _, a := range t.Arms {
			hdr = append(hdr, t.ratio+" "+a)
		}
	}
	hasPub := false
	for _, r := range t.Rows {
		hasPub = hasPub || len(r.Published) > 0
	}
	if hasPub {
		hdr = append(hdr, "published TEE cost")
		if len(t.Arms) > 1 {
			hdr = append(hdr, "verdict")
		}
	}
	out := &blocks.Table{Header: hdr, Notes: t.notes}
	for _, r := range t.Rows {
		if r.zero || r.same != "" {
			continue
		}
		label := r.Label + Arrow(r.Better)
		for _, f := range r.Flags {
			label += " ⚠ " + f
		}
		line := []blocks.Cell{blocks.Text(label), blocks.Text("`" + r.Benchmark + " " + r.Unit + "`")}
		for i, txt := range r.cellText {
			line = append(line, numCell(txt, r.Cells[i].Median))
		}
		for i := range r.ohText {
			line = append(line, numCell(r.ohText[i], r.Overheads[i].Pct), numCell(r.slowText[i], r.Overheads[i].Slowdown))
		}
		if t.alt {
			if r.Alt == "" {
				for range 2 * len(t.Arms) { // alt costs, goal, ratios
					line = append(line, blocks.Text("–"))
				}
			} else {
				goal := r.Goal
				if goal == "" {
					goal = "none (context)"
				}
				for i, txt := range r.altText {
					line = append(line, numCell(txt, r.AltOverheads[i].Pct))
				}
				line = append(line, blocks.Text(goal))
				for i, txt := range r.ratioText {
					line = append(line, numCell(txt, r.Ratios[i]))
				}
			}
		}
		if hasPub {
			var ps []string
			for _, p := range r.Published {
				s := formatPct(p.Pct) + " (" + pairText(p) + ")"
				if len(t.Arms) == 1 && p.NotComparable != "" { // no verdict column to say it
					s += ", not comparable: " + p.NotComparable
				}
				ps = append(ps, s)
			}
			line = append(line, blocks.Text(strings.Join(ps, "<br>")))
			if len(t.Arms) > 1 {
				line = append(line, blocks.Text(strings.Join(r.Verdicts, "<br>")))
			}
		}
		out.Rows = append(out.Rows, line)
	}
	return out
}

// numCell is a cell showing v (when finite) as text.
func numCell(text string, v Num) blocks.Cell {
	c := blocks.Text(text)
	if f := float64(v); overhead.Finite(f) {
		c.Value, c.HasValue = f, true
	}
	return c
}

// Arrow marks a row's better direction in its label: " ↑" when higher
// is better, " ↓" when lower is, "" when the unit has no direction.
func Arrow(better int) string {
	switch {
	case better > 0:
		return " ↑"
	case better < 0:
		return " ↓"
	}
	return ""
}
