package report

// storageJobs are the rows of §II: fio job, unit and the published label.
var storageJobs = []struct {
	job, unit, label string
}{
	{"read_iops", "IOPS", "Random read IOPS (4K QD64)"},
	{"write_iops", "IOPS", "Random write IOPS (4K QD64)"},
	{"read_bw", "B/s", "Random read bandwidth (128K QD64)"},
	{"write_bw", "B/s", "Random write bandwidth (128K QD64)"},
	{"read_latency", "lat-mean-sec", "Avg read latency (4K QD4)"},
	{"write_latency", "lat-mean-sec", "Avg write latency (4K QD4)"},
	{"read_latency", "lat-p99-sec", "p99 read latency (4K QD4)"},
	{"write_latency", "lat-p99-sec", "p99 write latency (4K QD4)"},
	{"read_seq", "B/s", "Sequential read (1M QD16 x4)"},
	{"write_seq", "B/s", "Sequential write (1M QD16 x4)"},
	{"rw_mix", "read-IOPS", "Mixed 75/25 read IOPS (4K QD64)"},
	{"rw_mix", "write-IOPS", "Mixed 75/25 write IOPS (4K QD64)"},
}

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
		for _, j := range storageJobs {
			id, ok := one(d.Find("Fio", "job="+j.job, "engine="+eng))
			if !ok {
				continue
			}
			rw := row{label: j.label, id: id, unit: j.unit, pubs: storagePairs(j.job, j.unit, plat), abs: "fio/" + j.job + "/" + j.unit}
			rows = append(rows, rw)
		}
		if !r.anyData(rows) {
			continue
		}
		r.p("### engine=%s\n\n", eng)
		any = r.metricTable("engine="+eng, rows) || any
	}
	var pairs []crossPair
	for _, j := range storageJobs {
		g, ok1 := one(d.Find("Fio", "job="+j.job, "engine=go"))
		f, ok2 := one(d.Find("Fio", "job="+j.job, "engine=fio"))
		if ok1 && ok2 {
			pairs = append(pairs, crossPair{label: j.label, a: g, b: f, unit: j.unit})
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
