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
}

// renderer accumulates one report.
type renderer struct {
	d   *Dataset
	opt Options
	out io.Writer
	// notes are the current table's footnotes (benchmath warnings).
	notes []string
	// headlines feed the TL;DR.
	headlines []string
	charts    []string
	// pubs records every published figure set against an arm, for the
	// appendix.
	pubs []pubRecord
	err  error
}

// pubRecord is one published figure set against one arm's figure.
type pubRecord struct {
	pub     Published
	label   string // the row's label in our report
	arm     string
	ours    string
	verdict string
}

// verdict computes the verdict of a published figure against an arm's cell
// and records it for the appendix.
func (r *renderer) verdict(p Published, label string, arm int, c Cell, unit string) string {
	a := r.d.Arms[arm]
	v := Verdict(p, a, c, unit)
	ours := "–"
	if c.N > 0 {
		ours = FormatValue(c.Center, unit) + " ±" + c.PctRangeString()
		if unit == "efficiency" {
			ours = pct(c.Center)
		}
	}
	r.pubs = append(r.pubs, pubRecord{pub: p, label: label, arm: a.Label, ours: ours, verdict: v})
	return v
}

// section is one part of the published report, in its order.
type section struct {
	title string
	// fills names the benchmarks that would fill the section.
	fills string
	fn    func(r *renderer) bool
}

var sections = []section{
	{"II. Storage", "`BenchmarkFio` (io_bench)", (*renderer).storage},
	{"III. Network gateway", "`BenchmarkGateway`, `BenchmarkGatewayMulti`, `BenchmarkGatewayRate` (net_bench)", (*renderer).gateway},
	{"IV. zk proving", "`BenchmarkProve`, `BenchmarkVerify`, `BenchmarkSetup` (zk_bench)", (*renderer).zk},
	{"IV. Memory encryption", "`BenchmarkSHA256`, `BenchmarkStream`, `BenchmarkMemLatency`, `BenchmarkWakeup` (cpu_bench)", (*renderer).memory},
	{"V. Compression", "`BenchmarkSevenZip`, `BenchmarkCompress`, `BenchmarkDecompress` (cpu_bench)", (*renderer).compression},
	{"VI. GPU", "`BenchmarkCopy`, `BenchmarkGEMM` (gpu_bench, -tags gpu)", (*renderer).gpu},
	{"VII. LLM inference", "`BenchmarkServe` (llm_bench)", (*renderer).llm},
	{"VIII. CPU thread scaling", "`BenchmarkSevenZip/threads=N`, `BenchmarkCompress`, `BenchmarkDecompress` with threads=1 and more (cpu_bench)", (*renderer).scaling},
}

// Render writes the Markdown report of d to w, and the charts to
// opt.ChartDir.
func Render(w io.Writer, d *Dataset, opt Options) error {
	if len(d.Arms) == 0 {
		return fmt.Errorf("no arms to report")
	}
	if opt.Evidence == nil {
		opt.Evidence = attest.EvidenceFor
	}
	r := &renderer{d: d, opt: opt}
	var body bytes.Buffer
	for _, s := range sections {
		var sb bytes.Buffer
		r.out = &sb
		if s.fn(r) {
			fmt.Fprintf(&body, "## %s\n\n", s.title)
			body.Write(sb.Bytes())
		} else {
			fmt.Fprintf(&body, "*%s: no data; %s would fill this section.*\n\n", s.title, s.fills)
		}
	}
	var head bytes.Buffer
	r.out = &head
	r.header()
	r.out = &body
	r.publishedAppendix()
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	_, err := w.Write(body.Bytes())
	return err
}

func (r *renderer) p(format string, args ...any) {
	fmt.Fprintf(r.out, format, args...)
}

// header writes the title, TL;DR, environments and evidence.
func (r *renderer) header() {
	d := r.d
	r.p("# teebench performance report\n\n")
	var labels []string
	for _, a := range d.Arms {
		labels = append(labels, fmt.Sprintf("`%s` (%s)", a.Label, strings.Join(a.Files, ", ")))
	}
	if len(d.Arms) == 1 {
		r.p("One arm: %s. Absolute figures only, no overhead.\n\n", labels[0])
		if len(d.Arms[0].Files) > 1 {
			r.p("> **Note:** all %d files have `tee: %s`, so they were merged into one arm. "+
				"To compare them, name the arms: `base=a.txt other=b.txt`.\n\n", len(d.Arms[0].Files), d.Arms[0].EnvValue("tee"))
		}
	} else {
		r.p("Baseline: %s. Compared: %s.\n\n", labels[0], strings.Join(labels[1:], ", "))
		r.p("Every figure is the median of the runs with its 95%% confidence interval (±). " +
			"Overhead follows the published report (METHODS.md §0): throughput rows (↑, higher is better) " +
			"use (off−on)/off, latency and cost rows (↓) use (on−off)/off, so a positive overhead means the TEE arm is worse. " +
			"`~` means the Mann-Whitney U test finds no significant difference (p > 0.05); p and the sample counts follow in parentheses. " +
			"Brackets give a 95%% percentile-bootstrap interval of the overhead (1000 resamples; only with ≥ 6 runs per arm).\n\n")
	}
	if len(d.Malformed) > 0 {
		r.p("> **Input:** %d malformed line(s) were skipped (a benchmark that failed mid-line); first: `%v`.\n\n", len(d.Malformed), d.Malformed[0])
	}
	for _, w := range d.Warnings {
		r.p("> **Input:** %s.\n\n", esc(w))
	}
	r.p("## TL;DR\n\n")
	if len(r.headlines) == 0 {
		r.p("- No section had data.\n")
	}
	for _, h := range r.headlines {
		r.p("- %s\n", h)
	}
	r.p("\n")
	r.environment()
}

// teeKey reports whether a manifest key describes the TEE itself, so that
// its differing between arms is expected: the platform (cvm), the TD's
// identity (tdx-*, sev-*) and the GPU's confidential-computing state.
func teeKey(k string) bool {
	return k == "platform" || strings.HasPrefix(k, "tdx-") || strings.HasPrefix(k, "sev-") || strings.HasPrefix(k, "gpu-cc")
}

// envSkip are config keys that are not part of the environment.
var envSkip = map[string]bool{"pkg": true}

func (r *renderer) environment() {
	d := r.d
	r.p("## Environment\n\n")
	var keys []string
	seen := map[string]bool{}
	for _, a := range d.Arms {
		for _, k := range a.EnvKeys {
			if !seen[k] && !envSkip[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	var differ, expected []string
	if len(d.Arms) > 1 {
		for _, k := range keys {
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
	}
	if len(differ) > 0 {
		r.p("> **Warning:** the arms should differ only in `tee`, but these manifest keys differ too: %s. "+
			"Part of any difference below may come from them.\n\n", "`"+strings.Join(differ, "`, `")+"`")
	}
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
	case "verified":
		if e.MRTD != "" {
			return "verified quote (MRTD " + short(e.MRTD) + ")"
		}
		return "verified quote"
	case "unverified":
		s := "unverified quote"
		if e.MRTD != "" {
			s += " (MRTD " + short(e.MRTD) + ")"
		}
		if e.Reason != "" {
			s += ": " + e.Reason
		}
		return s
	case "", "none":
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

// table writes a Markdown table followed by the pending footnotes.
func (r *renderer) table(hdr []string, rows [][]string) {
	r.p("| %s |\n|", strings.Join(hdr, " | "))
	for range hdr {
		r.p("---|")
	}
	r.p("\n")
	for _, row := range rows {
		r.p("| %s |\n", strings.Join(row, " | "))
	}
	r.p("\n")
	for i, n := range r.notes {
		r.p("[%d]: %s  \n", i+1, n)
	}
	if len(r.notes) > 0 {
		r.p("\n")
	}
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

// row is one line of a metric table.
type row struct {
	label string
	id    ID
	unit  string
	dir   Dir
	// pub is the published row key; match selects among its figures.
	pub   string
	match string
}

func arrow(dir Dir) string {
	switch dir {
	case Higher:
		return " ↑"
	case Lower:
		return " ↓"
	}
	return ""
}

// metricTable writes rows of figures: one column per arm, the overhead of
// each arm against the baseline, the published figures and verdicts. Rows
// that no arm measured are dropped; it reports whether any row was written.
func (r *renderer) metricTable(first string, rows []row) bool {
	d := r.d
	hdr := []string{first}
	for _, a := range d.Arms {
		hdr = append(hdr, a.Label)
	}
	for _, a := range d.Arms[1:] {
		hdr = append(hdr, "overhead "+a.Label+" vs "+d.Arms[0].Label)
	}
	hasPub := false
	for _, rw := range rows {
		if rw.pub != "" && len(lookupPublished(rw.pub, rw.match, true)) > 0 {
			hasPub = true
		}
	}
	if hasPub {
		hdr = append(hdr, "published", "verdict")
	}
	var out [][]string
	for _, rw := range rows {
		if !d.Has(rw.id, rw.unit) {
			continue
		}
		st := d.Stat(rw.id, rw.unit, rw.dir)
		line := []string{rw.label + arrow(rw.dir)}
		for _, c := range st.Cells {
			line = append(line, formatCell(c, rw.unit)+r.warnMarks(c.Warnings))
		}
		for _, dl := range st.Deltas[1:] {
			line = append(line, formatOverhead(dl)+r.warnMarks(dl.Warnings))
		}
		if hasPub {
			label := rw.label
			if first != "metric" && first != "benchmark" {
				label = first + " " + label
			}
			p, v := r.pubCells(label, rw.pub, rw.match, rw.unit, st.Cells)
			line = append(line, p, v)
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return false
	}
	r.table(hdr, out)
	return true
}

// pubCells renders the primary published figures of a row and a verdict for
// each arm they apply to.
func (r *renderer) pubCells(label, key, match, unit string, cells []Cell) (string, string) {
	if key == "" {
		return "", ""
	}
	var ps, vs []string
	for _, p := range lookupPublished(key, match, true) {
		ps = append(ps, fmt.Sprintf("%s: %s", p.Env, formatPublished(p, unit)))
		for i, a := range r.d.Arms {
			if p.appliesTo(a) {
				vs = append(vs, fmt.Sprintf("%s vs %s: %s", a.Label, p.Env, r.verdict(p, label, i, cells[i], unit)))
			}
		}
	}
	if len(vs) == 0 && len(ps) > 0 {
		vs = append(vs, "published for TEE arms only; no TEE arm here")
		for _, p := range lookupPublished(key, match, true) {
			if p.Role == "baseline" {
				vs[0] = "no arm of the published environments' roles"
			}
		}
	}
	return esc(strings.Join(ps, "<br>")), esc(strings.Join(vs, "<br>"))
}

// headline adds a TL;DR line for one row: the TEE arms' overheads, or the
// absolute figure in a one-arm report.
func (r *renderer) headline(area, what string, id ID, unit string, dir Dir) {
	d := r.d
	if !d.Has(id, unit) {
		return
	}
	st := d.Stat(id, unit, dir)
	if len(d.Arms) == 1 {
		r.headlines = append(r.headlines, fmt.Sprintf("**%s**: %s = %s", area, what, formatCell(st.Cells[0], unit)))
		return
	}
	var parts []string
	for i, dl := range st.Deltas[1:] {
		a := d.Arms[i+1]
		var s string
		switch {
		case !dl.OK:
			s = "not measured"
		case !dl.Significant:
			s = fmt.Sprintf("no significant difference (%s)", dl.Comparison)
		default:
			s = fmt.Sprintf("%+.1f%% overhead (%s vs %s)", dl.Overhead,
				FormatValue(st.Cells[i+1].Center, unit), FormatValue(st.Cells[0].Center, unit))
		}
		parts = append(parts, fmt.Sprintf("`%s`: %s", a.Label, s))
	}
	r.headlines = append(r.headlines, fmt.Sprintf("**%s**: %s: %s", area, what, strings.Join(parts, "; ")))
}

// publishedAppendix lists every published figure that a rendered row was
// set against, with its source, our figure and the verdict.
func (r *renderer) publishedAppendix() {
	r.p("## Published figures\n\n")
	if len(r.pubs) == 0 {
		r.p("No row of this report has a published counterpart.\n\n")
		return
	}
	r.p("Every published figure (`/work/shared/reference/performance-report.md`) that a row above is set against, " +
		"with its source. A figure is comparable only when the arm ran the report profile on the hardware the report names, " +
		"with the same method; *within our CI* means the published value lies inside our 95%% confidence interval.\n\n")
	var rows [][]string
	for _, pr := range r.pubs {
		p := pr.pub
		rows = append(rows, []string{esc(pr.label), esc(p.Env), esc(formatPublished(p, unitOfRow(p.Row))), pr.arm, esc(pr.ours), esc(pr.verdict), esc(p.Source)})
	}
	r.table([]string{"row", "published environment", "published", "arm", "ours", "verdict", "source"}, rows)
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
