package leftover

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

const childEnv = "LEFTOVER_TEST_MARK"

// TestMain lets the test binary act as a run that marks a directory and
// exits (as a killed run would leave it).
func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		if err := Mark(dir, "test-kind"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// markedByChild makes dir and has a process that then exits mark it.
func markedByChild(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "data"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// Sweep removes only marked directories of its kind whose owner is gone.
func TestSweep(t *testing.T) {
	parent := t.TempDir()
	p := func(name string) string { return filepath.Join(parent, name) }
	markedByChild(t, p("run-dead"))                            // ours, owner gone: removed
	markedByChild(t, p("other-dead"))                          // owner gone but the name does not match: kept
	if err := os.Mkdir(p("run-unmarked"), 0o755); err != nil { // no marker: kept
		t.Fatal(err)
	}
	if err := os.Mkdir(p("run-alive"), 0o755); err != nil { // owner runs (this test): kept
		t.Fatal(err)
	}
	if err := Mark(p("run-alive"), "test-kind"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p("run-kind"), 0o755); err != nil { // another kind: kept
		t.Fatal(err)
	}
	if err := Mark(p("run-kind"), "other-kind"); err != nil {
		t.Fatal(err)
	}
	// A reused pid: this process's pid with another start time is gone.
	if err := os.Mkdir(p("run-reused"), 0o755); err != nil {
		t.Fatal(err)
	}
	forged := fmt.Sprintf("%s\nkind test-kind\npid %d\nstart 1\n", markerMagic, os.Getpid())
	if err := os.WriteFile(filepath.Join(p("run-reused"), MarkerName), []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file of the marker's name that is not a marker: kept.
	if err := os.Mkdir(p("run-foreign"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p("run-foreign"), MarkerName), []byte("pid 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	removed, err := Sweep(parent, "run-*", "test-kind")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{p("run-dead"), p("run-reused")}
	if startTime(os.Getpid()) == "" {
		want = want[:1] // no start times here: a live pid is taken as the owner
	}
	slices.Sort(removed)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	for _, name := range []string{"other-dead", "run-unmarked", "run-alive", "run-kind", "run-foreign"} {
		if _, err := os.Stat(p(name)); err != nil {
			t.Errorf("%s: %v; want it kept", name, err)
		}
	}
	if _, err := os.Stat(p("run-dead")); !os.IsNotExist(err) {
		t.Errorf("run-dead still there: %v", err)
	}
	if r, err := Sweep(filepath.Join(parent, "absent"), "*", "test-kind"); err != nil || len(r) != 0 {
		t.Errorf("absent parent: %v, %v", r, err)
	}
	if err := Mark(parent, "two words"); err == nil {
		t.Error("Mark with a two-word kind: want an error")
	}
}
