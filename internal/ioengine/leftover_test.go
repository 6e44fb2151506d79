package ioengine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/teebench/teebench/internal/leftover/leftovertest"
)

const prepareChildEnv = "IOENGINE_PREPARE_CHILD"

// A run killed with SIGKILL cannot remove its test directory; the next
// PrepareFile in the same directory removes it (File.Removed says so), and
// leaves a directory of the same name pattern without our marker, and the
// test directory of a run still going, alone.
func TestPrepareFileRemovesKilledRunsDir(t *testing.T) {
	if dir := os.Getenv(prepareChildEnv); dir != "" {
		f, err := PrepareFile(dir, 1<<20, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("PREPARED", f.Dir)
		select {} // until killed
	}
	dir := t.TempDir()
	foreign := filepath.Join(dir, "teebench-io-not-ours")
	if err := os.Mkdir(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	live := prepare(t, dir, 1<<20) // this process's own: its owner runs
	defer live.Remove()

	cmd, killed := leftovertest.StartChild(t, "TestPrepareFileRemovesKilledRunsDir", []string{prepareChildEnv + "=" + dir}, "PREPARED ", time.Minute, nil)
	cmd.Process.Signal(unix.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, "fiotest")); err != nil {
		t.Fatalf("the killed run's test file: %v; want it left behind", err)
	}

	f, err := PrepareFile(dir, 1<<20, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Remove()
	if !slices.Equal(f.Removed, []string{killed}) {
		t.Errorf("Removed = %v, want [%s]", f.Removed, killed)
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Errorf("%s: %v; want it removed", killed, err)
	}
	for _, keep := range []string{foreign, live.Dir} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s: %v; want it kept", keep, err)
		}
	}
}

// The free-space check counts the room asked for beside the test file
// (fio-ownfile's own file): a filesystem with room for the test file only
// is refused before anything is written.
func TestPrepareFileCountsAlongside(t *testing.T) {
	dir := t.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	avail := int64(st.Bavail * uint64(st.Bsize))
	alongside := avail - avail%(1<<20) // the test file (1 MiB) fits, both do not
	_, err := PrepareFile(dir, 1<<20, alongside)
	if err == nil || !strings.Contains(err.Error(), "beside it") || !strings.Contains(err.Error(), "MiB free") {
		t.Fatalf("1 MiB test file and %d MiB beside it with %d MiB free: %v; want a no-space error naming both", alongside>>20, avail>>20, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("refused: %d entries left in %s", len(ents), dir)
	}
	if _, err := PrepareFile(dir, 1<<20, -1); err == nil {
		t.Error("negative room: want an error")
	}
}
