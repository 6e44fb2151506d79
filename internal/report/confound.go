package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// sectionAreas are the areas of each section's rows, for the one line a
// section gets when its rows are confounded.
var sectionAreas = map[string][]string{
	"II. Storage":                     {overhead.AreaStorage},
	"III. Network gateway":            {overhead.AreaNetwork},
	"IV. zkTLS and memory encryption": {overhead.AreaZK, overhead.AreaMemory},
	"V. Compression":                  {overhead.AreaCPU},
	"VI. GPU":                         {overhead.AreaGPU},
	"VII. LLM inference":              {overhead.AreaLLM},
	"VIII. CPU thread scaling":        {overhead.AreaScaling},
	"IX. Why: the mechanisms behind the overheads": {overhead.AreaMechanisms},
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
	for _, c := range overhead.Confounders {
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
		pkg = overhead.AreaPkg[area]
	}
	if area != overhead.AreaGPU {
		for _, a := range []int{0, i} {
			if s, ok := r.steal(a, pkg); ok && s >= overhead.StealThreshold {
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
	return blocks.Literal(strings.Join(parts, ". ")) + "."
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
func (r *renderer) checkRow(dl overhead.Delta) string {
	if !dl.OK {
		return ""
	}
	if v := r.nTooSmall(r.vrow.id, r.vrow.unit); v != "" {
		return v
	}
	return implausible(overhead.AreaOf(r.vrow.id), r.vrow.slowdown)
}

// qualify applies checkRow and the confounders to a verdict drawn without
// a published overhead (a summary row with none).
func (r *renderer) qualify(v string, dl overhead.Delta, i int) string {
	if c := r.checkRow(dl); c != "" {
		return c
	}
	if !dl.OK {
		return v
	}
	return r.confounded(v, overhead.AreaOf(r.vrow.id), i)
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
			if c := float64(h.Overhead.Pct); overhead.Finite(c) && c < 2*spread && c > -2*spread {
				hidden = append(hidden, fmt.Sprintf("%s %+.1f%%", h.Area, c))
			}
		}
		if len(hidden) > 0 {
			flags = append(flags, fmt.Sprintf("`%s` (CPU %.1f%%, memory %.1f%% cv) hides %s", a.Label, cpu, mem, strings.Join(hidden, ", ")))
		}
	}
	if len(flags) > 0 {
		r.banner("Noise", "the noise check's spread is as large as half of some headline costs, which could then be noise: %s.", blocks.Literal(strings.Join(flags, "; ")))
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
func (r *renderer) checkCost(txt string, dl overhead.Delta, hasVerdict bool) string {
	if !dl.OK {
		return txt
	}
	if v := r.nTooSmall(r.vrow.id, r.vrow.unit); v != "" {
		return v
	}
	if v := implausible(overhead.AreaOf(r.vrow.id), r.vrow.slowdown); v != "" && !hasVerdict {
		return txt + " ⚠ " + v
	}
	return txt
}
