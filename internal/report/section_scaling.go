package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// scaling is §VIII: 7-Zip's thread scaling per arm beside the published
// curves, and the Go codecs' scaling efficiency. The published tables come
// from different machines, so no verdict is drawn.
func (r *renderer) scaling() bool { return subsections(r.sevenZipScaling, r.codecScaling) }

// codecScaling writes the scaling efficiency of the Go codec benchmarks,
// B/s(N) / (N x B/s(1)), per arm.
func (r *renderer) codecScaling() bool {
	d := r.d
	hdr := []string{"benchmark", "threads"}
	for i := range d.Arms {
		hdr = append(hdr, r.colName(i)+" efficiency")
	}
	var lines [][]string
	for _, base := range []string{"Compress", "Decompress"} {
		all := d.Find(base)
		for _, codec := range results.Distinct(all, "codec") {
			for _, dict := range results.Distinct(d.Find(base, "codec="+codec), "dict") {
				ids := d.FindSorted(base, "threads", "codec="+codec, "dict="+dict)
				one1, has1 := one(d.Find(base, "codec="+codec, "dict="+dict, "threads=1"))
				if !has1 || len(ids) < 2 {
					continue
				}
				for _, id := range ids {
					if id.Get("threads") == "1" {
						continue // 100% by definition
					}
					line := []string{fmt.Sprintf("`%s B/s`", id), id.Get("threads")}
					for i := range d.Arms {
						line = append(line, pct(efficiency(r.median(id, "B/s", i), r.median(one1, "B/s", i), results.PartValue(id.Get("threads")))))
					}
					lines = append(lines, line)
				}
			}
		}
	}
	if len(lines) == 0 {
		return false
	}
	var parts []string
	for _, l := range lines {
		var cells []string
		for i, v := range l[2:] {
			cells = append(cells, strings.TrimSuffix(hdr[i+2], " efficiency")+" "+v)
		}
		parts = append(parts, fmt.Sprintf("%s at %s threads: %s", l[0], l[1], strings.Join(cells, ", ")))
	}
	r.para("*Go codecs:* scaling efficiency B/s(N) / (N × B/s(1)) of the medians (1 thread: 100%% by definition) — %s.", strings.Join(parts, "; "))
	return true
}

// publishedEfficiency returns the published efficiency of env ("TEE CVM",
// "bare metal") at a thread count, NaN when not published.
func publishedEfficiency(env string, threads string) float64 {
	for _, p := range lookupPublished("7z/efficiency", "/threads="+threads+"/") {
		if p.Env == env {
			return p.Value
		}
	}
	return math.NaN()
}

// sevenZipScaling writes the §VIII tables: per arm, 7-Zip's usage, speeds,
// total rating and scaling efficiency by threads, with the published
// efficiencies at the same thread count beside them.
func (r *renderer) sevenZipScaling() bool {
	d := r.d
	ids := d.FindSorted("SevenZip", "threads")
	if len(ids) == 0 {
		return false
	}
	one1, has1 := one(d.Find("SevenZip", "threads=1"))
	r.para("`for t in 1 2 4 8 16 32; do 7z b -mmt$t; done`. Scaling efficiency = Tot(N) / (N × Tot(1)) of the medians of the total rating (MIPS), " +
		"each arm against its own 1-thread rating: the quantity that carries between machines. The published efficiencies (TEE CVM and bare metal, from different machines) " +
		"are shown at the same thread count only; no verdict.")
	var lines [][]string
	above := map[string]bool{}
	for i := range d.Arms {
		for _, id := range ids {
			n := results.PartValue(id.Get("threads"))
			cell := func(unit string) string {
				c, _ := overhead.Summarize(d.Units.GetAssumption(unit), d.Values(id, unit, i))
				return tableCell(c, unit) + r.warnMarks(c.Warnings)
			}
			eff := math.NaN()
			if has1 {
				eff = efficiency(r.median(id, "MIPS", i), r.median(one1, "MIPS", i), n)
			}
			t := id.Get("threads")
			if eff > 1.005 {
				above[d.Arms[i].Label] = true
			}
			lines = append(lines, []string{r.colName(i), t, "`" + id.String() + "`", cell("usage-%"), cell("compress-B/s"), cell("decompress-B/s"), cell("MIPS"), pct(eff),
				pct(publishedEfficiency("TEE CVM", t)), pct(publishedEfficiency("bare metal", t))})
			if i == 0 {
				r.pubs = append(r.pubs, r.scalingPubs(id)...)
			}
		}
	}
	r.table([]string{"arm", "threads", "benchmark", "CPU usage %", "compression B/s", "decompression B/s", "total rating MIPS", "scaling efficiency",
		"published TEE CVM efficiency", "published bare-metal efficiency"}, lines)
	var noTEE []string
	for i, a := range d.Arms {
		if above[a.Label] && !teeArm(a) {
			noTEE = append(noTEE, r.armName(i))
		}
	}
	if len(noTEE) > 0 {
		r.para("Efficiency above 100%% appears here without any TEE (%s): the 1-thread rating it is divided by is held back (turbo, cache sharing, the scheduler), "+
			"so the published TEE CVM's above-100%% efficiencies are no evidence of a TEE effect either.", strings.Join(noTEE, ", "))
	}
	r.scalingChart(ids, one1, has1)
	return true
}

// scalingPubs are the appendix records of a 7-Zip thread count.
func (r *renderer) scalingPubs(id results.ID) []pubRecord {
	var out []pubRecord
	for _, k := range []string{"7z/MIPS"} { // the efficiencies are in the table
		for _, p := range lookupPublished(k, matchOf(id)) {
			out = append(out, pubRecord{pub: p, label: "7-Zip " + strings.TrimPrefix(k, "7z/") + " threads=" + id.Get("threads"), bench: id.String() + " MIPS"})
		}
	}
	return out
}
