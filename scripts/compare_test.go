// Package scripts holds the tests of the suite's shell entry points
// (bench.sh, compare.sh); the Go commands live in its subdirectories.
package scripts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// resultFile writes a Go benchmark result file with a manifest and six
// samples of one benchmark.
func resultFile(t *testing.T, dir, name, tee, cpu string, nsPerOp int) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "tee: %s\nplatform: vm\ncpu-model: %s\nkernel: 6.1.0\nUnit req/s better=higher\n", tee, cpu)
	b.WriteString("goos: linux\ngoarch: amd64\npkg: github.com/teebench/teebench/net_bench\n")
	for i := range 6 {
		fmt.Fprintf(&b, "BenchmarkGateway/path=direct/c=50-2 \t 5000 \t %d ns/op \t %d req/s\n", nsPerOp+i, 1e9/(nsPerOp+i))
	}
	b.WriteString("PASS\n")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCompareOneTable checks that two environments differing in tee and in
// another manifest key (cpu-model) give one table per unit with both arms
// side by side and a delta column, not separate tables.
func TestCompareOneTable(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	dir := t.TempDir()
	base := resultFile(t, dir, "host-none.txt", "none", "AMD EPYC 9B14", 100000)
	tee := resultFile(t, dir, "cvm-tdx.txt", "tdx", "Intel Xeon 8581C", 120000)
	out, err := exec.Command("./compare.sh", base, tee).CombinedOutput()
	if err != nil {
		t.Fatalf("compare.sh: %v\n%s", err, out)
	}
	s := string(out)
	t.Logf("compare.sh output:\n%s", s)
	if n := strings.Count(s, "pkg: "); n != 1 {
		t.Errorf("got %d tables headed by pkg:, want 1 (the cpu-model difference split them)", n)
	}
	if strings.Contains(s, "cpu-model") {
		t.Error("cpu-model should be ignored, not shown")
	}
	if n := strings.Count(s, "vs base"); n != 2 { // sec/op and req/s
		t.Errorf("got %d delta columns, want 2 (one per unit)", n)
	}
	for _, want := range []string{"none", "tdx", "+20.00%", "-16.66%", "p=0.002 n=6"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestCompareSameTee checks that two files of the same environment are
// compared file against file rather than collapsed into one column.
func TestCompareSameTee(t *testing.T) {
	dir := t.TempDir()
	a := resultFile(t, dir, "a.txt", "none", "AMD EPYC", 100000)
	b := resultFile(t, dir, "b.txt", "none", "AMD EPYC", 120000)
	out, err := exec.Command("./compare.sh", a, b).CombinedOutput()
	if err != nil {
		t.Fatalf("compare.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "+20.00%") {
		t.Errorf("no delta between two runs of the same environment:\n%s", out)
	}
}

func TestCompareBadInput(t *testing.T) {
	out, err := exec.Command("./compare.sh", "/nonexistent/a.txt", "/nonexistent/b.txt").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot read /nonexistent/a.txt") {
		t.Errorf("missing file: err %v, output %s", err, out)
	}
}
