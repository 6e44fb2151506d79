package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/report/results"
)

// The report's areas: the summary's row groups, and "CPU scaling" for the
// multi-threaded CPU rows (§VIII), which the number of vCPUs decides.
const (
	AreaStorage    = "Storage"
	AreaNetwork    = "Network"
	AreaCPU        = "CPU"
	AreaScaling    = "CPU scaling"
	AreaMemory     = "Memory"
	AreaZK         = "zk"
	AreaGPU        = "GPU"
	AreaLLM        = "LLM"
	AreaMechanisms = "Mechanisms"
)

// cpuAreas are the areas whose figures are CPU time.
var cpuAreas = []string{AreaCPU, AreaScaling, AreaMemory, AreaZK, AreaNetwork, AreaLLM, AreaMechanisms}

// Confounder is one difference between two arms, besides the TEE, that can
// move a TEE overhead, and the areas whose rows it moves.
type Confounder struct {
	// Name is how the verdicts name it: "vCPUs differ".
	Name string
	// Keys are the manifest keys that show it; it applies when one of
	// them differs between the baseline and the arm.
	Keys []string
	// Breaks are the areas whose rows are not comparable when it differs
	// (their verdict is replaced by "not comparable: <Name> differ").
	Breaks []string
	// Moves are the areas whose overheads it can move (their verdict is
	// kept and marked "confounded: <Name> differ").
	Moves []string
}

// Confounders is the confounder → areas map, declared once: for each
// manifest difference (benchenv's package doc lists the keys) the areas it
// can break or move. It follows what the rows measure: thread scaling is
// decided by the vCPUs and the container's CPU limit; anything CPU-bound
// moves with frequency policy, SMT and the CPU model; page-backed figures
// with THP; syscall-, exit- and interrupt-heavy rows (storage, network, the
// mechanisms) with the kernel, its mitigations, the idle driver and where
// interrupts run; bounced I/O (storage, network, GPU copies in a TEE) with
// the swiotlb pool; LLM rows with the server and model they measured. A
// manifest key that differs and is in no entry is named beside every
// verdict (its effect is unknown). Steal time is a per-run measurement,
// not a manifest key: StealThreshold decides it.
var Confounders = []Confounder{
	{Name: "vCPUs", Keys: []string{"vcpus", "gomaxprocs", "cpu-affinity"},
		Breaks: []string{AreaScaling}, Moves: []string{AreaStorage, AreaNetwork, AreaZK, AreaLLM}},
	{Name: "container limits", Keys: []string{"cgroup-cpus", "cgroup-mem"},
		Breaks: []string{AreaScaling}, Moves: []string{AreaStorage, AreaNetwork, AreaCPU, AreaMemory, AreaZK, AreaLLM, AreaMechanisms}},
	{Name: "CPU model", Keys: []string{"cpu-model", "cpu"},
		Breaks: []string{AreaCPU, AreaScaling, AreaMemory, AreaZK}, Moves: []string{AreaNetwork, AreaLLM, AreaMechanisms, AreaStorage}},
	{Name: "memory", Keys: []string{"mem-total"}, Moves: []string{AreaStorage, AreaZK, AreaLLM}},
	{Name: "governor/boost", Keys: []string{"cpufreq-driver", "cpufreq-governor", "cpu-boost"}, Moves: cpuAreas},
	{Name: "SMT", Keys: []string{"smt", "smt-control"}, Moves: []string{AreaScaling, AreaZK, AreaNetwork, AreaLLM}},
	{Name: "NUMA", Keys: []string{"numa-nodes", "numa-balancing"}, Moves: []string{AreaMemory, AreaScaling, AreaLLM}},
	{Name: "THP", Keys: []string{"thp"}, Moves: []string{AreaMemory, AreaZK, AreaLLM, AreaMechanisms}},
	{Name: "memory acceptance", Keys: []string{"accept-memory", "mem-unaccepted"}, Moves: []string{AreaMemory, AreaMechanisms}},
	{Name: "kernel", Keys: []string{"kernel"}, Moves: []string{AreaStorage, AreaNetwork, AreaMechanisms, AreaGPU}},
	{Name: "mitigations", Keys: []string{"mitigations", "mitigation-switches"}, Moves: []string{AreaStorage, AreaNetwork, AreaMechanisms}},
	{Name: "idle/clock", Keys: []string{"clocksource", "cpuidle-driver", "cpuidle-governor", "guest-halt-poll-ns", "guest-halt-poll-allow-shrink"},
		Moves: []string{AreaStorage, AreaNetwork, AreaMechanisms}},
	{Name: "IRQ affinity", Keys: []string{"irq-affinity-disk", "irq-affinity-net"}, Moves: []string{AreaStorage, AreaNetwork}},
	{Name: "swiotlb", Keys: []string{"swiotlb-param", "swiotlb-size"}, Moves: []string{AreaStorage, AreaNetwork, AreaGPU}},
	{Name: "I/O target", Keys: []string{"io-fs", "io-direct"}, Breaks: []string{AreaStorage}},
	{Name: "LLM server", Keys: []string{"llm-target", "llm-model", "llm-max-model-len", "llm-server-version"}, Breaks: []string{AreaLLM}},
	{Name: "GPU", Keys: []string{"gpu"}, Breaks: []string{AreaGPU, AreaLLM}},
	{Name: "GPU clocks/power", Keys: []string{"gpu-sm-clock-app", "gpu-mem-clock-app", "gpu-power-limit", "gpu-ecc"}, Moves: []string{AreaGPU, AreaLLM}},
}

// StealThreshold is the steal time, in percent of all CPU time over a
// package (the `# run steal:` lines), above which an arm's rows in the
// steal-sensitive areas (every area but GPU) are marked confounded: the
// hypervisor ran something else for that share of the time, which lands
// in the overhead whatever the TEE costs.
const StealThreshold = 1.0

// areaOf is the area of a benchmark row ("" for none).
func areaOf(id results.ID) string {
	switch id.Base {
	case "Fio":
		return AreaStorage
	case "Gateway", "GatewayMulti", "GatewayRate":
		return AreaNetwork
	case "SevenZip", "Compress", "Decompress":
		if t := id.Get("threads"); t != "" && t != "1" {
			return AreaScaling
		}
		return AreaCPU
	case "AESGCM":
		return AreaCPU
	case "SHA256", "Stream", "MemLatency", "Wakeup":
		return AreaMemory
	case "Prove", "Verify", "Setup":
		return AreaZK
	case "Copy", "GEMM":
		return AreaGPU
	case "Serve":
		return AreaLLM
	case "Exit", "PageTouch", "TLSHandshake":
		return AreaMechanisms
	}
	return ""
}

// areaPkg is the package whose steal line speaks for an area's rows when
// a row names no `pkg:` (the mechanisms come mostly from cpu_bench).
var areaPkg = map[string]string{
	AreaStorage: "io_bench", AreaNetwork: "net_bench", AreaCPU: "cpu_bench", AreaScaling: "cpu_bench",
	AreaMemory: "cpu_bench", AreaZK: "zk_bench", AreaLLM: "llm_bench", AreaMechanisms: "cpu_bench",
}

// sectionAreas are the areas of each section's rows, for the one line a
// section gets when its rows are confounded.
var sectionAreas = map[string][]string{
	"II. Storage":                     {AreaStorage},
	"III. Network gateway":            {AreaNetwork},
	"IV. zkTLS and memory encryption": {AreaZK, AreaMemory},
	"V. Compression":                  {AreaCPU},
	"VI. GPU":                         {AreaGPU},
	"VII. LLM inference":              {AreaLLM},
	"VIII. CPU thread scaling":        {AreaScaling},
	"IX. Why: the mechanisms behind the overheads": {AreaMechanisms},
}

// confoundNotes returns what breaks and what moves area's overheads of arm
// i against the baseline: "vCPUs differ", with long "vCPUs differ (`vcpus`
// 8 vs 4)"; "steal 7.0% in `tdx`"; and the differing keys no Confounder
// names.
//
// pkg, when known (the row's `pkg:`), picks that package's steal line;
// otherwise the arm's largest steal counts.
func (r *renderer) confoundNotes(area, pkg string, i int, long bool) (breaks, moves []string) {
	d := r.d
	if i <= 0 || i >= len(d.Arms) || area == "" {
		return nil, nil
	}
	base, arm := d.Arms[0], d.Arms[i]
	known := map[string]bool{}
	for _, c := range Confounders {
		var diff []string
		for _, k := range c.Keys {
			known[k] = true
			v0, v1 := base.EnvValue(k), arm.EnvValue(k)
			if v0 != "" && v1 != "" && v0 != v1 {
				diff = append(diff, fmt.Sprintf("`%s` %s vs %s", k, v0, v1))
			}
		}
		if len(diff) == 0 {
			continue
		}
		verb := " differs ("
		if strings.HasSuffix(c.Name, "s") {
			verb = " differ ("
		}
		note := c.Name + verb + strings.Join(diff, ", ") + ")"
		if !long {
			note, _, _ = strings.Cut(note, " (")
		}
		switch {
		case slices.Contains(c.Breaks, area):
			breaks = append(breaks, note)
		case slices.Contains(c.Moves, area):
			moves = append(moves, note)
		}
	}
	if pkg == "" {
		pkg = areaPkg[area]
	}
	if area != AreaGPU {
		for _, a := range []int{0, i} {
			if s, ok := r.steal(a, pkg); ok && s >= StealThreshold {
				moves = append(moves, fmt.Sprintf("steal %.1f%% in `%s`", s, d.Arms[a].Label))
			}
		}
	}
	for _, k := range r.confounders {
		if !known[k] {
			moves = append(moves, "`"+k+"` differs")
		}
	}
	return breaks, moves
}

// steal is the steal percentage of arm i's `# run steal:` line of package
// pkg ("cpu_bench 7.00% (…)" for pkg ".../cpu_bench"), or the largest of
// its lines (one per package, joined by ", ") when pkg is "" or has none.
func (r *renderer) steal(i int, pkg string) (float64, bool) {
	v := r.d.RunInfo(i, "steal")
	if v == "" {
		return 0, false
	}
	best, ok := 0.0, false
	for _, part := range strings.Split(v, ", ") {
		s, good := benchenv.StealPercent(part)
		if !good {
			continue
		}
		if name, _, _ := strings.Cut(part, " "); pkg != "" && (pkg == name || strings.HasSuffix(pkg, "/"+name)) {
			return s, true
		}
		if !ok || s > best {
			best, ok = s, true
		}
	}
	return best, ok
}

// confounded qualifies verdict v of a row of area for arm i: replaced by
// "not comparable: …" when a confounder breaks the area, "; confounded:
// …" appended when one moves it.
func (r *renderer) confounded(v, area string, i int) string {
	breaks, moves := r.confoundNotes(area, r.d.Pkg(r.vrow.id), i, false)
	if len(breaks) > 0 {
		return "not comparable: " + strings.Join(breaks, "; ")
	}
	if len(moves) > 0 {
		return v + "; confounded: " + strings.Join(moves, "; ")
	}
	return v
}

// sectionConfounders writes one line at the top of a section whose areas
// a confounder breaks or moves in some arm, so that rows without a
// verdict (scaling efficiencies, rows with no published figure) carry it
// too.
func (r *renderer) sectionConfounders(title string) string {
	var parts []string
	for _, area := range sectionAreas[title] {
		for i := 1; i < len(r.d.Arms); i++ {
			if noiseArm(r.d, r.d.Arms[i]) {
				continue
			}
			breaks, moves := r.confoundNotes(area, "", i, true)
			who := ""
			if len(r.d.Arms) > 2 || len(sectionAreas[title]) > 1 {
				who = fmt.Sprintf(" (%s, `%s`)", area, r.d.Arms[i].Label)
			}
			if len(breaks) > 0 {
				parts = append(parts, "**not comparable**"+who+": "+strings.Join(breaks, "; "))
			} else if len(moves) > 0 {
				parts = append(parts, "**confounded**"+who+": "+strings.Join(moves, "; "))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "> " + esc(strings.Join(parts, ". ")) + ".\n\n"
}

// verdictRow is the row whose verdicts are being drawn: metricTable and
// the summary set it before they draw them, so that the checks of this
// issue (checkRow, confounded) see the row's area, unit and slowdown
// without changing the verdict functions' signatures.
type verdictRow struct {
	id       results.ID
	unit     string
	slowdown float64
}

// checkRow returns what replaces every verdict of the current row: "n too
// small (…)" when its statistic has too few requests, "implausible — …"
// when it is slower than its area's bound; "" when neither.
func (r *renderer) checkRow(dl Delta) string {
	if !dl.OK {
		return ""
	}
	if v := r.nTooSmall(r.vrow.id, r.vrow.unit); v != "" {
		return v
	}
	return implausible(areaOf(r.vrow.id), r.vrow.slowdown)
}

// qualify applies checkRow and the confounders to a verdict drawn without
// a published overhead (a summary row with none).
func (r *renderer) qualify(v string, dl Delta, i int) string {
	if c := r.checkRow(dl); c != "" {
		return c
	}
	if !dl.OK {
		return v
	}
	return r.confounded(v, areaOf(r.vrow.id), i)
}

// noiseFlags writes, under the environment table, which arms' noise check
// (the `# run noise-cpu:` and `noise-mem:` lines) has a spread that would
// hide the overheads the summary reports for them: a headline cost within
// twice the spread (about the 95% band of one sample) of zero.
func (r *renderer) noiseFlags(hs []Headline) {
	d := r.d
	if len(d.Arms) < 2 {
		return
	}
	var flags []string
	for i, a := range d.Arms {
		cpu, okc := benchenvNoise(d.RunInfo(i, "noise-cpu"))
		mem, okm := benchenvNoise(d.RunInfo(i, "noise-mem"))
		if !okc && !okm {
			continue
		}
		spread := max(cpu, mem)
		var hidden []string
		for _, h := range hs {
			if h.Overhead == nil || h.NotMeasured != "" || (i > 0 && h.Arm != a.Label) {
				continue
			}
			if c := float64(h.Overhead.Pct); finite(c) && c < 2*spread && c > -2*spread {
				hidden = append(hidden, fmt.Sprintf("%s %+.1f%%", h.Area, c))
			}
		}
		if len(hidden) > 0 {
			flags = append(flags, fmt.Sprintf("`%s` (CPU %.1f%%, memory %.1f%% cv) hides %s", a.Label, cpu, mem, strings.Join(hidden, ", ")))
		}
	}
	if len(flags) > 0 {
		r.p("> **Noise:** the noise check's spread is as large as half of some headline costs, which could then be noise: %s.\n\n", esc(strings.Join(flags, "; ")))
	}
}

// benchenvNoise reads the largest spread of a noise run-info value (one
// per result file, joined by ", ").
func benchenvNoise(v string) (float64, bool) {
	best, ok := 0.0, false
	for _, part := range strings.Split(v, ", ") {
		if p, good := benchenv.NoisePercent(part); good && (!ok || p > best) {
			best, ok = p, true
		}
	}
	return best, ok
}

// checkCost is a table row's cost text under checkRow: "n too small (…)"
// instead of the cost; an implausible cost keeps its figure, marked
// beside it when the row has no verdict column to say it.
func (r *renderer) checkCost(txt string, dl Delta, hasVerdict bool) string {
	if !dl.OK {
		return txt
	}
	if v := r.nTooSmall(r.vrow.id, r.vrow.unit); v != "" {
		return v
	}
	if v := implausible(areaOf(r.vrow.id), r.vrow.slowdown); v != "" && !hasVerdict {
		return txt + " ⚠ " + v
	}
	return txt
}
