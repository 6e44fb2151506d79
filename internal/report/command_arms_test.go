package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// report -arms prints label=path lines and the warnings; a missing or
// binary file is an error naming it.
func TestCommandArms(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	for p, tee := range map[string]string{a: "none", b: "tdx"} {
		if err := os.WriteFile(p, []byte("tee: "+tee+"\nBenchmarkWakeup-2 10 5 ns/op\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut strings.Builder
	if err := Command([]string{"-arms", a, b}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if want := "none=" + a + "\ntdx=" + b + "\n"; out.String() != want {
		t.Errorf("-arms printed %q, want %q", out.String(), want)
	}
	bin := filepath.Join(dir, "core.txt")
	os.WriteFile(bin, []byte("tee: tdx\n\x00\x01ELF\x00\n"), 0o644)
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.txt"): "cannot read " + filepath.Join(dir, "missing.txt") + ": no such file",
		bin:                               bin + " is not a text result file (it holds binary data)",
	} {
		err := Command([]string{"-arms", a, file}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-arms %s: %v, want %q", file, err, want)
		}
	}
}
