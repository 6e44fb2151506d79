package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseInputs(t *testing.T) {
	in, err := ParseInputs([]string{"base=a.txt", "dir/b.txt", "x/y=c.txt"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Input{{Label: "base", Path: "a.txt"}, {Path: "dir/b.txt"}, {Path: "x/y=c.txt"}}
	for i := range want {
		if in[i] != want[i] {
			t.Errorf("arg %d: %+v, want %+v", i, in[i], want[i])
		}
	}
}

func TestGroupingByTee(t *testing.T) {
	// Two files per arm, given in mixed order: arms follow tee:, in order
	// of first appearance.
	b, err := os.ReadFile("../testdata/synth-base.txt")
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "base-again.txt")
	if err := os.WriteFile(again, append(b, "# another run\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	in, _ := ParseInputs([]string{"../testdata/synth-base.txt", "../testdata/synth-tee.txt", again})
	d, err := ReadArms(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Arms) != 2 || d.Arms[0].Label != "none" || d.Arms[1].Label != "tdx" {
		t.Fatalf("arms %v", d.Arms)
	}
	id := ID{Base: "Wakeup"}
	if n := len(d.Values(id, "sec/op", 0)); n != 12 {
		t.Errorf("baseline has %d samples of Wakeup, want 12 (two files)", n)
	}
}

func TestMixedGOMAXPROCSWarned(t *testing.T) {
	// go test -cpu 1,2 runs one benchmark under two GOMAXPROCS; the report
	// merges them (names drop the -N suffix) and says so.
	d := NewDataset()
	in := "tee: none\nBenchmarkWakeup-1 10 5 ns/op\nBenchmarkWakeup-2 10 6 ns/op\n"
	if err := d.Add(strings.NewReader(in), Input{Path: "cpu.txt"}); err != nil {
		t.Fatal(err)
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "BenchmarkWakeup ran with several GOMAXPROCS (-1, -2)") {
		t.Errorf("warnings %q", d.Warnings)
	}
}

// TestLongLineNamed: a line over 64 KiB used to make benchfmt's scanner
// reject the whole file ("token too long") and name the wrong line. Now
// that line alone is malformed, named by its own number, and the results
// around it are kept; CRLF line endings read like LF.
func TestLongLineNamed(t *testing.T) {
	in := "tee: none\r\nBenchmarkWakeup-2 10 5 ns/op\r\n--- FAIL: " + strings.Repeat("x", 70<<10) + "\r\nBenchmarkWakeup-2 10 6 ns/op\r\n"
	d := NewDataset()
	if err := d.Add(strings.NewReader(in), Input{Path: "long.txt"}); err != nil {
		t.Fatal(err)
	}
	if len(d.Malformed) != 1 || !strings.HasPrefix(d.Malformed[0].Error(), "long.txt:3: line too long (71690 bytes") {
		t.Errorf("malformed %v, want long.txt:3", d.Malformed)
	}
	if n := len(d.Values(ID{Base: "Wakeup"}, "sec/op", 0)); n != 2 {
		t.Errorf("%d samples kept, want 2", n)
	}
	if d.Arms[0].Label != "none" {
		t.Errorf("arm %q: CR left in the tee value", d.Arms[0].Label)
	}
}
