// Package published holds the published figures the report sets our rows
// against, stored once in one embedded table (figures.tsv): the absolute
// figures of the published Performance Report and of arXiv 2409.03992,
// each with its source and the environment it was measured on, and the
// papers' printed TEE overhead columns, on which alone verdicts are drawn
// (docs/methods.md §9: the printed columns, not overheads derived from the
// absolute figures, which differ for the 70B rows).
package published

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

//go:embed figures.tsv
var table string

// Kinds of Entry.
const (
	// KindFigure is an absolute figure, in its row's tidied unit (B/s,
	// sec, IOPS ...): other hardware, context only.
	KindFigure = "figure"
	// KindOverhead is a printed TEE overhead in percent, "+ = worse".
	KindOverhead = "overhead"
)

// Entry is one published figure.
type Entry struct {
	// Kind is KindFigure or KindOverhead.
	Kind string
	// Key names the report row: "fio/read_iops/IOPS", "llm/ttft", ...
	Key string
	// Match, when set, restricts the entry to rows whose "/key=value/"
	// string (or model name) contains every one of these,
	// case-insensitively.
	Match []string
	// Env is the published environment of a figure, or the baseline → TEE
	// pair of an overhead ("TDX-Lab VM → TDX-Lab CVM").
	Env string
	// Platform is the baseline platform a storage overhead starts from
	// ("bare-metal", "vm") or the GPU of an LLM overhead ("H100").
	Platform string
	// TEE is the `tee:` value (TEENames) of the TEE a figure's environment
	// ran in, or of an overhead pair's TEE side: the H100 LLM pairs are
	// SEV-SNP, the H200 and TDX-Lab pairs TDX (docs/published.md). Empty
	// when none or not stated; an overhead without one is NotComparable.
	TEE string
	// Value is the figure, or the overhead in percent.
	Value float64
	// Source says where in the publication the entry is.
	Source string
	// NotComparable, when set, says how the published method differs
	// from ours: the entry is shown for reference, never in a verdict.
	NotComparable string
}

// TEENames are the `tee:` values a published entry may name.
var TEENames = []string{"sev-snp", "tdx"}

var entries = mustParse(table)

// mustParse reads the embedded table; a malformed line is a build-time
// mistake, caught by the package's test.
func mustParse(s string) []Entry {
	es, err := parse(s)
	if err != nil {
		panic(err)
	}
	return es
}

func parse(s string) ([]Entry, error) {
	var out []Entry
	for i, l := range strings.Split(s, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		c := strings.Split(l, "\t")
		if len(c) != 9 {
			return nil, fmt.Errorf("figures.tsv:%d: %d columns, want 9", i+1, len(c))
		}
		if c[0] != KindFigure && c[0] != KindOverhead {
			return nil, fmt.Errorf("figures.tsv:%d: kind %q", i+1, c[0])
		}
		if c[5] != "" && !slices.Contains(TEENames, c[5]) {
			return nil, fmt.Errorf("figures.tsv:%d: tee %q, want one of %s or empty", i+1, c[5], strings.Join(TEENames, ", "))
		}
		v, err := strconv.ParseFloat(c[6], 64)
		if err != nil {
			return nil, fmt.Errorf("figures.tsv:%d: value: %w", i+1, err)
		}
		e := Entry{Kind: c[0], Key: c[1], Env: c[3], Platform: c[4], TEE: c[5], Value: v, Source: c[7], NotComparable: c[8]}
		if e.Kind == KindOverhead && e.TEE == "" && e.NotComparable == "" {
			return nil, fmt.Errorf("figures.tsv:%d: overhead %s %s names no tee but is comparable: a verdict needs the pair's TEE", i+1, e.Key, e.Env)
		}
		if c[2] != "" {
			e.Match = strings.Split(c[2], ",")
		}
		out = append(out, e)
	}
	return out, nil
}

// Figures returns the absolute figures of a row key, in table order.
func Figures(key string) []Entry { return of(KindFigure, key) }

// Overheads returns the printed overheads of a row key, in table order.
func Overheads(key string) []Entry { return of(KindOverhead, key) }

// All returns every entry, in table order.
func All() []Entry { return append([]Entry(nil), entries...) }

func of(kind, key string) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.Kind == kind && e.Key == key {
			out = append(out, e)
		}
	}
	return out
}

// Matches reports whether every Match part occurs in s, case-insensitively.
func (e Entry) Matches(s string) bool {
	ls := strings.ToLower(s)
	for _, m := range e.Match {
		if !strings.Contains(ls, strings.ToLower(m)) {
			return false
		}
	}
	return true
}
