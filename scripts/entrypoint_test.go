package scripts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/logfile"
)

// entrypoint runs the container's entrypoint with extra environment and
// returns its exit code, stdout and stderr.
func entrypoint(t *testing.T, env ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command("./entrypoint.sh")
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// TestEntrypointResultsNotWritable: /results not writable fails at once,
// before bench.sh runs a benchmark (or even picks the binaries).
func TestEntrypointResultsNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	code, stdout, stderr := entrypoint(t, "OUTDIR="+file+"/results", "TEEBENCH_BINDIR=/nonexistent")
	if code != 2 || !strings.Contains(stderr, "is not writable") || !strings.Contains(stderr, "No benchmark was run") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "bench.sh:") || strings.Contains(stdout, "Benchmark") {
		t.Errorf("bench.sh ran:\n%s%s", stdout, stderr)
	}
}

// TestEntrypoint runs the entrypoint on prebuilt binaries, as in the image,
// and rebuilds its outputs from its stdout: byte for byte the files in
// OUTDIR, the result file starting with the tee: line.
func TestEntrypoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cpu_bench's test binary and the commands")
	}
	bin := t.TempDir()
	build := [][]string{
		{"go", "test", "-c", "-o", filepath.Join(bin, "cpu_bench.test"), "../cpu_bench"},
		{"go", "build", "-o", bin, "./manifest", "./report", "./fromlog", "./bench"},
	}
	for _, c := range build {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "older.txt"), []byte("tee: none\n"), 0o644) // not this run's
	code, stdout, stderr := entrypoint(t, "TEEBENCH_BINDIR="+bin, "OUTDIR="+out, "PKGS=cpu_bench",
		"BENCH=SHA256/size=64B", "BENCHTIME=1x", "TEEBENCH_PROFILE=smoke")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	files, err := logfile.Parse([]byte(stdout))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		disk, err := os.ReadFile(filepath.Join(out, f.Name))
		if err != nil || !bytes.Equal(disk, f.Data) {
			t.Errorf("%s: the log's copy differs from OUTDIR's (%v)", f.Name, err)
		}
	}
	// This run's result file, its report and its skip list (bench.sh
	// writes one on every run), and nothing older.
	if len(files) != 3 || !strings.HasSuffix(names[0], ".txt") || names[1] != strings.TrimSuffix(names[0], ".txt")+".md" ||
		names[2] != strings.TrimSuffix(names[0], ".txt")+".skips.tsv" {
		t.Fatalf("files in the log: %v; want this run's result file, report and skip list", names)
	}
	if !strings.HasPrefix(string(files[0].Data), "tee: ") || !strings.Contains(string(files[0].Data), "BenchmarkSHA256/size=64B") {
		t.Errorf("result file:\n%s", files[0].Data)
	}
}
