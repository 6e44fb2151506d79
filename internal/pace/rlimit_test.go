package pace

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

const rlimitChildEnv = "PACE_RLIMIT_CHILD"

// Under a lowered soft limit (`ulimit -Sn 1024`, as many systems default
// to), a process started after RaiseOpenFiles inherits the raised limit.
// The test binary re-runs itself through sh with the soft limit lowered, so
// that the Go runtime starts with 1024 (and would restore it in children).
func TestRaiseOpenFilesChildren(t *testing.T) {
	if os.Getenv(rlimitChildEnv) == "1" {
		const need = 4096
		got, err := RaiseOpenFiles(need)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sh", "-c", "ulimit -Sn").Output()
		if err != nil {
			t.Fatalf("child sh: %v", err)
		}
		n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			t.Fatalf("ulimit -Sn printed %q", out)
		}
		if n < need {
			t.Fatalf("a started process has soft RLIMIT_NOFILE %d, want >= %d (RaiseOpenFiles returned %d)", n, need, got)
		}
		t.Logf("started process sees soft limit %d", n)
		return
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < 4096 {
		t.Skipf("hard RLIMIT_NOFILE is %d; the test needs 4096", lim.Max)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", `ulimit -Sn 1024 && exec "$0" -test.run '^TestRaiseOpenFilesChildren$' -test.v`, exe)
	cmd.Env = append(os.Environ(), rlimitChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child under ulimit -Sn 1024: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "started process sees soft limit") {
		t.Fatalf("child did not run the check:\n%s", out)
	}
	t.Logf("%s", out)
}
