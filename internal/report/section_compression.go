package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// compression is §V: the 7-Zip rating (compress, decompress, total) by
// threads, the per-core figure in both readings, and the Go codecs.
func (r *renderer) compression() bool {
	d := r.d
	sz := d.FindSorted("SevenZip", "threads")
	comp, decomp := d.Find("Compress"), d.Find("Decompress")
	if len(sz)+len(comp)+len(decomp) == 0 {
		return false
	}
	ok := false
	if len(sz) > 0 {
		r.heading(3, "7-Zip rating (`7z b -mmtN`, docs/methods.md §2)")
		var rows []row
		for _, unit := range []string{"MIPS", "compress-MIPS", "decompress-MIPS"} {
			for _, id := range sz {
				rw := row{label: fmt.Sprintf("%s threads=%s", map[string]string{"MIPS": "Total rating", "compress-MIPS": "Compress", "decompress-MIPS": "Decompress"}[unit], id.Get("threads")), id: id, unit: unit}
				if unit == "compress-MIPS" {
					rw.abs = "7z/compress-MIPS"
				}
				rows = append(rows, rw)
			}
		}
		ok = r.metricTable("metric", rows)
		r.perCore(sz)
	}
	if len(comp)+len(decomp) > 0 {
		r.heading(3, "Go codecs")
		var rows []row
		for _, set := range []struct {
			ids  []results.ID
			name string
		}{{comp, "Compress"}, {decomp, "Decompress"}} {
			for _, id := range set.ids {
				n := fmt.Sprintf("%s %s dict=%s threads=%s", set.name, id.Get("codec"), id.Get("dict"), id.Get("threads"))
				rows = append(rows, row{label: n, id: id, unit: "B/s"})
			}
		}
		ok = r.metricTable("benchmark", rows) || ok
	}
	return ok
}

// perCore writes the published per-core figure's two readings (docs/methods.md
// §0): compress MIPS ÷ vCPUs at threads = vCPUs, and the threads=8 figure
// ÷ vCPUs, marked oversubscribed when 8 threads exceed the vCPUs. The
// published 40,677 ÷ 32 cores = 1,271 is other hardware: reference only.
func (r *renderer) perCore(sz []results.ID) {
	d := r.d
	hdr := []string{"reading"}
	for i := range d.Arms {
		hdr = append(hdr, r.colName(i))
	}
	hdr = append(hdr, "published (TDX-Lab, 32 cores; reference only)")
	for i := range d.Arms {
		hdr[i+1] = "`" + hdr[i+1] + "`"
	}
	readA := []string{"compress MIPS ÷ vCPUs at threads = vCPUs"}
	readB := []string{"compress MIPS at threads=8 ÷ vCPUs"}
	for i, a := range d.Arms {
		v, err := strconv.Atoi(a.EnvValue("vcpus"))
		if err != nil || v <= 0 {
			readA = append(readA, "– (no `vcpus:`)")
			readB = append(readB, "– (no `vcpus:`)")
			continue
		}
		if id, ok := one(d.Find("SevenZip", fmt.Sprintf("threads=%d", v))); ok && overhead.Finite(r.median(id, "compress-MIPS", i)) {
			readA = append(readA, fmt.Sprintf("%s (threads=%d, %d vCPUs)", trimf(r.median(id, "compress-MIPS", i)/float64(v), 4), v, v))
		} else {
			readA = append(readA, fmt.Sprintf("– (no threads=%d run)", v))
		}
		if id, ok := one(d.Find("SevenZip", "threads=8")); ok && overhead.Finite(r.median(id, "compress-MIPS", i)) {
			s := fmt.Sprintf("%s (threads=8, %d vCPUs)", trimf(r.median(id, "compress-MIPS", i)/float64(v), 4), v)
			if v < 8 {
				s += ", oversubscribed: 8 threads > " + strconv.Itoa(v) + " vCPUs"
			}
			readB = append(readB, s)
		} else {
			readB = append(readB, "– (no threads=8 run)")
		}
	}
	readA = append(readA, "–")
	readB = append(readB, "40,677 ÷ 32 = 1,271 (printed under `7z b -mmt8`; likely a full-core run)")
	say := func(read []string) string {
		var parts []string
		for i, v := range read[1:] {
			parts = append(parts, hdr[i+1]+": "+v)
		}
		return read[0] + " — " + strings.Join(parts, "; ")
	}
	r.para("*Per-core compression rating* in both readings of the published figure (docs/methods.md §0): %s. %s.", say(readA), say(readB))
}
