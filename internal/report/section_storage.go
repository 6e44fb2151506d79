package report

import "github.com/teebench/teebench/internal/catalog"

// storage is §II: the fio jobs per engine, held against the published
// storage overheads of the pair the baseline's platform selects.
func (r *renderer) storage() bool {
	d := r.d
	all := d.Find("Fio")
	if len(all) == 0 {
		return false
	}
	plat := d.Arms[0].EnvValue("platform")
	r.p("The nine jobs of InfraBuilder's fio `benchmark.sh` (METHODS.md §1), on the Go engine (`engine=go`) and on fio itself (`engine=fio`) as the reference. ")
	switch plat {
	case "bare-metal":
		r.p("The baseline runs on bare metal, so overheads are held against the published host → CVM pairs (H200 and TDX-Lab).\n\n")
	case "vm":
		r.p("The baseline is a plain VM, so overheads are held against the published TDX-Lab VM → CVM pair.\n\n")
	default:
		r.p("The baseline's platform (%q) matches no published pair (bare metal or a plain VM): the published overheads are for reference.\n\n", plat)
	}
	engines := prefer(Distinct(all, "engine"), "go", "fio")
	any := false
	for _, eng := range engines {
		var rows []row
		for _, j := range catalog.FioJobs {
			id, ok := one(d.Find("Fio", "job="+j.Name, "engine="+eng))
			if !ok || j.Mechanism {
				continue
			}
			for _, fr := range j.Rows {
				rows = append(rows, row{label: fr.Label, id: id, unit: fr.Unit, pubs: storagePairs(j.Name, fr.Unit, plat), abs: "fio/" + j.Name + "/" + fr.Unit})
			}
		}
		if !r.anyData(rows) {
			continue
		}
		r.p("### engine=%s\n\n", eng)
		any = r.metricTable("engine="+eng, rows) || any
	}
	var pairs []crossPair
	for _, j := range catalog.FioJobs {
		g, ok1 := one(d.Find("Fio", "job="+j.Name, "engine=go"))
		f, ok2 := one(d.Find("Fio", "job="+j.Name, "engine=fio"))
		if !ok1 || !ok2 || j.Mechanism {
			continue
		}
		for _, fr := range j.Rows {
			pairs = append(pairs, crossPair{label: fr.Label, a: g, b: f, unit: fr.Unit, goal: catalog.FioGoal(fr.Unit)})
		}
	}
	r.crossCheck("Cross-check: Go engine vs fio", "go/fio", pairs)
	r.storageChart(engines[0])
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
