package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchScript runs bench.sh twice on one tiny benchmark into the same
// directory: each run must write its own result file (never overwriting),
// starting with the manifest's tee: line, plus a rendered report.
func TestBenchScript(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test twice")
	}
	out := t.TempDir()
	run := func() string {
		cmd := exec.Command("./bench.sh")
		cmd.Env = append(os.Environ(), "PKGS=cpu_bench", "BENCH=SHA256/size=64B", "BENCHTIME=1x",
			"TEEBENCH_PROFILE=smoke", "OUTDIR="+out)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bench.sh: %v\n%s", err, b)
		}
		return string(b)
	}
	for _, o := range []string{run(), run()} {
		for _, want := range []string{"[1/1] cpu_bench ...", "BenchmarkSHA256/size=64B", "bench.sh: report in "} {
			if !strings.Contains(o, want) {
				t.Errorf("bench.sh output lacks %q:\n%s", want, o)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.txt"))
	if len(files) != 2 {
		t.Fatalf("got result files %v, want 2 (a second run must not overwrite the first)", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "tee: ") {
			t.Errorf("%s starts with %q, want the tee: line", f, strings.SplitN(string(b), "\n", 2)[0])
		}
		if _, err := os.Stat(strings.TrimSuffix(f, ".txt") + ".md"); err != nil {
			t.Errorf("no report for %s: %v", f, err)
		}
	}
}

func TestBenchScriptBadProfile(t *testing.T) {
	cmd := exec.Command("./bench.sh")
	cmd.Env = append(os.Environ(), "TEEBENCH_PROFILE=huge", "OUTDIR="+t.TempDir())
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "TEEBENCH_PROFILE=huge: want smoke, quick or report") {
		t.Errorf("err %v, output:\n%s", err, b)
	}
}
