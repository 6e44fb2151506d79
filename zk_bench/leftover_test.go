package zk_bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"

	"github.com/teebench/teebench/internal/leftover/leftovertest"
)

// The cache follows TEEBENCH_CACHE on every call: a test that points it at
// a temporary directory for a while does not move later benchmarks' cache
// there (under `go test -bench=. ./...` that rebuilt every circuit).
func TestCacheFollowsTEEBENCH_CACHE(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	t.Setenv("TEEBENCH_CACHE", a)
	ca, _ := theCache()
	t.Setenv("TEEBENCH_CACHE", b)
	cb, note := theCache()
	if ca == nil || cb == nil {
		t.Fatalf("cache off: %q", note)
	}
	if ca.dir != filepath.Join(a, "zk") || cb.dir != filepath.Join(b, "zk") {
		t.Errorf("TEEBENCH_CACHE=%s then %s: caches in %s and %s", a, b, ca.dir, cb.dir)
	}
	t.Setenv("TEEBENCH_CACHE", a)
	if again, _ := theCache(); again != ca {
		t.Errorf("the cache of %s was opened twice", a)
	}
}

const storeChildEnv = "ZK_BENCH_STORE_CHILD"

// stallKey is a proving key whose serialisation writes some bytes, says so
// on stdout and then never ends, so that the process can be killed in the
// middle of a cache write.
type stallKey struct{}

func (stallKey) WriteRawTo(w io.Writer) (int64, error) {
	n, err := w.Write(make([]byte, 4<<20)) // past bufio's 1 MiB: on disk
	if err != nil {
		return int64(n), err
	}
	fmt.Println("STORE-WRITING")
	select {}
}

func (stallKey) UnsafeReadFrom(io.Reader) (int64, error) { return 0, io.EOF }

// A run killed by SIGTERM while it writes a cache entry leaves its marked
// temporary directory; the next run's openCache removes it, and leaves a
// directory of the same name pattern without our marker alone.
func TestCacheKilledDuringStore(t *testing.T) {
	if dir := os.Getenv(storeChildEnv); dir != "" {
		c, err := newDiskCache(dir, "gnark-test", "gnark-crypto-test")
		if err != nil {
			t.Fatal(err)
		}
		ccs, err := frontend.Compile(cacheCurve.ScalarField(), r1cs.NewBuilder, &cubic{})
		if err != nil {
			t.Fatal(err)
		}
		s := spec{circuit: "cubic", msgLen: 1, backend: groth16Name}
		err = c.store(c.key(s, "d"), ccs, stallKey{}, stallKey{})
		t.Fatalf("store returned %v; it should have stalled", err)
	}
	root := t.TempDir()
	zk := filepath.Join(root, "zk")
	foreign := filepath.Join(zk, ".tmp-not-ours")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd, _ := leftovertest.StartChild(t, "TestCacheKilledDuringStore", []string{storeChildEnv + "=" + zk}, "STORE-WRITING", 2*time.Minute, nil)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	left, _ := filepath.Glob(filepath.Join(zk, tmpPattern))
	if len(left) != 2 {
		t.Fatalf("after SIGTERM: %v; want the child's temporary entry and the foreign one", left)
	}

	t.Setenv("TEEBENCH_CACHE", root)
	c, note := openCache()
	if c == nil {
		t.Fatalf("cache off: %s", note)
	}
	left, _ = filepath.Glob(filepath.Join(zk, tmpPattern))
	if len(left) != 1 || left[0] != foreign {
		t.Errorf("after the next run's openCache: %v; want only %s", left, foreign)
	}
	if !strings.Contains(note, "removed 1 half-written") {
		t.Errorf("note %q does not say what was removed", note)
	}
	t.Log(note)
}
