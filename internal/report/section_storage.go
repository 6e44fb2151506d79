package report

import (
	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// storage is §II: the fio jobs per engine, held against the published
// storage overheads of the pair the baseline's platform selects.
func (r *renderer) storage() bool {
	d := r.d
	all := d.Find("Fio")
	if len(all) == 0 {
		return false
	}
	plat := d.Arms[0].EnvValue("platform")
	r.leadWith("The nine jobs of InfraBuilder's fio `benchmark.sh` (docs/methods.md §1), on the Go engine (`engine=go`) and on fio itself (`engine=fio`) as the reference. ")
	switch plat {
	case "bare-metal":
		r.para("The baseline runs on bare metal, so overheads are held against the published host → CVM pairs (H200 and TDX-Lab).")
	case "vm":
		r.para("The baseline is a plain VM, so overheads are held against the published TDX-Lab VM → CVM pair.")
	default:
		r.para("The baseline's platform (%q) matches no published pair (bare metal or a plain VM): the published overheads are for reference.", plat)
	}
	// One table on the reference (fio) when it ran in every arm, the Go
	// engine's cost and the go/fio ratio beside each row; the Go engine's
	// table otherwise. Other engines (fio-ownfile) get tables of their own.
	primary, other := "go", "fio"
	if d.EveryArm("Fio", "engine=fio") {
		primary, other = "fio", "go"
	}
	any := false
	for _, eng := range prefer(results.Distinct(all, "engine"), primary) {
		if eng == other && d.EveryArm("Fio", "engine="+primary) {
			continue // shown beside the primary engine's rows
		}
		var rows []row
		for _, j := range catalog.FioJobs {
			id, ok := one(d.Find("Fio", "job="+j.Name, "engine="+eng))
			if !ok || j.Mechanism {
				continue
			}
			alt, hasAlt := one(d.Find("Fio", "job="+j.Name, "engine="+other))
			for _, fr := range j.Rows {
				rw := row{label: fr.Label, id: id, unit: fr.Unit, pubs: overhead.StoragePairs(j.Name, fr.Unit, plat), abs: "fio/" + j.Name + "/" + fr.Unit}
				if eng == primary && hasAlt {
					rw.alt, rw.hasAlt, rw.altOurs, rw.goal = alt, true, other == "go", catalog.FioGoal(fr.Unit)
				}
				rows = append(rows, rw)
			}
		}
		if !r.anyData(rows) {
			continue
		}
		if eng == primary {
			r.alt = altSpec{name: map[string]string{"go": "Go engine", "fio": "fio"}[other], ratio: "go/fio"}
		}
		if eng == "fio" && primary == "fio" {
			r.heading(3, "engine=fio (the reference), the Go engine beside it")
		} else {
			r.heading(3, "engine=%s", eng)
		}
		any = r.metricTable("engine="+eng, rows) || any
	}
	r.storageChart(primary)
	return any
}

// anyData reports whether some arm measured one of the rows.
func (r *renderer) anyData(rows []row) bool {
	for _, rw := range rows {
		if r.d.Has(rw.id, rw.unit) {
			return true
		}
	}
	return false
}
