package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// headPick is one candidate headline of an area: a figure measured by the
// reference tool (ref) and by the suite's Go implementation (ours), either
// of which may be absent.
type headPick struct {
	label   string
	unit    string
	ref     results.ID
	hasRef  bool
	refName string // the reference tool: "fio", "ab", "C STREAM"
	ours    results.ID
	hasOurs bool
	pubs    []overhead.PubOverhead
	// minRequests, when set, is the number of requests (iterations) each
	// arm needs for a headline (LLM rows).
	minRequests int
	// why, when set, says why the pick gives no figure (too few
	// requests); the row is still shown.
	why string
}

// area is one row group of the summary: its name, the headlines it picks
// from the data, and what to say when it has none.
type area struct {
	name  string
	picks func(r *renderer) []headPick
	// none says how to measure the area when nothing was measured.
	none string
	// pkg is the package whose skips explain an unmeasured area.
	pkg string
}

// areas are the summary's rows, in order: one figure per area (three for
// storage, as the published storage summary gives IOPS, latency and
// bandwidth).
var areas = []area{
	{"Storage", storagePicks, "`go test -run '^$' -bench Fio ./io_bench`", "io_bench"},
	{"Network", networkPicks, "`go test -run '^$' -bench Gateway ./net_bench`", "net_bench"},
	{"CPU", cpuPicks, "`go test -run '^$' -bench SevenZip ./cpu_bench` (needs `7zz`)", "cpu_bench"},
	{"Memory", memoryPicks, "`go test -run '^$' -bench Stream ./cpu_bench`", "cpu_bench"},
	{"zk", zkPicks, "`go test -run '^$' -bench Prove ./zk_bench`", "zk_bench"},
	{"GPU", gpuPicks, "`go test -tags gpu -run '^$' -bench Copy ./gpu_bench` on a machine with an NVIDIA GPU (`TAGS=gpu` for bench.sh)", "gpu_bench"},
	{"LLM", llmPicks, "`go test -run '^$' -bench Serve ./llm_bench`", "llm_bench"},
	{"Mechanisms", mechPicks, "`go test -run '^$' -bench 'Exit|PageTouch' ./cpu_bench`", "cpu_bench"},
}

// pair returns the headline pick of a figure measured by our
// implementation (key=oursVal) and by the reference tool (key=refVal),
// among the benchmarks with base name base and the name parts in where.
func (r *renderer) pair(label, unit, base, key, oursVal, refVal, refName string, where ...string) headPick {
	d := r.d
	hp := headPick{label: label, unit: unit, refName: refName}
	hp.ref, hp.hasRef = one(d.Find(base, append(where, key+"="+refVal)...))
	hp.ours, hp.hasOurs = one(d.Find(base, append(where, key+"="+oursVal)...))
	hp.hasRef = hp.hasRef && d.Has(hp.ref, unit)
	hp.hasOurs = hp.hasOurs && d.Has(hp.ours, unit)
	return hp
}

func storagePicks(r *renderer) []headPick {
	plat := r.d.Arms[0].EnvValue("platform")
	var out []headPick
	for _, j := range []struct{ job, unit, label string }{
		{"read_iops", "IOPS", "Random read IOPS (4K QD64)"},
		{"read_latency", "lat-mean-sec", "Avg read latency (4K QD4)"},
		{"read_seq", "B/s", "Sequential read (1M QD16 x4)"},
	} {
		hp := r.pair(j.label, j.unit, "Fio", "engine", "go", "fio", "fio", "job="+j.job)
		hp.pubs = overhead.StoragePairs(j.job, j.unit, plat)
		out = append(out, hp)
	}
	return out
}

func networkPicks(r *renderer) []headPick {
	d := r.d
	ids := d.FindSorted("Gateway", "c", "path=tls-proxy", "keepalive=off")
	if len(ids) == 0 {
		return nil
	}
	c := ids[len(ids)-1].Get("c")
	hp := r.pair("TLS proxy QPS, keepalive=off, c="+c, "req/s", "Gateway", "client", "go", "ab", "ab", "path=tls-proxy", "keepalive=off", "c="+c)
	return []headPick{hp}
}

func cpuPicks(r *renderer) []headPick {
	if id, ok := one(r.d.Find("SevenZip", "threads=1")); ok {
		return []headPick{{label: "7-Zip total rating, 1 thread", unit: "MIPS", ref: id, hasRef: true, refName: "7-Zip"}}
	}
	if id, ok := one(r.d.Find("Compress", "threads=1")); ok {
		return []headPick{{label: "Go " + id.Get("codec") + " compression, 1 thread", unit: "B/s", ours: id, hasOurs: true}}
	}
	return nil
}

func memoryPicks(r *renderer) []headPick {
	hp := r.pair("STREAM triad, 1 thread", "B/s", "Stream", "impl", "go", "c", "C STREAM", "kernel=triad", "threads=1")
	if !hp.hasRef && !hp.hasOurs {
		return nil
	}
	return []headPick{hp}
}

func zkPicks(r *renderer) []headPick {
	prove := r.d.Find("Prove")
	if len(prove) == 0 {
		return nil
	}
	id := prove[0]
	var pubs []overhead.PubOverhead
	if rsa, ok := one(r.d.Find("Prove", "circuit=rsa2048")); ok {
		id, pubs = rsa, overhead.ZKPairs()
	}
	return []headPick{{label: "Proof time " + id.Get("circuit") + " " + id.Get("backend"), unit: "sec/op", ours: id, hasOurs: true, pubs: pubs}}
}

func gpuPicks(r *renderer) []headPick {
	cp := r.d.Find("Copy", "dir=h2d")
	if len(cp) == 0 {
		return nil
	}
	id := cp[0]
	return []headPick{{label: fmt.Sprintf("Host-to-device copy %s %s", id.Get("mem"), id.Get("size")), unit: "B/s", ours: id, hasOurs: true}}
}

func llmPicks(r *renderer) []headPick {
	d := r.d
	gpu := d.Arms[0].EnvValue("gpu")
	var first *headPick
	// A published model (one with a comparable pair) goes first: its
	// headline can carry a verdict; the embedded models' only a reference.
	models := results.Distinct(d.Find("Serve"), "model")
	slices.SortStableFunc(models, func(a, b string) int {
		return cmp.Compare(publishedModel(b, gpu), publishedModel(a, gpu))
	})
	for _, model := range models {
		lat, ok := llmLatencyRun(d, model)
		if !ok || !d.Has(lat, "ttft-mean-sec") {
			continue
		}
		hp := headPick{label: fmt.Sprintf("TTFT mean, model=%s (%s)", model, strings.TrimPrefix(paramsLabel(lat), "model="+model+" ")),
			unit: "ttft-mean-sec", ours: lat, hasOurs: true, pubs: overhead.LLMPairs("ttft", model, gpu), minRequests: MinHeadlineRequests}
		var short, notRun []string
		for i, a := range d.Arms {
			if n := d.Iterations(lat, i); n == 0 {
				notRun = append(notRun, "`"+a.Label+"`")
			} else if n < MinHeadlineRequests {
				short = append(short, fmt.Sprintf("%d in `%s`", n, a.Label))
			}
		}
		if len(notRun) > 0 {
			if first == nil {
				hp.why = "not run in " + strings.Join(notRun, ", ")
				first = &hp
			}
			continue
		}
		if len(short) == 0 {
			return []headPick{hp}
		}
		if first == nil {
			hp.why = fmt.Sprintf("n too small (%s requests; a mean needs ≥ %d per arm)", strings.Join(short, ", "), MinHeadlineRequests)
			first = &hp
		}
	}
	if first != nil {
		return []headPick{*first}
	}
	return nil
}

// publishedModel is 1 when model is one of the published LLM models (it
// has a pair not marked not comparable), else 0.
func publishedModel(model, gpu string) int {
	for _, p := range overhead.LLMPairs("ttft", model, gpu) {
		if p.NotComparable == "" {
			return 1
		}
	}
	return 0
}

// mechPicks picks the mechanisms row: a PCI config read (an exit to the
// host in every VM kind) when every arm measured it, else the CPUID leaf
// (an exit in a TD, none in an SNP guest, which answers it from its CPUID
// page), else a full TLS handshake's server CPU, else a page's first touch.
func mechPicks(r *renderer) []headPick {
	d := r.d
	for _, m := range []struct {
		label, base, unit, where string
		every                    bool
	}{
		{"VM exit (PCI config read)", "Exit", "sec/op", "op=pci-config-read", true},
		{"CPUID hypervisor leaf (an exit in a TD, not in an SNP guest)", "Exit", "sec/op", "op=cpuid-hypervisor-leaf", false},
		{"Server CPU per full TLS handshake", "TLSHandshake", "server-cpu-sec/handshake", "resume=off", false},
		{"First touch of a 4 KiB page", "PageTouch", "sec/page", "mode=first", false},
	} {
		id, ok := one(d.Find(m.base, m.where))
		if !ok || !d.Has(id, m.unit) || m.every && !d.InEvery(id, m.unit) {
			continue
		}
		return []headPick{{label: m.label, unit: m.unit, ours: id, hasOurs: true}}
	}
	return nil
}

// overlap reports whether two overhead intervals overlap; ok is false when
// either has none (fewer than 6 runs).
func overlap(a, b overhead.Delta) (over, ok bool) {
	if !overhead.Finite(a.Lo) || !overhead.Finite(a.Hi) || !overhead.Finite(b.Lo) || !overhead.Finite(b.Hi) {
		return false, false
	}
	return a.Lo <= b.Hi && b.Lo <= a.Hi, true
}

// Headline is one row of the summary, as data (-format json).
type Headline struct {
	// Area is the summary's area: Storage, Network, CPU, Memory, zk, GPU,
	// LLM or Mechanisms.
	Area string `json:"area"`
	// Label names the figure; Benchmark and Unit the row it comes from
	// ("" when not measured).
	Label     string `json:"label"`
	Benchmark string `json:"benchmark,omitempty"`
	Unit      string `json:"unit,omitempty"`
	// Source is "reference" (fio, ab, 7-Zip, C STREAM) or "go" (the
	// suite's own implementation).
	Source string `json:"source,omitempty"`
	// Arm is the TEE arm; Base the baseline arm.
	Arm  string `json:"arm,omitempty"`
	Base string `json:"base,omitempty"`
	// BaseCell and ArmCell are the two arms' medians with their 95% CI.
	BaseCell *ArmCell `json:"base_cell,omitempty"`
	ArmCell  *ArmCell `json:"arm_cell,omitempty"`
	// Overhead is the TEE cost ("+ = worse") and its slowdown factor.
	Overhead *OverheadCell `json:"overhead,omitempty"`
	// EnginesDisagree is set when the reference tool and the Go
	// implementation both ran and their overhead intervals do not
	// overlap; Other is then the Go implementation's overhead.
	EnginesDisagree bool          `json:"engines_disagree,omitempty"`
	Other           *OverheadCell `json:"other,omitempty"`
	// Published is the published overhead the verdict is drawn against.
	Published *overhead.PubOverhead `json:"published,omitempty"`
	Verdict   string                `json:"verdict,omitempty"`
	// NotMeasured says why the area has no figure.
	NotMeasured string `json:"not_measured,omitempty"`
}

// summarize builds the summary rows: per area and TEE arm its headline.
func (r *renderer) summary() []Headline {
	d := r.d
	var out []Headline
	for _, ar := range areas {
		picks := ar.picks(r)
		if len(picks) == 0 {
			out = append(out, Headline{Area: ar.name, NotMeasured: r.whyNotMeasured(ar)})
			continue
		}
		for _, hp := range picks {
			if len(d.Arms) == 1 {
				out = append(out, r.oneArmHeadline(ar.name, hp))
				continue
			}
			for i := 1; i < len(d.Arms); i++ {
				out = append(out, r.armHeadline(ar.name, hp, i))
			}
		}
	}
	return out
}

// whyNotMeasured says why an area has no figure: the arms' skips of its
// package, or the command that would measure it.
func (r *renderer) whyNotMeasured(ar area) string {
	seen := map[string]bool{}
	var reasons []string
	for _, a := range r.d.Arms {
		for _, s := range a.Skips {
			if strings.HasSuffix(s.Package, "/"+ar.pkg) && (s.Benchmark == "-" || ar.name != "Mechanisms") && !seen[s.Reason] {
				seen[s.Reason] = true
				reasons = append(reasons, s.Reason)
			}
		}
	}
	if len(reasons) > 0 && ar.name == "GPU" {
		return "not measured (" + strings.Join(reasons, "; ") + ")"
	}
	if len(reasons) > 0 && len(reasons) <= 2 {
		return "not measured (" + strings.Join(reasons, "; ") + "); " + ar.none + " measures it"
	}
	return "not measured (no rows in any arm); " + ar.none + " measures it"
}

func (r *renderer) oneArmHeadline(name string, hp headPick) Headline {
	id, src := hp.ours, "go"
	if hp.hasRef {
		id, src = hp.ref, "reference"
	}
	h := Headline{Area: name, Label: hp.label, Benchmark: id.String(), Unit: hp.unit, Source: src, Base: r.d.Arms[0].Label}
	c, _ := overhead.Summarize(r.d.Units.GetAssumption(hp.unit), r.d.Values(id, hp.unit, 0))
	h.BaseCell = armCell(c)
	h.NotMeasured = hp.why
	return h
}

// armHeadline is the headline of pick hp for TEE arm i: the reference
// tool's figure when it ran in every arm, the Go implementation's
// otherwise; both when they disagree.
func (r *renderer) armHeadline(name string, hp headPick, i int) Headline {
	d := r.d
	useRef := hp.hasRef && d.InEvery(hp.ref, hp.unit)
	id, src := hp.ours, "go"
	if useRef || !hp.hasOurs {
		id, src = hp.ref, "reference"
	}
	h := Headline{Area: name, Label: hp.label, Benchmark: id.String(), Unit: hp.unit, Source: src, Arm: d.Arms[i].Label, Base: d.Arms[0].Label}
	if src == "reference" && hp.refName != "" {
		h.Label += ", " + hp.refName
	} else if hp.hasRef {
		h.Label += ", Go (reference not in every arm)"
	}
	dir := DirOfBetter(r.betterOf(hp.unit))
	st := r.pairStat(id, hp.unit, dir, i)
	h.BaseCell, h.ArmCell = armCell(st.Cells[0]), armCell(st.Cells[1])
	oc := overheadCell(d.Arms[i].Label, st.Deltas[1], st.Cells[0], st.Cells[1], dir)
	h.Overhead = &oc
	if useRef && hp.hasOurs && d.InEvery(hp.ours, hp.unit) {
		ost := r.pairStat(hp.ours, hp.unit, dir, i)
		if over, ok := overlap(st.Deltas[1], ost.Deltas[1]); ok && !over {
			h.EnginesDisagree = true
			other := overheadCell(d.Arms[i].Label, ost.Deltas[1], ost.Cells[0], ost.Cells[1], dir)
			h.Other = &other
		}
	}
	if hp.why != "" {
		h.NotMeasured = hp.why
		return h
	}
	if !st.Deltas[1].OK {
		h.NotMeasured = "not run in `" + d.Arms[[]int{0, i}[notRun(st)]].Label + "`"
		return h
	}
	if noiseArm(d, d.Arms[i]) {
		h.Verdict = "noise floor (a baseline against the baseline)"
		return h
	}
	if flags := r.errorFlags(id); len(flags) > 0 {
		h.Verdict = "no verdict: " + strings.Join(flags, ", ")
		return h
	}
	r.vrow = verdictRow{id: id, unit: hp.unit, slowdown: float64(oc.Slowdown)}
	h.Published, h.Verdict = r.pubVerdict(hp.pubs, st.Deltas[1], st.Cells[0].N, st.Cells[1].N, i)
	if h.Published == nil {
		h.Verdict = r.qualify(h.Verdict, st.Deltas[1], i)
	}
	return h
}

// pubVerdict returns the first published overhead a verdict can be drawn
// against (else the first one) and the verdict.
func (r *renderer) pubVerdict(pubs []overhead.PubOverhead, dl overhead.Delta, n0, n1, arm int) (*overhead.PubOverhead, string) {
	if len(pubs) == 0 {
		return nil, "– (no published TEE overhead)"
	}
	if noiseArm(r.d, r.d.Arms[arm]) {
		return nil, "noise floor (a baseline against the baseline)"
	}
	p := pubs[0]
	for _, q := range pubs {
		if r.comparableFor(q, arm) {
			p = q
			break
		}
	}
	return &p, r.verdictArm(p, dl, n0, n1, arm)
}

// pairStat is Stat of one benchmark for the baseline and arm i only.
func (r *renderer) pairStat(id results.ID, unit string, dir overhead.Dir, i int) overhead.Stat {
	d := r.d
	a := d.Units.GetAssumption(unit)
	c0, c1, dl := overhead.Compare(a, d.Values(id, unit, 0), d.Values(id, unit, i), dir)
	return overhead.Stat{ID: id, Unit: unit, Dir: dir, Cells: []overhead.Cell{c0, c1}, Deltas: []overhead.Delta{{Overhead: math.NaN()}, dl}}
}

func armCell(c overhead.Cell) *ArmCell {
	ac := ArmCell{N: c.N, Median: Num(math.NaN()), Lo: Num(math.NaN()), Hi: Num(math.NaN())}
	if c.N > 0 {
		ac.Median, ac.Lo, ac.Hi = Num(c.Center), Num(c.Lo), Num(c.Hi)
	}
	return &ac
}

// overheadCell is the JSON form of a Delta between two cells.
func overheadCell(arm string, dl overhead.Delta, c0, c1 overhead.Cell, dir overhead.Dir) OverheadCell {
	oc := OverheadCell{Arm: arm, Pct: Num(dl.Overhead), Lo: Num(dl.Lo), Hi: Num(dl.Hi), P: Num(math.NaN()),
		Significant: dl.OK && dl.Significant, N0: c0.N, N1: c1.N, Slowdown: Num(math.NaN())}
	if dl.OK {
		oc.P = Num(dl.P)
		oc.Slowdown = Num(overhead.Slowdown(c0.Center, c1.Center, dir))
	}
	return oc
}

// costText renders an overhead: "+20.00% [+19.0, +21.0]", "~ +0.40%
// [-1.0, +1.8]" when the test finds no difference, "+20.48% (n=6+3)"
// without an interval.
func costText(oc *OverheadCell) string {
	if oc == nil || !overhead.Finite(float64(oc.Pct)) {
		return "–"
	}
	s := fmt.Sprintf("%+.2f%%", float64(oc.Pct))
	if overhead.Finite(float64(oc.Lo)) {
		s += fmt.Sprintf(" [%+.1f, %+.1f]", float64(oc.Lo), float64(oc.Hi))
	} else {
		s += fmt.Sprintf(" (n=%d+%d)", oc.N0, oc.N1)
	}
	if !oc.Significant {
		s = "~ " + s
	}
	return s
}

// slowText renders a slowdown factor: "1.25×".
func slowText(v Num) string {
	if !overhead.Finite(float64(v)) {
		return "–"
	}
	if math.Abs(float64(v)) < 0.1 {
		return trimf(float64(v), 3) + "×"
	}
	return fmt.Sprintf("%.2f×", float64(v))
}

// writeSummary writes the first screen: the summary table, one row per
// area and TEE arm.
func (r *renderer) writeSummary(hs []Headline) {
	d := r.d
	if len(d.Arms) == 1 {
		t := &blocks.Table{Header: []string{"area", "headline (benchmark, unit)", "`" + d.Arms[0].Label + "` median ±95% CI"}}
		for _, h := range hs {
			if h.BaseCell == nil {
				t.Rows = append(t.Rows, blocks.Texts([]string{h.Area, h.NotMeasured, "–"}))
				continue
			}
			v := medianCell(h.BaseCell, h.Unit)
			if h.NotMeasured != "" {
				v.Text += " (" + h.NotMeasured + ")"
			}
			t.Rows = append(t.Rows, []blocks.Cell{blocks.Text(h.Area), blocks.Text(h.Label + " (`" + h.Benchmark + "`, " + h.Unit + ")"), v})
		}
		r.addTable(t)
		return
	}
	multi := len(d.Arms) > 2
	tee := "TEE"
	if !multi {
		tee = "TEE " + r.armName(1)
		if noiseArm(d, d.Arms[1]) {
			tee = "`" + d.Arms[1].Label + "` (another baseline: the noise floor)"
		}
	}
	t := &blocks.Table{Header: []string{"area", "headline (benchmark, unit)", "base `" + d.Arms[0].Label + "`", tee,
		"TEE cost [95% CI] (+ = worse)", "TEE/base time ×", "published TEE cost", "verdict"}}
	for _, h := range hs {
		name := h.Area
		if multi && h.Arm != "" {
			name += " `" + h.Arm + "`"
		}
		if h.BaseCell == nil {
			t.Rows = append(t.Rows, blocks.Texts([]string{name, h.NotMeasured, "", "", "", "", "", ""}))
			continue
		}
		label := h.Label + " (`" + h.Benchmark + "`, " + h.Unit + ")"
		cost, slow := numCell(costText(h.Overhead), h.Overhead.Pct), numCell(slowText(h.Overhead.Slowdown), h.Overhead.Slowdown)
		if h.EnginesDisagree {
			cost.Text += "; Go " + costText(h.Other)
			cost.Text = "**engines disagree**: " + cost.Text
			slow.Text += "; Go " + slowText(h.Other.Slowdown)
		}
		pub, verdict := blocks.Text("–"), h.Verdict
		if h.Published != nil {
			pub = numCell(formatPct(h.Published.Pct)+" ("+pairText(*h.Published)+")", Num(h.Published.Pct))
		}
		if b, ok := overhead.Bounds[h.Area]; ok && h.NotMeasured == "" && !strings.HasPrefix(h.Verdict, "noise floor") {
			pub.Text += " · bound " + boundText(b.Factor)
		}
		if h.NotMeasured != "" {
			cost, slow, verdict = blocks.Text("– ("+h.NotMeasured+")"), blocks.Text("–"), "no headline"
		}
		t.Rows = append(t.Rows, []blocks.Cell{blocks.Text(name), blocks.Text(label), medianCell(h.BaseCell, h.Unit), medianCell(h.ArmCell, h.Unit), cost, slow, pub, blocks.Text(verdict)})
	}
	r.addTable(t)
}

// medianCell is cellText's cell, carrying the median.
func medianCell(c *ArmCell, unit string) blocks.Cell {
	if c == nil || c.N == 0 {
		return blocks.Text(cellText(c, unit))
	}
	return numCell(cellText(c, unit), c.Median)
}

// cellText renders an arm's median with its interval, unit-less (the unit
// is in the row): "80.95k ±1%".
func cellText(c *ArmCell, unit string) string {
	if c == nil || c.N == 0 {
		return "–"
	}
	s := NumText(float64(c.Median), unit)
	if c.N >= overhead.MinVerdictN && overhead.Finite(float64(c.Lo)) && overhead.Finite(float64(c.Hi)) && c.Median != 0 {
		s += fmt.Sprintf(" ±%.0f%%", math.Max(float64(c.Hi)-float64(c.Median), float64(c.Median)-float64(c.Lo))/math.Abs(float64(c.Median))*100)
	}
	return s
}
