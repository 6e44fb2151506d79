package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/skips"
)

// TestJoin: -join writes the result files' lines in order (a file whose
// last line has no newline does not run into the next one's first), their
// skip lists merged beside it, and fails naming a missing source.
func TestJoin(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	os.WriteFile(a, []byte("tee: none\nBenchmarkX-2 1 5 ns/op"), 0o644)
	os.WriteFile(b, []byte("tee: none\nBenchmarkX-2 1 6 ns/op\n"), 0o644)
	os.WriteFile(skips.Path(b), []byte(skips.Header+"\nskip\tgpu_bench\t-\tneeds -tags gpu\n"), 0o644)
	dst := filepath.Join(dir, "joined.txt")
	if err := join(dst, []string{a, b}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "tee: none\nBenchmarkX-2 1 5 ns/op\ntee: none\nBenchmarkX-2 1 6 ns/op\n" {
		t.Errorf("joined:\n%q", got)
	}
	if es, err := skips.Read(skips.Path(dst)); err != nil || len(es) != 1 || es[0].Package != "gpu_bench" {
		t.Errorf("merged skips: %+v, %v", es, err)
	}
	if err := join(dst, []string{a, filepath.Join(dir, "none.txt")}); err == nil || !strings.Contains(err.Error(), "none.txt") {
		t.Errorf("missing source: %v", err)
	}
}
