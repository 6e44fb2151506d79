package report

// notMeasured lists each arm's skipped and failed benchmarks with their
// reasons.
func (r *renderer) notMeasured() {
	var rows [][]string
	for _, a := range r.d.Arms {
		for _, s := range a.Skips {
			b := s.Benchmark
			if b == "-" {
				b = "(whole package)"
			}
			rows = append(rows, []string{a.Label, s.Kind, s.Package, "`" + b + "`", s.Reason})
		}
	}
	if len(rows) == 0 {
		return
	}
	r.begin("Not measured here")
	r.heading(2, "Not measured here")
	r.para("Benchmarks the runs skipped (absent by design), failed, or that produced no rows, from the `.skips.tsv` files beside the result files. " +
		"A section without a row for them is no evidence either way.")
	r.table([]string{"arm", "kind", "package", "benchmark", "reason"}, rows)
}
