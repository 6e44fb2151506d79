package results

import "github.com/teebench/teebench/internal/skips"

// Skip is one benchmark or package that a run did not measure, from the
// R.skips.tsv file beside a result file R.txt; internal/skips owns the
// format.
type Skip = skips.Entry

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
