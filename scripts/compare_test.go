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

// compareCmd runs compare.sh from dir (the repository's scripts directory
// when dir is "") and returns stdout, stderr and the error.
func compareCmd(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	script, err := filepath.Abs("compare.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, args...)
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

// rewrite rewrites a file through f.
func rewrite(t *testing.T, path string, f func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(f(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompareRelativePaths runs compare.sh from another directory with
// paths relative to it (it used to change directory before reading them).
func TestCompareRelativePaths(t *testing.T) {
	dir := t.TempDir()
	resultFile(t, dir, "base.txt", "none", "AMD EPYC", 100000)
	resultFile(t, dir, "tee.txt", "tdx", "AMD EPYC", 120000)
	out, errOut, err := compareCmd(t, dir, "base.txt", "tee.txt")
	if err != nil || !strings.Contains(out, "+20.00%") {
		t.Fatalf("relative paths from %s: %v\n%s%s", dir, err, out, errOut)
	}
	if _, errOut, err := compareCmd(t, dir, "base.txt", "missing.txt"); err == nil || !strings.Contains(errOut, "cannot read missing.txt") {
		t.Errorf("missing relative file: %v %q", err, errOut)
	}
}

// TestCompareLongLine: a line over benchstat's 64 KiB limit made benchstat
// print "token too long" and compare.sh exit 0 with no table. Now the line
// is dropped with its file:line named and the rest is compared.
func TestCompareLongLine(t *testing.T) {
	dir := t.TempDir()
	base := resultFile(t, dir, "base.txt", "none", "AMD EPYC", 100000)
	tee := resultFile(t, dir, "tee.txt", "tdx", "AMD EPYC", 120000)
	rewrite(t, tee, func(s string) string {
		return strings.Replace(s, "PASS\n", "--- FAIL: "+strings.Repeat("x", 70<<10)+"\nPASS\n", 1)
	})
	out, errOut, err := compareCmd(t, "", base, tee)
	if err != nil || !strings.Contains(out, "+20.00%") {
		t.Fatalf("long line: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(errOut, tee+":15: line of 71690 bytes skipped") {
		t.Errorf("long line not named: %q", errOut)
	}
}

// TestCompareCRLF: Windows line endings made compare.sh see "none\r" and
// "none" as two tee values, so two runs of one environment were merged into
// one column instead of being compared file against file.
func TestCompareCRLF(t *testing.T) {
	dir := t.TempDir()
	a := resultFile(t, dir, "a.txt", "none", "AMD EPYC", 100000)
	b := resultFile(t, dir, "b.txt", "none", "AMD EPYC", 120000)
	rewrite(t, a, func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") })
	out, errOut, err := compareCmd(t, "", a, b)
	if err != nil {
		t.Fatalf("CRLF: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "+20.00%") || strings.Count(out, "vs base") != 2 {
		t.Errorf("a CRLF and an LF run of one environment not compared file against file:\n%s", out)
	}
}

// TestCompareBinary: a binary file was silently ignored.
func TestCompareBinary(t *testing.T) {
	dir := t.TempDir()
	base := resultFile(t, dir, "base.txt", "none", "AMD EPYC", 100000)
	bin := filepath.Join(dir, "core.txt")
	if err := os.WriteFile(bin, []byte("tee: tdx\n\x00\x01\x02ELF\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := compareCmd(t, "", base, bin)
	if err == nil || !strings.Contains(errOut, bin+" is not a text result file (it holds binary data)") {
		t.Errorf("binary file: %v %q", err, errOut)
	}
}

// TestComparePooledWarning: two tee: tdx files with different vcpus were
// pooled into one column without the warning the report gives. Now the
// arms are the report's (report -arms): another testbed (vcpus) is an arm
// of its own, and files pooled into one arm that differ in another key are
// named in a warning.
func TestComparePooledWarning(t *testing.T) {
	dir := t.TempDir()
	base := resultFile(t, dir, "base.txt", "none", "AMD EPYC", 100000)
	a := resultFile(t, dir, "a.txt", "tdx", "AMD EPYC", 120000)
	b := resultFile(t, dir, "b.txt", "tdx", "AMD EPYC", 120000)
	c := resultFile(t, dir, "c.txt", "tdx", "AMD EPYC", 120000)
	rewrite(t, a, func(s string) string { return strings.Replace(s, "kernel:", "governor: performance\nkernel:", 1) })
	rewrite(t, b, func(s string) string { return strings.Replace(s, "kernel:", "governor: powersave\nkernel:", 1) })
	rewrite(t, c, func(s string) string { return strings.Replace(s, "kernel:", "vcpus: 8\nkernel:", 1) })
	out, errOut, err := compareCmd(t, "", base, a, b, c)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "warning: files pooled into arm tdx differ in governor ("+a+": performance; "+b+": powersave)") {
		t.Errorf("no pooling warning: %q", errOut)
	}
	if !strings.Contains(errOut, "not pooled, reported as arm tdx#2") || !strings.Contains(out, "tdx#2") {
		t.Errorf("another testbed (vcpus) not an arm of its own:\n%s\n%s", errOut, out)
	}
	if strings.Contains(errOut, "differ in kernel") || !strings.Contains(out, "+20.00%") {
		t.Errorf("wrong warning or table:\n%s\n%s", errOut, out)
	}
}

// TestCompareMarkdown: -md writes the PR comment through scripts/report -pr.
func TestCompareMarkdown(t *testing.T) {
	dir := t.TempDir()
	base := resultFile(t, dir, "base.txt", "none", "AMD EPYC", 100000)
	head := resultFile(t, dir, "head.txt", "none", "AMD EPYC", 120000)
	out, errOut, err := compareCmd(t, "", "-md", base, head)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"## teebench: `head` vs `base`", "**1 regression, 0 improvements**",
		"| `Gateway/path=direct/c=50` | req/s ↑ | 9.999k ±0% | 8.333k ±0% | +16.66% (p=0.002 n=6) | 1.200× | **regression** |", "<details>"} {
		if !strings.Contains(out, want) {
			t.Errorf("PR comment lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := compareCmd(t, "", "-md", "-fail-on-regression", base, head); err == nil {
		t.Error("-fail-on-regression exited 0 on a 16.7% throughput regression")
	}
}

// TestCompareLeavesNoTempDir: compare.sh's `exec` skipped its EXIT trap
// and left a temporary directory with a 20 MB report binary on every run.
func TestCompareLeavesNoTempDir(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	base := resultFile(t, dir, "base.txt", "none", "AMD EPYC", 100000)
	head := resultFile(t, dir, "head.txt", "none", "AMD EPYC", 120000)
	for _, args := range [][]string{{base, head}, {"-md", base, head}} {
		script, err := filepath.Abs("compare.sh")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(script, args...)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("compare.sh %v: %v\n%s", args, err, out)
		}
		if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
			t.Errorf("compare.sh %v left %d entries in TMPDIR (first: %s)", args, len(ents), ents[0].Name())
		}
	}
}
