package report

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// Options configures Build and DocumentOf.
type Options struct {
	// ChartDir is the directory the SVG charts are written to; the chart
	// blocks link them by file name, so it should be the directory of the
	// report.
	// "" renders no charts.
	ChartDir string
	// ChartLink is the path prefix of the chart blocks' links
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
	// Warn, when set, receives warnings about the input that the report
	// also states (rows in no section).
	Warn func(string)
	// AllowUnattested draws verdicts against the published overheads for
	// TEE arms whose evidence does not verify (a banner says so).
	AllowUnattested bool

	keepPlots bool // keep the drawn plots in renderer.plots (tests)
}

// DefaultMaxErrorRate is the error-rate threshold when none is given
// (TEEBENCH_MAX_ERROR_RATE, docs/design.md §10).
const DefaultMaxErrorRate = 0.01

// renderer accumulates one report.
type renderer struct {
	d   *results.Dataset
	opt Options
	// doc is the document being built, lead a sentence that opens the
	// next paragraph (emit.go).
	doc  blocks.Doc
	lead string
	// section is the title of the section being rendered.
	section string
	// tables are every metric table rendered, as data (-format json);
	// tableOf maps a metric table's block to its index in tables.
	tables  []*Table
	tableOf map[*blocks.Table]int
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
	// ev is the evidence of each arm's files (evidenceOf).
	ev [][]attest.Evidence
	// points are the overhead-chart points of the section being rendered.
	points []OverheadPoint
	// alt configures the next metric table's rows with another
	// implementation beside them (metricTable resets it).
	alt altSpec
	// h3 and h4 are the last sub-headings written in the section: the
	// title of the tables under them.
	h3, h4 string
	// unplaced are the benchmarks no section knows (rowsInNoSection).
	unplaced []Unplaced
	// shown records the rows (benchmark and unit) a table has shown.
	shown map[rowKey]bool
	// vrow is the row whose verdicts are being drawn (checkRow).
	vrow verdictRow
	// said records the notes written once per report.
	said map[string]bool
	// fewN is set when some rendered cell has fewer than MinVerdictN
	// samples: one banner at the top says what that withholds.
	fewN bool
}

// rowKey is a row of the report: a benchmark and one of its units.
type rowKey struct{ id, unit string }

// altSpec names the other implementation of a metric table's rows: its
// name in the headers ("Go engine") and the ratio ("go/fio").
type altSpec struct{ name, ratio string }

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
	{"IX. Why: the mechanisms behind the overheads", [][2]string{{"io_bench", "^BenchmarkFio$/job=lat_qd1"}, {"cpu_bench", "^Benchmark(Exit|PageTouch|MemLatency|AESGCM)$"},
		{"net_bench", "^BenchmarkTLSHandshake$"}, {"gpu_bench", "^Benchmark(CopyLatency|CopyStreams|Load|Launch)$ -tags gpu"}, {"cpu_bench", "^BenchmarkQuote$ (with the TEE's build tag: " + teeTags("`-tags %s` in the %s guest") + ")"}}, (*renderer).why},
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

// Build returns the report of d as its document model, in order: the
// first screen (title, banners, summary, what was not measured, the
// environments), the published report's sections, the appendices. It
// writes the charts to opt.ChartDir; internal/report/markdown writes the
// document as Markdown.
func Build(d *results.Dataset, opt Options) (*blocks.Doc, error) {
	r, err := build(d, opt)
	if err != nil {
		return nil, err
	}
	r.first(r.summary())
	return &r.doc, nil
}

// first builds the first screen from the headlines hs and puts it before
// the sections build built.
func (r *renderer) first(hs []Headline) {
	body := r.doc.Sections
	r.doc.Sections = nil
	r.header(hs)
	r.flushLead()
	r.doc.Sections = append(r.doc.Sections, body...)
}

// build builds every section and the appendices; the first screen (which
// needs the headlines) is built by the caller.
func build(d *results.Dataset, opt Options) (*renderer, error) {
	if len(d.Arms) == 0 {
		return nil, fmt.Errorf("no arms to report")
	}
	if opt.Evidence == nil {
		opt.Evidence = attest.EvidenceFor
	}
	if opt.MaxErrorRate == 0 {
		opt.MaxErrorRate = DefaultMaxErrorRate
	}
	r := &renderer{d: d, opt: opt, said: map[string]bool{}, shown: map[rowKey]bool{}, tableOf: map[*blocks.Table]int{}}
	defer d.TrackQueries()()
	r.confounders, _ = r.envDiff()
	for _, s := range sections {
		r.begin(s.title)
		r.section = s.title
		r.points = nil
		r.h3, r.h4 = "", ""
		ok := s.fn(r)
		if ok && len(r.points) > 0 && len(d.Arms) > 1 {
			r.overheadChart(s.title, r.points)
		}
		r.flushLead()
		sec := r.cur()
		if !ok {
			sec.Blocks = []blocks.Block{&blocks.Paragraph{Text: fmt.Sprintf("*%s: no data; %s would fill this section.*", s.title, fillsText(s.fills))}}
			continue
		}
		head := []blocks.Block{&blocks.Heading{Level: 2, Text: s.title}}
		if c := r.sectionConfounders(s.title); c != "" {
			head = append(head, &blocks.Banner{Text: c})
		}
		// The command that fills the section opens its first paragraph.
		fills := fmt.Sprintf("*Filled by* %s.", fillsText(s.fills))
		if p, isPara := firstBlock(sec.Blocks).(*blocks.Paragraph); isPara {
			p.Text = fills + " " + p.Text
		} else {
			head = append(head, &blocks.Paragraph{Text: fills})
		}
		sec.Blocks = append(head, sec.Blocks...)
	}
	r.begin("Appendix: published absolute figures")
	r.publishedAppendix()
	r.unplaced = r.rowsInNoSection()
	if len(r.unplaced) > 0 && opt.Warn != nil {
		opt.Warn(fmt.Sprintf("%d benchmark(s) are in no section of the report (first: %s); the appendix \"rows in no section\" lists them", len(r.unplaced), r.unplaced[0].Benchmark))
	}
	if len(r.unplaced) > 0 {
		r.begin("Appendix: rows in no section")
		r.heading(2, "Appendix: rows in no section")
		r.para("These benchmarks are in the result files but no section of this report knows them (a new benchmark or fio job the report does not place yet); " +
			"their figures are in the files and in `benchstat`, not above.")
		var rows [][]string
		for _, u := range r.unplaced {
			rows = append(rows, []string{"`" + u.Benchmark + "`", strings.Join(u.Units, ", "), strings.Join(u.Arms, ", ")})
		}
		r.table([]string{"benchmark", "units", "arms"}, rows)
	}
	r.flushLead()
	return r, nil
}

// firstBlock returns the first of bs, nil when there is none.
func firstBlock(bs []blocks.Block) blocks.Block {
	if len(bs) == 0 {
		return nil
	}
	return bs[0]
}

// header writes the first screen: the title, the banners (one arm, too
// few runs, unattested arms), the summary table, the method paragraph,
// the input warnings, what was not measured and the environments.
func (r *renderer) header(hs []Headline) {
	d := r.d
	r.begin("Summary")
	r.heading(1, "teebench performance report")
	var labels []string
	for i, a := range d.Arms {
		files := strings.Join(a.Files, ", ")
		if t := results.TEETitle(a.EnvValue("tee")); t != "" {
			files = t + ": " + files
		}
		labels = append(labels, fmt.Sprintf("%s (%s)", r.armName(i), files))
	}
	if len(d.Arms) == 1 {
		r.para("**Absolute figures only, no overhead:** one arm, %s. A TEE cost needs a TEE arm and its baseline: "+
			"run the suite inside the TEE guest with its build tag ("+teeTags("`TAGS=%s ./scripts/bench.sh` in the %s guest")+"; the dstack / Phala Cloud recipe in README.md does it in a container), "+
			"then the same profile on the host or a plain VM with `BASELINE=<the TEE run's result file> ./scripts/bench.sh`, "+
			"or give both files to `go run ./scripts/report base.txt tee.txt`. Use `COUNT=6` (about six times the quick run's time) for intervals and verdicts.", labels[0])
	} else {
		r.para("Baseline: %s. Compared: %s.", labels[0], strings.Join(labels[1:], ", "))
	}
	if r.fewN {
		r.banner("Too few runs for statistics", "some rows have fewer than %d runs per arm (the quick profile runs each benchmark once). "+
			"Their cells show the median without an interval, and no significance test, interval or verdict is drawn from them. "+
			"Rerun with `COUNT=6` (or `TEEBENCH_PROFILE=report`); it takes about six times as long.", overhead.MinVerdictN)
	}
	r.evidenceBanner()
	r.writeSummary(hs)
	if len(d.Arms) > 1 {
		r.para("*Method.* Medians of the runs with benchstat's 95%% confidence interval (±). One sign convention: **+ = worse**, the TEE cost in percent — "+
			"throughput rows (↑) use (base−TEE)/base, time and cost rows (↓) (TEE−base)/base; *TEE/base time ×* is the slowdown factor (base/TEE for throughput, TEE/base for time), "+
			"so +20%% of IOPS and +25%% of latency both read 1.25×. Brackets: a 95%% percentile-bootstrap interval of the cost (%d resamples, ≥ %d runs per arm). "+
			"`~`: the Mann-Whitney U test finds no difference (p > 0.05). A headline comes from the reference tool (fio, ab, 7-Zip, C STREAM) when it ran in every arm, "+
			"else from the Go implementation; *engines disagree* when both ran and their intervals do not overlap. "+
			"Verdicts hold the cost against the published report's printed TEE overhead (docs/methods.md §9): *consistent* when it lies inside our interval widened by "+
			"max(%g points, %g%% of the published figure), *smaller/larger overhead here* otherwise. %s "+
			"Request statistics claim no more than their samples: a p99 from fewer than %d requests per run (p90: %d, mean: %d) reads *n too small*.",
			overhead.BootstrapN, overhead.MinVerdictN, overhead.ToleranceAbs, overhead.ToleranceRel*100, boundsText(), overhead.MinP99Samples, overhead.MinP90Samples, overhead.MinMeanSamples)
	}
	if len(d.Malformed) > 0 {
		r.banner("Input", "%d malformed line(s) were skipped (a benchmark that failed mid-line); first: `%v`.", len(d.Malformed), d.Malformed[0])
	}
	for _, w := range d.Warnings {
		r.banner("Input", "%s.", blocks.Literal(w))
	}
	if n := len(r.unplaced); n > 0 {
		r.banner("Warning", "%d benchmark(s) in the result files are in no section of this report (first: `%s`); the appendix *rows in no section* lists them.", n, r.unplaced[0].Benchmark)
	}
	if len(r.confounders) > 0 {
		r.banner("Warning", "the arms should differ only in the TEE (`tee`, `platform`, TDX / SEV-SNP / GPU-CC / evidence keys), but these manifest keys differ too: %s. "+
			"Part of any difference below may come from them; every verdict they affect says so.", "`"+strings.Join(r.confounders, "`, `")+"`")
	}
	if !r.skipsInSummary(hs) {
		r.notMeasured()
	}
	r.environment()
	r.noiseFlags(hs)
}

// Unplaced is a benchmark that no section of the report knows.
type Unplaced struct {
	Benchmark string   `json:"benchmark"`
	Units     []string `json:"units"`
	// Arms are the arms that measured it.
	Arms []string `json:"arms"`
}

// rowsInNoSection returns the benchmarks whose base name no section asked
// for, and the fio jobs that internal/catalog does not declare: a new
// benchmark never vanishes from the report silently.
func (r *renderer) rowsInNoSection() []Unplaced {
	d := r.d
	var out []Unplaced
	for _, id := range d.IDs() {
		known := d.Queried(id.Base)
		if id.Base == "Fio" {
			_, known = catalog.FioJobNamed(id.Get("job"))
		}
		if known {
			continue
		}
		u := Unplaced{Benchmark: id.String(), Units: d.UnitsOf(id)}
		for i, a := range d.Arms {
			for _, unit := range u.Units {
				if len(d.Values(id, unit, i)) > 0 {
					u.Arms = append(u.Arms, a.Label)
					break
				}
			}
		}
		out = append(out, u)
	}
	return out
}

// skipsInSummary reports whether every skip of every arm is a whole
// package whose area the summary already shows as not measured with that
// reason: the table of skips would only repeat it.
func (r *renderer) skipsInSummary(hs []Headline) bool {
	for _, a := range r.d.Arms {
		for _, s := range a.Skips {
			covered := false
			for _, h := range hs {
				covered = covered || (s.Benchmark == "-" && h.NotMeasured != "" && h.BaseCell == nil && strings.Contains(h.NotMeasured, s.Reason))
			}
			if !covered {
				return false
			}
		}
	}
	return true
}

// teeKey reports whether a manifest key describes the TEE itself, so that
// its differing between arms is expected: the platform (cvm) and the
// guest's identity (teeIdentityKey: tdx-*, snp-*, GPU CC state, evidence).
func teeKey(k string) bool {
	return k == "platform" || results.TEEIdentityKey(k)
}

// envSkip are config keys that are not part of the environment.
var envSkip = map[string]bool{"pkg": true}

// envDiff returns the manifest keys whose values differ between arms
// that both have them: the confounders (any key but the TEE's own) and the
// expected ones. A key some arm lacks (it ran fewer packages) is not a
// difference; envMissing lists those.
func (r *renderer) envDiff() (differ, expected []string) {
	d := r.d
	if len(d.Arms) < 2 {
		return nil, nil
	}
	for _, k := range r.envKeys() {
		if k == "tee" || r.missingIn(k) != nil {
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

// missingIn returns the labels of the arms without a value for key.
func (r *renderer) missingIn(key string) []string {
	var out []string
	for _, a := range r.d.Arms {
		if len(a.Env[key]) == 0 {
			out = append(out, a.Label)
		}
	}
	return out
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

// environment writes the arms' environments: with two or more arms only
// the keys that differ or that an arm lacks, then the count of identical
// ones; the run-info lines (suite revision, run time, tool versions) per
// arm; and the evidence state of every file.
func (r *renderer) environment() {
	d := r.d
	r.begin("Environment")
	r.heading(2, "Environment")
	_, expected := r.envDiff()
	hdr := []string{"key"}
	for i := range d.Arms {
		hdr = append(hdr, r.colName(i))
	}
	var rows [][]string
	var same, missing []string
	for _, k := range r.envKeys() {
		row := []string{k}
		var vals []string
		for _, a := range d.Arms {
			v := a.EnvValue(k)
			vals = append(vals, v)
			if v == "" {
				v = "missing"
			} else if t := results.TEETitle(v); k == "tee" && t != "" {
				v += " (" + t + ")"
			}
			row = append(row, v)
		}
		if len(d.Arms) > 1 && k != "tee" {
			if m := r.missingIn(k); m != nil {
				missing = append(missing, k)
			} else if len(slices.Compact(vals)) == 1 {
				same = append(same, k)
				continue
			}
		}
		rows = append(rows, row)
	}
	for _, k := range d.RunKeys() {
		row := []string{"run " + k}
		for i := range d.Arms {
			v := d.RunInfo(i, k)
			if v == "" {
				v = "–"
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	if len(d.RunKeys()) == 0 {
		row := []string{"run info (suite revision, run time, tool versions)"}
		for range d.Arms {
			row = append(row, "– (no `# run` lines)")
		}
		rows = append(rows, row)
	}
	ev := []string{"evidence"}
	for i, a := range d.Arms {
		var parts []string
		for k, f := range a.Files {
			s := formatEvidence(r.evidenceOf()[i][k])
			if len(a.Files) > 1 {
				s = filepath.Base(f) + ": " + s
			}
			parts = append(parts, s)
		}
		ev = append(ev, strings.Join(parts, "<br>"))
	}
	rows = append(rows, ev)
	r.table(hdr, rows)
	if len(missing) > 0 {
		r.para("*Missing* keys: an arm without them ran fewer packages (not a difference between the arms): `%s`.", strings.Join(missing, "`, `"))
	}
	var after []string
	if len(expected) > 0 {
		after = append(after, fmt.Sprintf("Keys that differ with the TEE itself (not a warning): %s.", "`"+strings.Join(expected, "`, `")+"`"))
	}
	if len(same) > 0 {
		after = append(after, fmt.Sprintf("%d more keys are identical in every arm: `%s`.", len(same), strings.Join(same, "`, `")))
	}
	if len(after) > 0 {
		r.para("%s", strings.Join(after, " "))
	}
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
		return "absent"
	}
	return e.Status
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
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
		if m := e.Error(); strings.Contains(m, "samples for confidence interval") || strings.Contains(m, "samples to detect a difference") {
			continue // too few runs: the banner at the top says it once
		}
		s += r.note(e.Error())
	}
	return s
}

// notRun returns the index of an arm without samples in st.
func notRun(st overhead.Stat) int {
	for i, c := range st.Cells {
		if c.N == 0 {
			return i
		}
	}
	return 0
}

// row is one line of a metric table as a section specifies it.
type row struct {
	label string
	id    results.ID
	unit  string
	// pubs are the published overheads the row is held against.
	pubs []overhead.PubOverhead
	// alt, when set (hasAlt), is the same figure measured the other way:
	// our implementation when id is the reference tool's, or the
	// reference's when id is ours (altOurs false). The table shows its TEE
	// cost beside the row's and the ratio ours/reference per arm against
	// goal, instead of a second table.
	alt     results.ID
	hasAlt  bool
	altOurs bool
	goal    catalog.Goal
	// abs is the key of the published absolute figures (PublishedFigures)
	// listed in the appendix for this row; "" for none.
	abs string
}

// MinHeadlineRequests is the number of requests each arm of an LLM row
// needs before the TL;DR draws a headline from it.
const MinHeadlineRequests = 10

// betterOf is the direction of a unit from the result files' Unit lines,
// with benchstat's defaults (sec/op lower, B/s higher).
func (r *renderer) betterOf(unit string) int {
	return r.d.Units.GetBetter(unit)
}

// DirOfBetter is the overhead direction of a unit whose better-direction
// (benchfmt's UnitMetadata.Better) is b.
func DirOfBetter(b int) overhead.Dir {
	switch {
	case b > 0:
		return overhead.Higher
	case b < 0:
		return overhead.Lower
	}
	return overhead.Neutral
}

// metricTable builds a Table from rows (dropping rows that no arm
// measured), writes it, records it, and draws the headlines of its rows.
// It reports whether any row was written.
func (r *renderer) metricTable(first string, rows []row) bool {
	d := r.d
	t := &Table{Section: r.section, first: first, altName: r.alt.name, ratio: r.alt.ratio}
	r.alt = altSpec{}
	switch {
	case r.h4 != "":
		t.Title = r.h3 + " / " + r.h4
	case r.h3 != "":
		t.Title = r.h3
	case first != "metric" && first != "benchmark":
		t.Title = first
	default:
		t.Title = r.section
	}
	for _, a := range d.Arms {
		t.Arms = append(t.Arms, a.Label)
		t.names = append(t.names, r.colName(len(t.names)))
		t.noise = append(t.noise, noiseArm(d, a))
	}
	for _, rw := range rows {
		if !d.Has(rw.id, rw.unit) {
			continue
		}
		better := r.betterOf(rw.unit)
		st := overhead.StatOf(d, rw.id, rw.unit, DirOfBetter(better))
		R := Row{Label: rw.label + r.sampleLabel(rw.id, rw.unit), Benchmark: rw.id.String(), Unit: rw.unit, Better: better, Published: rw.pubs}
		if v, ok := allSame(st); ok && rw.unit != "errors/op" && len(d.Arms) > 1 {
			R.same = NumText(v, rw.unit)
			for _, c := range st.Cells {
				R.Cells = append(R.Cells, *armCell(c))
			}
			t.Rows = append(t.Rows, R)
			continue
		}
		if rw.unit == "errors/op" && allZero(st) {
			// One line under the table says it; the JSON keeps the row.
			R.zero = true
			for _, c := range st.Cells {
				R.Cells = append(R.Cells, *armCell(c))
			}
			t.Rows = append(t.Rows, R)
			continue
		}
		for _, c := range st.Cells {
			R.Cells = append(R.Cells, *armCell(c))
			R.cellText = append(R.cellText, tableCell(c, rw.unit)+r.warnMarks(c.Warnings))
		}
		for i := range d.Arms {
			for _, o := range overhead.Outliers(d, rw.id, rw.unit, i) {
				R.cellText[i] += " ⚠" + r.note(fmt.Sprintf("%s measures apart from the other files of arm %s: median %s vs %s (%s)",
					o.File, d.Arms[i].Label, FormatValue(o.Median, rw.unit), FormatValue(o.Others, rw.unit), o.Comparison))
			}
		}
		for i, dl := range st.Deltas[1:] {
			oc := overheadCell(d.Arms[i+1].Label, dl, st.Cells[0], st.Cells[i+1], st.Dir)
			R.Overheads = append(R.Overheads, oc)
			txt := costText(&oc)
			if !dl.OK {
				txt = "– (not run in `" + d.Arms[notRun(st)].Label + "`)"
			} else if c0, c1 := st.Cells[0], st.Cells[i+1]; c0.Center == 0 { // no relative change from zero
				txt = fmt.Sprintf("%s → %s", NumText(c0.Center, rw.unit), NumText(c1.Center, rw.unit))
			}
			r.vrow = verdictRow{id: rw.id, unit: rw.unit, slowdown: float64(oc.Slowdown)}
			txt = r.checkCost(txt, dl, len(rw.pubs) > 0)
			R.ohText = append(R.ohText, txt+r.warnMarks(dl.Warnings))
			R.slowText = append(R.slowText, slowText(oc.Slowdown))
			// A cost its samples cannot carry (n too small) is not charted.
			if i == 0 && dl.OK && !t.noise[1] && r.nTooSmall(r.vrow.id, r.vrow.unit) == "" {
				pub := math.NaN()
				for _, p := range rw.pubs {
					if r.comparableFor(p, 1) {
						pub = p.Pct
						break
					}
				}
				r.points = append(r.points, OverheadPoint{Label: rw.label, Cost: dl.Overhead, Lo: dl.Lo, Hi: dl.Hi, Published: pub, Group: pointGroup(t.Title, rw.unit)})
			}
			for _, p := range rw.pubs {
				if t.noise[i+1] {
					continue // a baseline against the baseline: no TEE overhead
				}
				v := r.verdictArm(p, dl, st.Cells[0].N, st.Cells[i+1].N, i+1)
				if len(d.Arms) > 2 {
					v = d.Arms[i+1].Label + ": " + v
				}
				R.Verdicts = append(R.Verdicts, v)
			}
		}
		for _, c := range st.Cells {
			if c.N > 0 && c.N < overhead.MinVerdictN {
				r.fewN = true
			}
		}
		if rw.hasAlt && d.Has(rw.alt, rw.unit) {
			t.alt = true
			R.Alt = rw.alt.String()
			R.Goal = rw.goal.Label
			for i := 1; i < len(d.Arms); i++ {
				ast := r.pairStat(rw.alt, rw.unit, st.Dir, i)
				oc := overheadCell(d.Arms[i].Label, ast.Deltas[1], ast.Cells[0], ast.Cells[1], st.Dir)
				R.AltOverheads = append(R.AltOverheads, oc)
				txt := costText(&oc)
				if over, ok := overlap(st.Deltas[i], ast.Deltas[1]); ok && !over {
					txt += " (disagrees)"
				}
				R.altText = append(R.altText, txt)
			}
			if flags := r.errorFlags(rw.alt); len(flags) > 0 && len(R.altText) > 0 {
				R.altText[len(R.altText)-1] += " ⚠ " + strings.Join(flags, ", ")
			}
			ours, ref := rw.id, rw.alt
			if rw.altOurs {
				ours, ref = rw.alt, rw.id
			}
			for i := range d.Arms {
				q, txt := r.ratioCell(ours, ref, rw.unit, i, rw.goal)
				R.Ratios = append(R.Ratios, Num(q))
				R.ratioText = append(R.ratioText, txt)
			}
		}
		R.Flags = r.errorFlags(rw.id)
		if rw.abs != "" {
			for _, p := range lookupPublished(rw.abs, matchOf(rw.id)) {
				r.pubs = append(r.pubs, pubRecord{pub: p, label: rw.label, bench: rw.id.String() + " " + rw.unit})
			}
		}
		t.Rows = append(t.Rows, R)
		r.shown[rowKey{rw.id.String(), rw.unit}] = true
		if rw.hasAlt {
			r.shown[rowKey{rw.alt.String(), rw.unit}] = true
		}
	}
	if len(t.Rows) == 0 {
		r.notes = nil
		return false
	}
	t.notes, r.notes = r.notes, nil
	if slices.ContainsFunc(t.Rows, func(R Row) bool { return !R.zero && R.same == "" }) {
		b := t.block()
		r.tableOf[b] = len(r.tables) // t is appended below
		r.add(b)
	}
	var same []string
	for _, R := range t.Rows {
		if R.same != "" {
			same = append(same, fmt.Sprintf("%s (`%s`) %s", R.Label, R.Unit, R.same))
		}
	}
	if len(same) > 0 {
		r.para("*The same in every run of every arm:* %s.", blocks.Literal(strings.Join(same, "; ")))
	}
	var zero []string
	for _, R := range t.Rows {
		if R.zero {
			zero = append(zero, R.Label)
		}
	}
	if len(zero) > 0 {
		r.para("*No errors* (`errors/op` 0 in every run of every arm): %s.", blocks.Literal(strings.Join(zero, "; ")))
	}
	r.tables = append(r.tables, t)
	return true
}

// allSame reports whether every sample of every arm is the same value v
// (a workload figure such as a circuit's constraints or a proof's size).
func allSame(st overhead.Stat) (v float64, ok bool) {
	first := true
	for _, c := range st.Cells {
		if c.N == 0 {
			return 0, false
		}
		if c.Lo != c.Hi || c.Center != c.Lo || (!first && c.Center != v) {
			return 0, false
		}
		v, first = c.Center, false
	}
	return v, !first
}

// allZero reports whether every sample of every arm is 0: the median and
// both interval bounds are 0 in each arm that measured it.
func allZero(st overhead.Stat) bool {
	for _, c := range st.Cells {
		if c.N > 0 && (c.Center != 0 || c.Lo != 0 || c.Hi != 0) {
			return false
		}
	}
	return true
}

// recordPubs records the published absolute figures of rows shown
// elsewhere, for the appendix.
func (r *renderer) recordPubs(rows []row) {
	for _, rw := range rows {
		if rw.abs == "" || !r.d.Has(rw.id, rw.unit) {
			continue
		}
		for _, p := range lookupPublished(rw.abs, matchOf(rw.id)) {
			r.pubs = append(r.pubs, pubRecord{pub: p, label: rw.label, bench: rw.id.String() + " " + rw.unit})
		}
	}
}

// verdict is Verdict; verdictArm qualifies it by the confounders that
// break or move the row's area (confounded).
func (r *renderer) verdict(p overhead.PubOverhead, dl overhead.Delta, n0, n1 int) string {
	return overhead.Verdict(p, dl, n0, n1)
}

// noiseArm reports whether arm a, not the first, is another baseline
// (tee none): its "overhead" against the baseline is the noise floor the
// TEE overheads should be read against.
func noiseArm(d *results.Dataset, a *results.Arm) bool {
	if a == d.Arms[0] {
		return false
	}
	v := a.EnvValue("tee")
	return (v == "none" || v == "") && (d.Arms[0].EnvValue("tee") == "none" || d.Arms[0].EnvValue("tee") == "")
}

// errorFlags marks a benchmark whose error rate (errors/op, median) exceeds
// the threshold in some arm: no headline is drawn from any of its rows.
func (r *renderer) errorFlags(id results.ID) []string {
	var flags []string
	for i, a := range r.d.Arms {
		if m := r.median(id, "errors/op", i); m > r.opt.MaxErrorRate {
			flags = append(flags, fmt.Sprintf("errors %s > %s in `%s`", pct(m), pct(r.opt.MaxErrorRate), a.Label))
		}
	}
	return flags
}

// publishedAppendix lists the published absolute figures of the rows
// above, with source and environment. They come from other hardware, so no
// verdict is drawn on them.
func (r *renderer) publishedAppendix() {
	r.heading(2, "Appendix: published absolute figures")
	if len(r.pubs) == 0 {
		r.para("No row of this report has a published counterpart.")
		return
	}
	r.para("The published report's figures for the rows above with the same parameters, with their source and the environment (hardware) they were measured on. " +
		"They were measured on other machines, so they are context only: verdicts above are drawn on overheads alone. " +
		"Methods are named as in the project's docs/methods.md and the published Performance Report.")
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
		rows = append(rows, []string{g.label, strings.Join(g.benches, "<br>"), strings.Join(g.figs, "<br>"), g.source, g.note})
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
func (r *renderer) median(id results.ID, unit string, arm int) float64 {
	c, _ := overhead.Summarize(r.d.Units.GetAssumption(unit), r.d.Values(id, unit, arm))
	if c.N == 0 {
		return math.NaN()
	}
	return c.Center
}

// pointGroup names a table row's context for an overhead chart's label:
// the table's title (an engine, a case) and the row's unit.
func pointGroup(title, unit string) string {
	if title == "" {
		return unit
	}
	return title + ", " + unit
}
