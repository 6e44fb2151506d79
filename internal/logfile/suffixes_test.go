package logfile

import (
	"slices"
	"testing"

	"github.com/teebench/teebench/internal/tee"
)

// TestTEESuffixes: every side file of every TEE's evidence can travel
// through a container log (a new Kind whose suffixes are not listed fails
// here, not on the first fleet run).
func TestTEESuffixes(t *testing.T) {
	for _, k := range tee.Kinds() {
		for _, s := range tee.SideSuffixes(k) {
			if !slices.Contains(Suffixes, s) {
				t.Errorf("%s evidence %s is not in Suffixes", k.Title(), s)
			}
		}
	}
}
