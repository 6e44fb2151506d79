package runner

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/catalog"
)

// procsRE is the -GOMAXPROCS suffix of a row's name.
var procsRE = regexp.MustCompile(`-\d+(,|$)`)

// TestSessionRounds runs a rounds plan on the testdata package fixed: a
// group that alternates (its runs backwards with TEEBENCH_ORDER=reverse in
// round 2), one with a fixed order, and one whose reference wrote nothing
// in round 1 (not run again); then an interrupted plan starts nothing.
func TestSessionRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	o := testOptions(t, "fixed")
	pkg := o.Packages[0].Name
	f, err := CreateResult(filepath.Join(t.TempDir(), "r.txt"), "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := NewSession(o, f, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fixed, sweep := catalog.Run{Bench: "^BenchmarkFixed$", Benchtime: "1x"}, catalog.Run{Bench: "^BenchmarkSweep$", Benchtime: "1x"}
	isSweep := func(n string) bool { return strings.HasPrefix(n, "BenchmarkSweep/") }
	groups := []Group{
		{Name: "alt", Pkg: pkg, Runs: []catalog.Run{fixed, sweep}, IsRef: isSweep},
		{Name: "fixed", Pkg: pkg, Runs: []catalog.Run{fixed, sweep}, IsRef: isSweep, FixedOrder: true},
		{Name: "noref", Pkg: pkg, Runs: []catalog.Run{fixed}, IsRef: func(string) bool { return false }},
	}
	var got []string
	res := s.Rounds(context.Background(), groups, 2, func(rr RoundRun) {
		if err := rr.Err(); err != nil {
			t.Errorf("round %d %s: %v", rr.Round, rr.Group.Name, err)
		}
		got = append(got, strings.Join([]string{rr.Group.Name, rr.Run.Bench, map[bool]string{true: "reverse"}[rr.Reverse], procsRE.ReplaceAllString(strings.Join(rr.Outcome.Rows, ","), "$1")}, " "))
		if want := map[bool]int{true: 2}[strings.Contains(rr.Run.Bench, "Sweep")]; rr.Refs != want {
			t.Errorf("round %d %s %s: %d reference rows, want %d", rr.Round, rr.Group.Name, rr.Run.Bench, rr.Refs, want)
		}
	})
	const fx, sw = "^BenchmarkFixed$  BenchmarkFixed", "^BenchmarkSweep$  BenchmarkSweep/n=1,BenchmarkSweep/n=8"
	want := []string{
		"alt " + fx, "alt " + sw, "fixed " + fx, "fixed " + sw, "noref " + fx, // round 1
		"alt ^BenchmarkSweep$ reverse BenchmarkSweep/n=1,BenchmarkSweep/n=8", "alt ^BenchmarkFixed$ reverse BenchmarkFixed",
		"fixed " + fx, "fixed " + sw, // round 2: noref dropped
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("invocations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Dropped) != 1 || !strings.HasPrefix(res.Dropped[0], "noref: ") || res.Interrupted {
		t.Errorf("result %+v, want noref dropped, not interrupted", res)
	}
	b, _ := os.ReadFile(f.Name())
	if n := strings.Count(string(b), "order: reverse"); n != 2 {
		t.Errorf("%d invocations with TEEBENCH_ORDER=reverse, want 2 (round 2 of alt):\n%s", n, b)
	}
	if n := len(rowLineRE.FindAll(b, -1)); n != 3*4+1 {
		t.Errorf("%d rows in the result file, want 13:\n%s", n, b)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = s.Rounds(ctx, groups, 2, func(rr RoundRun) { t.Errorf("ran %s after an interrupt", rr.Group.Name) })
	if !res.Interrupted {
		t.Errorf("interrupted plan: %+v", res)
	}
}

// TestCreateResult: a named result file is never overwritten, and a
// claimed name takes the next suffix when it is taken.
func TestCreateResult(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "r.txt")
	f, err := CreateResult(p, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("kept\n")
	f.Close()
	if _, err := CreateResult(p, "", "", ""); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second CreateResult(%s): %v, want it to exist", p, err)
	}
	if b, _ := os.ReadFile(p); string(b) != "kept\n" {
		t.Errorf("%s overwritten: %q", p, b)
	}
	a, err := CreateResult("", dir, "x-", "none")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// Same second, same name: the next suffix (ClaimName).
	base := strings.TrimSuffix(filepath.Base(a.Name()), ".txt")
	b, err := ClaimName(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !strings.HasPrefix(filepath.Base(a.Name()), "x-") || !strings.HasSuffix(a.Name(), "-none-"+base[strings.LastIndex(base, "-")+1:]+".txt") || b.Name() != filepath.Join(dir, base+"-1.txt") {
		t.Errorf("names %s, %s", a.Name(), b.Name())
	}
}
