package report

import (
	"math"
	"strings"

	"github.com/teebench/teebench/internal/published"
)

// Published is one absolute figure of the published Performance Report
// (docs/methods.md §0) with its source. Absolute figures come from other
// hardware: the report lists them in an appendix beside the rows with the
// same parameters and never draws a verdict on them.
type Published struct {
	// Row is the key of the report row this figure belongs to.
	Row string
	// Match, when set, restricts the figure to rows whose match string
	// ("/key=value/...") contains every one of these, case-insensitively.
	Match []string
	// Env names the published environment and its hardware.
	Env string
	// Value is in the row's tidied unit (B/s, sec, IOPS ...).
	Value float64
	// Source says where in the report the figure is.
	Source string
	// NotComparable, when set, says how the published method differs.
	NotComparable string
}

// PublishedFigures are the published absolute figures our rows are set
// against (internal/published, the one table of them), each with its
// source.
var PublishedFigures = func() []Published {
	var out []Published
	for _, e := range published.All() {
		if e.Kind == published.KindFigure {
			out = append(out, Published{Row: e.Key, Match: e.Match, Env: e.Env, Value: e.Value, Source: e.Source, NotComparable: e.NotComparable})
		}
	}
	return out
}()

// lookupPublished returns the figures for a row key whose Match strings
// all occur in match (a row's "/key=value/..." string), case-insensitively.
func lookupPublished(row, match string) []Published {
	var out []Published
	lm := strings.ToLower(match)
	for _, p := range PublishedFigures {
		if p.Row != row {
			continue
		}
		ok := true
		for _, m := range p.Match {
			ok = ok && strings.Contains(lm, strings.ToLower(m))
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// formatPublished renders a published value in the row's unit.
func formatPublished(p Published, unit string) string {
	if unit == "efficiency" {
		return pct(p.Value)
	}
	if math.IsNaN(p.Value) {
		return "–"
	}
	return FormatValue(p.Value, unit)
}
