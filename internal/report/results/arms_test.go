package results

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// armsFile writes a result file with the given manifest lines and one
// benchmark of six samples.
func armsFile(t *testing.T, dir, name string, manifest ...string) string {
	t.Helper()
	var b strings.Builder
	for _, m := range manifest {
		b.WriteString(m + "\n")
	}
	b.WriteString("pkg: github.com/teebench/teebench/net_bench\n")
	fmt.Fprintf(&b, "# run of %s\n", filepath.Join(dir, name)) // each run's content differs
	for i := range 6 {
		fmt.Fprintf(&b, "BenchmarkGateway/path=direct/c=50-2 \t 5000 \t %d ns/op\n", 1000+i)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func armsString(arms []ArmFiles) string {
	var s []string
	for _, a := range arms {
		s = append(s, a.Label+":"+strings.Join(a.Files, ","))
	}
	return strings.Join(s, " ")
}

func TestArms(t *testing.T) {
	dir := t.TempDir()
	none := armsFile(t, dir, "none.txt", "tee: none", "vcpus: 8")
	tdx1 := armsFile(t, dir, "tdx1.txt", "tee: tdx", "vcpus: 8", "governor: performance")
	tdx2 := armsFile(t, dir, "tdx2.txt", "tee: tdx", "vcpus: 8", "governor: powersave")
	tdx3 := armsFile(t, dir, "tdx3.txt", "tee: tdx", "vcpus: 2")
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	none2 := armsFile(t, sub, "none.txt", "tee: none", "vcpus: 8")
	in := func(args ...string) []Input {
		t.Helper()
		ins, err := ParseInputs(args)
		if err != nil {
			t.Fatal(err)
		}
		return ins
	}
	cases := []struct {
		name  string
		args  []string
		want  string
		warns []string
	}{
		{"by tee, testbeds split, pooled keys named", []string{none, tdx1, tdx2, tdx3},
			"none:" + none + " tdx:" + tdx1 + "," + tdx2 + " tdx#2:" + tdx3,
			[]string{"not pooled, reported as arm tdx#2",
				"files pooled into arm tdx differ in governor (" + tdx1 + ": performance; " + tdx2 + ": powersave)"}},
		{"one tee: the files are the arms", []string{tdx1, tdx2}, "tdx1:" + tdx1 + " tdx2:" + tdx2, nil},
		{"one tee, same names", []string{none, none2}, "none#1:" + none + " none#2:" + none2, nil},
		{"labels win", []string{"base=" + tdx1, "head=" + tdx2}, "base:" + tdx1 + " head:" + tdx2, nil},
	}
	for _, c := range cases {
		arms, warns, err := Arms(in(c.args...), true)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := armsString(arms); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if len(warns) != len(c.warns) {
			t.Errorf("%s: warnings %q, want %d", c.name, warns, len(c.warns))
		}
		for _, w := range c.warns {
			if !strings.Contains(strings.Join(warns, "\n"), w) {
				t.Errorf("%s: no warning %q in %q", c.name, w, warns)
			}
		}
		// The printed label=path arguments name the same arms again.
		var again []string
		for _, a := range arms {
			for _, f := range a.Files {
				again = append(again, a.Label+"="+f)
			}
		}
		arms2, _, err := Arms(in(again...), true)
		if err != nil || armsString(arms2) != c.want {
			t.Errorf("%s: round trip gave %s, %v", c.name, armsString(arms2), err)
		}
	}
	// Without splitFiles (the report itself), one tee is one arm.
	if arms, _, err := Arms(in(tdx1, tdx2), false); err != nil || len(arms) != 1 {
		t.Errorf("Arms(splitFiles=false) = %s, %v; want one arm", armsString(arms), err)
	}
}
