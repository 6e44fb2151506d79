package zk_bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testCache(t *testing.T) *diskCache {
	t.Helper()
	c, err := newDiskCache(filepath.Join(t.TempDir(), "zk"), "gnark-test", "gnark-crypto-test")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// proves checks that sys makes a proof that verifies.
func proves(t *testing.T, sys *system) {
	t.Helper()
	p, err := sys.prove(sys.full)
	if err != nil {
		t.Fatalf("prove: %v", err)
	}
	if err := sys.verify(p, sys.public); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

// A system is built and stored once, then loaded: same constraints, and the
// loaded keys prove and verify.
func TestCacheRoundTrip(t *testing.T) {
	for _, backend := range []string{groth16Name, plonkName} {
		t.Run(backend, func(t *testing.T) {
			c := testCache(t)
			s := spec{circuit: "cubic", msgLen: 1, backend: backend}
			first, err := buildCached(c, s, "digest-1", &cubic{}, &cubic{X: 3, Y: 35})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(first.cacheNote, "not in the zk cache") || !strings.Contains(first.cacheNote, "stored in") {
				t.Errorf("first build: %q", first.cacheNote)
			}
			second, err := buildCached(c, s, "digest-1", &cubic{}, &cubic{X: 3, Y: 35})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(second.cacheNote, "loaded from the zk cache") || second.setup != 0 || second.compile != 0 {
				t.Fatalf("second build: %q (compile %v, setup %v)", second.cacheNote, second.compile, second.setup)
			}
			if second.ccs.GetNbConstraints() != first.ccs.GetNbConstraints() {
				t.Errorf("constraints %d after loading, %d built", second.ccs.GetNbConstraints(), first.ccs.GetNbConstraints())
			}
			proves(t, second)
			// a proof from the loaded key verifies with the stored system's key
			p, err := second.prove(second.full)
			if err != nil {
				t.Fatal(err)
			}
			if err := first.verify(p, first.public); err != nil {
				t.Errorf("loaded pk and built vk disagree: %v", err)
			}
			// another digest (an edited circuit) is another entry
			third, err := buildCached(c, s, "digest-2", &cubic{}, &cubic{X: 3, Y: 35})
			if err != nil || !strings.Contains(third.cacheNote, "not in the zk cache") {
				t.Errorf("new digest: %v, %q", err, third.cacheNote)
			}
		})
	}
}

// A corrupt entry is never used: it is reported, rebuilt and replaced.
func TestCacheCorruptRebuild(t *testing.T) {
	s := spec{circuit: "cubic", msgLen: 1, backend: groth16Name}
	corruptions := map[string]func(t *testing.T, dir string){
		"flipped byte in pk": func(t *testing.T, dir string) {
			path := filepath.Join(dir, filePK)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x40
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"truncated ccs": func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, fileCCS), 10); err != nil {
				t.Fatal(err)
			}
		},
		"missing vk": func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, fileVK)); err != nil {
				t.Fatal(err)
			}
		},
		"garbled manifest": func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, fileMan), []byte("{not json"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"no manifest": func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, fileMan)); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, corrupt := range corruptions {
		t.Run(name, func(t *testing.T) {
			c := testCache(t)
			if _, err := buildCached(c, s, "d", &cubic{}, &cubic{X: 3, Y: 35}); err != nil {
				t.Fatal(err)
			}
			corrupt(t, filepath.Join(c.dir, c.key(s, "d").dirName()))
			sys, err := buildCached(c, s, "d", &cubic{}, &cubic{X: 3, Y: 35})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sys.cacheNote, "rejected, rebuilding") || sys.setup <= 0 {
				t.Fatalf("corrupt entry: note %q, setup %v; want a rebuild that says why", sys.cacheNote, sys.setup)
			}
			t.Log(sys.cacheNote)
			proves(t, sys)
			again, err := buildCached(c, s, "d", &cubic{}, &cubic{X: 3, Y: 35})
			if err != nil || !strings.Contains(again.cacheNote, "loaded from the zk cache") {
				t.Errorf("after the rebuild: %v, %q; want the replaced entry loaded", err, again.cacheNote)
			}
			proves(t, again)
		})
	}
}

// An unusable cache directory turns the cache off with the reason; the
// test binary knows its gnark versions, so the key can name them.
func TestCacheOff(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEEBENCH_CACHE", file) // a file, not a directory
	c, note := openCache()
	if c != nil || !strings.Contains(note, "zk cache off") || !strings.Contains(note, file) {
		t.Errorf("cache under a file: %v, %q", c, note)
	}
	dir := t.TempDir()
	t.Setenv("TEEBENCH_CACHE", dir)
	c, note = openCache()
	if c == nil || c.dir != filepath.Join(dir, "zk") {
		t.Fatalf("cache in %s: %v, %q", dir, c, note)
	}
	if c.gnark == "" || c.gnarkCrypto == "" {
		t.Errorf("gnark versions %q, %q", c.gnark, c.gnarkCrypto)
	}
	t.Logf("%s; gnark %s, gnark-crypto %s", note, c.gnark, c.gnarkCrypto)
}
