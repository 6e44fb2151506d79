package report

import "github.com/teebench/teebench/internal/skips"

// Skip is one benchmark or package that a run did not measure, from the
// R.skips.tsv file beside a result file R.txt; internal/skips owns the
// format.
type Skip = skips.Entry

// skipsHeader is the first line of a skips file.
const skipsHeader = skips.Header

// SkipsPath returns the skips file of a result file.
func SkipsPath(resultPath string) string { return skips.Path(resultPath) }

// addSkips reads the skips file beside in.Path into the arms of its
// results (every arm the file contributed to).
func (d *Dataset) addSkips(in Input) error {
	sk, err := skips.Read(SkipsPath(in.Path))
	if err != nil || len(sk) == 0 {
		return err
	}
	for _, a := range d.Arms {
		for _, f := range a.Files {
			if f == in.Path {
				a.Skips = append(a.Skips, sk...)
				break
			}
		}
	}
	return nil
}

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
			rows = append(rows, []string{a.Label, s.Kind, esc(s.Package), "`" + esc(b) + "`", esc(s.Reason)})
		}
	}
	if len(rows) == 0 {
		return
	}
	r.p("## Not measured here\n\n")
	r.p("Benchmarks the runs skipped (absent by design), failed, or that produced no rows, from the `.skips.tsv` files beside the result files. " +
		"A section without a row for them is no evidence either way.\n\n")
	r.table([]string{"arm", "kind", "package", "benchmark", "reason"}, rows)
}
