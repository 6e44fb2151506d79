package report

import (
	"fmt"
	"strings"
)

// gpu is §VI: the GPU inventory (NVML) and the copy and GEMM benchmarks.
func (r *renderer) gpu() bool {
	d := r.d
	cp, gemm := d.Find("Copy"), d.Find("GEMM")
	var keys []string
	seen := map[string]bool{}
	for _, a := range d.Arms {
		for _, k := range a.EnvKeys {
			if strings.HasPrefix(k, "gpu") && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(cp)+len(gemm)+len(keys) == 0 {
		return false
	}
	if len(keys) > 0 {
		r.heading(3, "GPU inventory (NVML)")
		hdr := []string{"key"}
		for i := range d.Arms {
			hdr = append(hdr, r.colName(i))
		}
		var lines [][]string
		for _, k := range keys {
			line := []string{k}
			for _, a := range d.Arms {
				v := a.EnvValue(k)
				if v == "" {
					v = "–"
				}
				line = append(line, v)
			}
			lines = append(lines, line)
		}
		r.table(hdr, lines)
		r.para("Published (§VI, vendor specifications, not measurements): H200 NVL 141 GB at 4.8 TB/s; AWS G6 (L4) 24 GB at 300 GB/s.")
	}
	if len(cp)+len(gemm) == 0 {
		return true
	}
	r.heading(3, "Copy bandwidth and GEMM")
	r.para("CPU↔GPU copies go through encrypted bounce buffers in CC mode (docs/methods.md §8); GEMM runs inside the GPU.")
	var rows []row
	for _, id := range cp {
		rows = append(rows, row{label: fmt.Sprintf("Copy %s %s %s", id.Get("dir"), id.Get("mem"), id.Get("size")), id: id, unit: "B/s"})
	}
	for _, id := range gemm {
		rows = append(rows, row{label: fmt.Sprintf("GEMM %s n=%s", id.Get("dtype"), id.Get("n")), id: id, unit: "TOPS", abs: "gpu/gemm/TOPS"})
	}
	return r.metricTable("metric", rows)
}
