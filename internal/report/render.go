package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/teebench/teebench/internal/attest"
)

// Options configures Render.
type Options struct {
	// ChartDir is the directory the SVG charts are written to; the Markdown
	// links them by file name, so it should be the directory of the report.
	// "" renders no charts.
	ChartDir string
	// ChartLink is the path prefix of the chart links in the Markdown
	// (e.g. "charts/"); "" links them by file name.
	ChartLink string
	// ChartFormat is "svg" (the default) or "png".
	ChartFormat string
	// Evidence returns the attestation evidence of a result file; nil means
	// attest.EvidenceFor.
	Evidence func(resultPath string) attest.Evidence
	// MaxErrorRate is the error rate (errors/op, a fraction) above which a
	// row is marked and no headline is drawn from it; 0 means
	// DefaultMaxErrorRate.
	MaxErrorRate float64

	keepPlots bool // keep the drawn plots in renderer.plots (tests)
}

// DefaultMaxErrorRate is the error-rate threshold when none is given
// (TEEBENCH_MAX_ERROR_RATE, docs/design.md §10).
const DefaultMaxErrorRate = 0.01

// renderer accumulates one report.
type renderer struct {
	d   *Dataset
	opt Options
	out io.Writer
	// section is the title of the section being rendered.
	section string
	// headlines feed the TL;DR.
	headlines []string
	// tables are every metric table rendered, as data (-format json).
	tables []*Table
	// pubs records every published absolute figure a row is set against,
	// for the appendix.
	pubs []pubRecord
	// confounders are the manifest keys other than the TEE's own that
	// differ between the arms.
	confounders []string
	// plots keeps the drawn charts when opt.keepPlots is set (tests).
	plots []namedPlot
	// notes are the pending footnotes of the next table.
	notes []string
}

// pubRecord is one published absolute figure next to one of our rows.
type pubRecord struct {
	pub   Published
	label string // the row's label in our report
	bench string // benchmark and unit
}

// section is one part of the published report, in its order.
type section struct {
	title string
	// fills are the benchmarks that fill the section: package and -bench
	// pattern, printed as the go test command at the section's end.
	fills [][2]string
	fn    func(r *renderer) bool
}

var sections = []section{
	{"II. Storage", [][2]string{{"io_bench", "^BenchmarkFio$"}}, (*renderer).storage},
	{"III. Network gateway", [][2]string{{"net_bench", "^BenchmarkGateway(Multi|Rate)?$"}}, (*renderer).gateway},
	{"IV. zkTLS and memory encryption", [][2]string{{"zk_bench", "^Benchmark(Prove|Verify|Setup)$"}, {"cpu_bench", "^Benchmark(SHA256|Stream|MemLatency|Wakeup)$"}}, (*renderer).zkAndMemory},
	{"V. Compression", [][2]string{{"cpu_bench", "^Benchmark(SevenZip|Compress|Decompress)$"}}, (*renderer).compression},
	{"VI. GPU", [][2]string{{"gpu_bench", "^Benchmark(Copy|GEMM)$ -tags gpu"}}, (*renderer).gpu},
	{"VII. LLM inference", [][2]string{{"llm_bench", "^BenchmarkServe$"}}, (*renderer).llm},
	{"VIII. CPU thread scaling", [][2]string{{"cpu_bench", "^Benchmark(SevenZip|Compress|Decompress)$ (threads=N)"}}, (*renderer).scaling},
	{"IX. Why: the mechanisms behind the overheads", [][2]string{{"io_bench", "^BenchmarkFio$/job=lat_qd1"}, {"cpu_bench", "^Benchmark(Exit|PageTouch|MemLatency)$"},
		{"net_bench", "^BenchmarkTLSHandshake$"}, {"gpu_bench", "^Benchmark(CopyLatency|CopyStreams|Load|Launch)$ -tags gpu"}, {"cpu_bench", "^BenchmarkQuote$ -tags tdx"}}, (*renderer).why},
}

// fillsText renders a section's benchmarks as go test commands.
func fillsText(fills [][2]string) string {
	var parts []string
	for _, f := range fills {
		pat, extra, _ := strings.Cut(f[1], " ")
		flags := ""
		if strings.HasPrefix(extra, "-") {
			flags, extra = extra+" ", ""
		}
		s := fmt.Sprintf("`go test %s-run '^$' -bench '%s' ./%s`", flags, pat, f[0])
		if extra != "" {
			s += " " + extra
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// Render writes the Markdown report of d to w, and the charts to
// opt.ChartDir.
func Render(w io.Writer, d *Dataset, opt Options) error {
	r, body, err := build(d, opt)
	if err != nil {
		return err
	}
	var head bytes.Buffer
	r.out = &head
	r.header()
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	_, err = w.Write(body.Bytes())
	return err
}

// Tables renders d without writing it and returns its tables as data.
func Tables(d *Dataset, opt Options) ([]*Table, error) {
	opt.ChartDir = ""
	r, _, err := build(d, opt)
	if err != nil {
		return nil, err
	}
	return r.tables, nil
}

// build renders every section and the appendix into a buffer; the header
// (which needs the headlines) is written by the caller.
func build(d *Dataset, opt Options) (*renderer, *bytes.Buffer, error) {
	if len(d.Arms) == 0 {
		return nil, nil, fmt.Errorf("no arms to report")
	}
	if opt.Evidence == nil {
		opt.Evidence = attest.EvidenceFor
	}
	if opt.MaxErrorRate == 0 {
		opt.MaxErrorRate = DefaultMaxErrorRate
	}
	r := &renderer{d: d, opt: opt}
	r.confounders, _ = r.envDiff()
	var body bytes.Buffer
	for _, s := range sections {
		var sb bytes.Buffer
		r.out = &sb
		r.section = s.title
		if s.fn(r) {
			fmt.Fprintf(&body, "## %s\n\n", s.title)
			body.Write(sb.Bytes())
			fmt.Fprintf(&body, "*Filled by:* %s.\n\n", fillsText(s.fills))
		} else {
			fmt.Fprintf(&body, "*%s: no data; %s would fill this section.*\n\n", s.title, fillsText(s.fills))
		}
	}
	r.out = &body
	r.publishedAppendix()
	return r, &body, nil
}

func (r *renderer) p(format string, args ...any) {
	fmt.Fprintf(r.out, format, args...)
}

// header writes the title, TL;DR, what was not measured, environments and
// evidence.
func (r *renderer) header() {
	d := r.d
	r.p("# teebench performance report\n\n")
	var labels []string
	for _, a := range d.Arms {
		labels = append(labels, fmt.Sprintf("`%s` (%s)", a.Label, strings.Join(a.Files, ", ")))
	}
	if len(d.Arms) == 1 {
		r.p("One arm: %s. Absolute figures only, no overhead; the published overheads are listed for reference.\n\n", labels[0])
		if len(d.Arms[0].Files) > 1 {
			r.p("> **Note:** all %d files have `tee: %s`, so they were merged into one arm. "+
				"To compare them, name the arms: `base=a.txt other=b.txt`.\n\n", len(d.Arms[0].Files), d.Arms[0].EnvValue("tee"))
		}
	} else {
		r.p("Baseline: %s. Compared: %s.\n\n", labels[0], strings.Join(labels[1:], ", "))
		r.p("Every figure is the median of the runs with its 95%% confidence interval (±), formatted as benchstat does; "+
			"each row names its benchmark and unit as benchstat prints them. "+
			"Overhead follows the published report (docs/methods.md §0): throughput rows (↑, `better=higher` in the result file's `Unit` line) "+
			"use (off−on)/off, latency and cost rows (↓, `better=lower`) use (on−off)/off, so a positive overhead means the TEE arm is worse. "+
			"Brackets give a 95%% percentile-bootstrap interval of the overhead of the medians (%d resamples of each arm; only with ≥ %d runs per arm). "+
			"`~` means the Mann-Whitney U test finds no significant difference (p > 0.05); the point estimate follows it. "+
			"Verdicts hold our overhead against the published TEE overhead (docs/methods.md §9): *consistent* when the published overhead lies inside our interval, "+
			"*smaller/larger overhead here* otherwise; none below %d runs per arm. Published absolute figures (other hardware) are in the appendix only.\n\n",
			BootstrapN, MinVerdictN, MinVerdictN)
	}
	if len(d.Malformed) > 0 {
		r.p("> **Input:** %d malformed line(s) were skipped (a benchmark that failed mid-line); first: `%v`.\n\n", len(d.Malformed), d.Malformed[0])
	}
	for _, w := range d.Warnings {
		r.p("> **Input:** %s.\n\n", esc(w))
	}
	if len(r.confounders) > 0 {
		r.p("> **Warning:** the arms should differ only in the TEE (`tee`, `platform`, TDX / GPU-CC / evidence keys), but these manifest keys differ too: %s. "+
			"Part of any difference below may come from them; every verdict they affect says so.\n\n", "`"+strings.Join(r.confounders, "`, `")+"`")
	}
	r.p("## TL;DR\n\n")
	if len(r.headlines) == 0 {
		r.p("- No section had data.\n")
	}
	for _, h := range r.headlines {
		r.p("- %s\n", h)
	}
	r.p("\n")
	r.notMeasured()
	r.environment()
}

// teeKey reports whether a manifest key describes the TEE itself, so that
// its differing between arms is expected: the platform (cvm), the TD's
// identity (tdx-*, sev-*) and the GPU's confidential-computing state.
func teeKey(k string) bool {
	return k == "platform" || strings.HasPrefix(k, "tdx-") || strings.HasPrefix(k, "sev-") || strings.HasPrefix(k, "gpu-cc") || strings.HasPrefix(k, "evidence")
}

// envSkip are config keys that are not part of the environment.
var envSkip = map[string]bool{"pkg": true}

// envDiff returns the manifest keys that differ between the arms: the
// confounders (any key but the TEE's own) and the expected ones.
func (r *renderer) envDiff() (differ, expected []string) {
	d := r.d
	if len(d.Arms) < 2 {
		return nil, nil
	}
	for _, k := range r.envKeys() {
		if k == "tee" {
			continue
		}
		v0 := d.Arms[0].EnvValue(k)
		for _, a := range d.Arms[1:] {
			if a.EnvValue(k) != v0 {
				if teeKey(k) {
					expected = append(expected, k)
				} else {
					differ = append(differ, k)
				}
				break
			}
		}
	}
	return differ, expected
}

// envKeys are the manifest keys of all arms in order of first appearance.
func (r *renderer) envKeys() []string {
	var keys []string
	seen := map[string]bool{}
	for _, a := range r.d.Arms {
		for _, k := range a.EnvKeys {
			if !seen[k] && !envSkip[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func (r *renderer) environment() {
	d := r.d
	r.p("## Environment\n\n")
	keys := r.envKeys()
	_, expected := r.envDiff()
	if len(expected) > 0 {
		r.p("Keys that differ with the TEE itself (not a warning): %s.\n\n", "`"+strings.Join(expected, "`, `")+"`")
	}
	hdr := []string{"key"}
	for _, a := range d.Arms {
		hdr = append(hdr, a.Label)
	}
	var rows [][]string
	for _, k := range keys {
		row := []string{k}
		for _, a := range d.Arms {
			v := a.EnvValue(k)
			if v == "" {
				v = "–"
			}
			row = append(row, esc(v))
		}
		rows = append(rows, row)
	}
	ev := []string{"evidence"}
	for _, a := range d.Arms {
		var parts []string
		for _, f := range a.Files {
			parts = append(parts, formatEvidence(r.opt.Evidence(f)))
		}
		ev = append(ev, esc(strings.Join(parts, "; ")))
	}
	rows = append(rows, ev)
	r.table(hdr, rows)
}

func formatEvidence(e attest.Evidence) string {
	switch e.Status {
	case attest.StateVerified:
		if e.MRTD != "" {
			return "verified quote (MRTD " + short(e.MRTD) + ")"
		}
		return "verified quote"
	case attest.StateFailed:
		s := "failed quote"
		if e.MRTD != "" {
			s += " (MRTD " + short(e.MRTD) + ")"
		}
		if e.Reason != "" {
			s += ": " + e.Reason
		}
		return s
	case "", attest.StateAbsent:
		return "none"
	}
	return e.Status
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// esc makes a string safe inside a Markdown table cell.
func esc(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// table writes an ad-hoc Markdown table followed by the pending footnotes.
func (r *renderer) table(hdr []string, rows [][]string) {
	writeTable(r.out, hdr, rows, r.notes)
	r.notes = nil
}

// note returns the marker of a footnote for a warning, adding it once.
func (r *renderer) note(msg string) string {
	for i, n := range r.notes {
		if n == msg {
			return fmt.Sprintf(" [%d]", i+1)
		}
	}
	r.notes = append(r.notes, msg)
	return fmt.Sprintf(" [%d]", len(r.notes))
}

func (r *renderer) warnMarks(errs []error) string {
	var s string
	for _, e := range errs {
		s += r.note(e.Error())
	}
	return s
}

// row is one line of a metric table as a section specifies it.
type row struct {
	label string
	id    ID
	unit  string
	// pubs are the published overheads the row is held against.
	pubs []PubOverhead
	// abs is the key of the published absolute figures (PublishedFigures)
	// listed in the appendix for this row; "" for none.
	abs string
	// headline, when set, names the TL;DR area this row heads.
	headline string
	// minRequests, when set, is the number of requests (iterations) each
	// arm needs for a headline (LLM rows).
	minRequests int
}

// MinHeadlineRequests is the number of requests each arm of an LLM row
// needs before the TL;DR draws a headline from it.
const MinHeadlineRequests = 10

// betterOf is the direction of a unit from the result files' Unit lines,
// with benchstat's defaults (sec/op lower, B/s higher).
func (r *renderer) betterOf(unit string) int {
	return r.d.Units.GetBetter(unit)
}

func dirOfBetter(b int) Dir {
	switch {
	case b > 0:
		return Higher
	case b < 0:
		return Lower
	}
	return Neutral
}

// metricTable builds a Table from rows (dropping rows that no arm
// measured), writes it, records it, and draws the headlines of its rows.
// It reports whether any row was written.
func (r *renderer) metricTable(first string, rows []row) bool {
	d := r.d
	t := &Table{Section: r.section, first: first}
	if first != "metric" && first != "benchmark" {
		t.Title = first
	}
	for _, a := range d.Arms {
		t.Arms = append(t.Arms, a.Label)
		t.noise = append(t.noise, noiseArm(d, a))
	}
	for _, rw := range rows {
		if !d.Has(rw.id, rw.unit) {
			continue
		}
		better := r.betterOf(rw.unit)
		st := d.Stat(rw.id, rw.unit, dirOfBetter(better))
		R := Row{Label: rw.label, Benchmark: rw.id.String(), Unit: rw.unit, Better: better, Published: rw.pubs}
		for _, c := range st.Cells {
			ac := ArmCell{N: c.N, Median: Num(math.NaN()), Lo: Num(math.NaN()), Hi: Num(math.NaN())}
			if c.N > 0 {
				ac.Median, ac.Lo, ac.Hi = Num(c.Center), Num(c.Lo), Num(c.Hi)
			}
			R.Cells = append(R.Cells, ac)
			R.cellText = append(R.cellText, formatCell(c, rw.unit)+r.warnMarks(c.Warnings))
		}
		for i := range d.Arms {
			for _, o := range d.Outliers(rw.id, rw.unit, i) {
				R.cellText[i] += " ⚠" + r.note(o)
			}
		}
		for i, dl := range st.Deltas[1:] {
			oc := OverheadCell{Arm: d.Arms[i+1].Label, Pct: Num(dl.Overhead), Lo: Num(dl.Lo), Hi: Num(dl.Hi), P: Num(math.NaN()),
				Significant: dl.OK && dl.Significant, N0: st.Cells[0].N, N1: st.Cells[i+1].N}
			if dl.OK {
				oc.P = Num(dl.P)
			}
			R.Overheads = append(R.Overheads, oc)
			txt := formatOverhead(dl)
			if c0, c1 := st.Cells[0], st.Cells[i+1]; dl.OK && c0.Center == 0 { // no relative change from zero
				txt = fmt.Sprintf("%s → %s (%s)", FormatValue(c0.Center, rw.unit), FormatValue(c1.Center, rw.unit), dl.Comparison)
			}
			R.ohText = append(R.ohText, txt+r.warnMarks(dl.Warnings))
			for _, p := range rw.pubs {
				if t.noise[i+1] {
					continue // a baseline against the baseline: no TEE overhead
				}
				v := r.verdict(p, dl, st.Cells[0].N, st.Cells[i+1].N)
				if len(d.Arms) > 2 {
					v = d.Arms[i+1].Label + ": " + v
				}
				R.Verdicts = append(R.Verdicts, v)
			}
		}
		R.Flags = r.errorFlags(rw.id)
		if rw.abs != "" {
			for _, p := range lookupPublished(rw.abs, matchOf(rw.id)) {
				r.pubs = append(r.pubs, pubRecord{pub: p, label: rw.label, bench: rw.id.String() + " " + rw.unit})
			}
		}
		if rw.headline != "" {
			r.headline(rw, R, st)
		}
		t.Rows = append(t.Rows, R)
	}
	if len(t.Rows) == 0 {
		r.notes = nil
		return false
	}
	t.notes, r.notes = r.notes, nil
	t.markdown(r.out)
	r.tables = append(r.tables, t)
	return true
}

// verdict is Verdict with the confounder warning beside every verdict the
// differing manifest keys affect.
func (r *renderer) verdict(p PubOverhead, dl Delta, n0, n1 int) string {
	v := Verdict(p, dl, n0, n1)
	if len(r.confounders) > 0 && p.NotComparable == "" && dl.OK {
		v += " (⚠ `" + strings.Join(r.confounders, "`, `") + "` differ too)"
	}
	return v
}

// noiseArm reports whether arm a, not the first, is another baseline
// (tee none): its "overhead" against the baseline is the noise floor the
// TEE overheads should be read against.
func noiseArm(d *Dataset, a *Arm) bool {
	if a == d.Arms[0] {
		return false
	}
	v := a.EnvValue("tee")
	return (v == "none" || v == "") && (d.Arms[0].EnvValue("tee") == "none" || d.Arms[0].EnvValue("tee") == "")
}

// errorFlags marks a benchmark whose error rate (errors/op, median) exceeds
// the threshold in some arm: no headline is drawn from any of its rows.
func (r *renderer) errorFlags(id ID) []string {
	var flags []string
	for i, a := range r.d.Arms {
		if m := r.median(id, "errors/op", i); m > r.opt.MaxErrorRate {
			flags = append(flags, fmt.Sprintf("errors %s > %s in `%s`", pct(m), pct(r.opt.MaxErrorRate), a.Label))
		}
	}
	return flags
}

// headline adds a TL;DR line for one row: each TEE arm's overhead with its
// interval and the verdicts, or the absolute figure in a one-arm report.
// A row with too high an error rate, or (LLM) too few requests, gives a
// line that says so instead of a figure.
func (r *renderer) headline(rw row, R Row, st Stat) {
	d := r.d
	what := fmt.Sprintf("**%s**: %s (`%s %s`)", rw.headline, rw.label, R.Benchmark, R.Unit)
	if len(R.Flags) > 0 {
		r.headlines = append(r.headlines, what+": no headline, "+strings.Join(R.Flags, ", "))
		return
	}
	if rw.minRequests > 0 {
		var short []string
		for i, a := range d.Arms {
			if n := d.Iterations(rw.id, i); n < rw.minRequests {
				short = append(short, fmt.Sprintf("%d in `%s`", n, a.Label))
			}
		}
		if len(short) > 0 {
			r.headlines = append(r.headlines, fmt.Sprintf("%s: no headline, too few requests (%s; need ≥ %d per arm)", what, strings.Join(short, ", "), rw.minRequests))
			return
		}
	}
	if len(d.Arms) == 1 {
		r.headlines = append(r.headlines, what+" = "+formatCell(st.Cells[0], rw.unit))
		return
	}
	var parts []string
	for i, dl := range st.Deltas[1:] {
		a := d.Arms[i+1]
		s := "not measured"
		if dl.OK {
			s = formatOverhead(dl) + " overhead"
		}
		var vs []string
		for _, p := range rw.pubs {
			if noiseArm(d, a) {
				break
			}
			vs = append(vs, fmt.Sprintf("published %s (%s): %s", formatPct(p.Pct), p.Pair, r.verdict(p, dl, st.Cells[0].N, st.Cells[i+1].N)))
		}
		if len(vs) > 0 {
			s += "; " + strings.Join(vs, "; ")
		}
		if noiseArm(d, a) {
			s += " (noise floor: a baseline against the baseline)"
		}
		parts = append(parts, fmt.Sprintf("`%s` vs `%s` %s", a.Label, d.Arms[0].Label, s))
	}
	r.headlines = append(r.headlines, what+": "+strings.Join(parts, "; "))
}

// publishedAppendix lists the published absolute figures of the rows
// above, with source and environment. They come from other hardware, so no
// verdict is drawn on them.
func (r *renderer) publishedAppendix() {
	r.p("## Appendix: published absolute figures\n\n")
	if len(r.pubs) == 0 {
		r.p("No row of this report has a published counterpart.\n\n")
		return
	}
	r.p("The published report's figures for the rows above with the same parameters, with their source and the environment (hardware) they were measured on. " +
		"They were measured on other machines, so they are context only: verdicts above are drawn on overheads alone. " +
		"Methods are named as in the project's docs/methods.md and the published Performance Report.\n\n")
	// One line per published row and parameters: every benchmark it is
	// set against, every environment's figure.
	type group struct {
		label, source, note string
		unit                string
		benches, figs       []string
		seen                map[string]bool
	}
	var order []string
	groups := map[string]*group{}
	for _, pr := range r.pubs {
		p := pr.pub
		k := p.Row + "\x00" + strings.Join(p.Match, ",")
		g, ok := groups[k]
		if !ok {
			g = &group{label: pr.label, source: p.Source, unit: unitOfRow(p.Row), seen: map[string]bool{}}
			if p.NotComparable != "" {
				g.note = "different method: " + p.NotComparable
			}
			groups[k] = g
			order = append(order, k)
		}
		if !g.seen["b"+pr.bench] {
			g.seen["b"+pr.bench] = true
			g.benches = append(g.benches, "`"+pr.bench+"`")
		}
		if f := p.Env + ": " + formatPublished(p, g.unit); !g.seen["f"+f] {
			g.seen["f"+f] = true
			g.figs = append(g.figs, f)
		}
	}
	var rows [][]string
	for _, k := range order {
		g := groups[k]
		rows = append(rows, []string{esc(g.label), esc(strings.Join(g.benches, "<br>")), esc(strings.Join(g.figs, "<br>")), esc(g.source), esc(g.note)})
	}
	r.table([]string{"row", "benchmark unit", "published environment: figure", "source", "note"}, rows)
}

// unitOfRow returns the unit part of a published row key.
func unitOfRow(row string) string {
	switch {
	case strings.HasSuffix(row, "/efficiency"):
		return "efficiency"
	case strings.HasSuffix(row, "/usage"):
		return "usage-%"
	case strings.HasPrefix(row, "llm/"):
		switch row {
		case "llm/tps":
			return "tok/s"
		case "llm/qps":
			return "req/s"
		}
		return "sec/op"
	}
	for _, u := range []string{"lat-mean-sec", "lat-p99-sec", "connect-max-sec", "errors/op", "read-IOPS", "write-IOPS", "IOPS", "compress-MIPS", "MIPS", "decompress-B/s", "compress-B/s", "B/s", "req/s", "sec/op", "proof-B", "TOPS"} {
		if strings.HasSuffix(row, "/"+u) {
			return u
		}
	}
	return ""
}

// median returns the center of arm i's samples, NaN when it has none.
func (r *renderer) median(id ID, unit string, arm int) float64 {
	c, _ := summarize(r.d.Units.GetAssumption(unit), r.d.Values(id, unit, arm))
	if c.N == 0 {
		return math.NaN()
	}
	return c.Center
}
