package zk_bench

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"

	"github.com/consensys/gnark"
	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/plonk"
	"github.com/consensys/gnark/constraint"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/leftover"
)

// The on-disk cache of compiled circuits and their proving and verifying
// keys. Setup is the slow part of zk_bench (about a minute per Groth16
// system on 2 cores); Prove and Verify need its output, not its cost, so a
// system set up once is stored under <cache dir>/zk/<entry>/ and loaded by
// later processes.
//
// An entry is keyed by everything that determines its bytes: the circuit's
// source digest (zkcircuit.Digest), the circuit and message size, the curve,
// the backend and the gnark and gnark-crypto versions. Its manifest.json
// lists the SHA-256 of each file; every file is checked before it is
// decoded, and an entry that fails any check is reported and rebuilt,
// never used. Entries are written to a temporary directory and renamed into
// place, so a crash leaves no half-written entry in use; the temporary
// directory a killed run leaves is removed by the next run (openCache).

// cacheLayout names the format of an entry; change it when the format
// changes.
const cacheLayout = "teebench-zk-cache v1"

// cacheCurve is the curve of every zk_bench system.
const cacheCurve = ecc.BN254

// cacheKey is what an entry's bytes depend on.
type cacheKey struct {
	Layout      string `json:"layout"`
	Circuit     string `json:"circuit"`        // circuit name
	MsgLen      int    `json:"msg_len"`        // bytes hashed in-circuit
	Digest      string `json:"circuit_digest"` // the circuit definition's digest
	Curve       string `json:"curve"`
	Backend     string `json:"backend"`
	Gnark       string `json:"gnark"`
	GnarkCrypto string `json:"gnark_crypto"`
}

// dirName is the entry's directory: readable, plus a hash of the whole key.
func (k cacheKey) dirName() string {
	b, _ := json.Marshal(k) // plain strings and ints: cannot fail
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%s-%dB-%s-%s", k.Circuit, k.MsgLen, k.Backend, hex.EncodeToString(sum[:8]))
}

// cacheFile is one file of an entry in the manifest.
type cacheFile struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// manifest is an entry's manifest.json.
type manifest struct {
	Key   cacheKey             `json:"key"`
	Files map[string]cacheFile `json:"files"`
}

// The files of an entry: the constraint system (gnark's WriteTo) and the
// keys (WriteRawTo, read back with UnsafeReadFrom once their checksums
// match).
const (
	fileCCS = "ccs.bin"
	filePK  = "pk.bin"
	fileVK  = "vk.bin"
	fileMan = "manifest.json"
)

// rawKey is a proving or verifying key of either backend.
type rawKey interface {
	WriteRawTo(io.Writer) (int64, error)
	UnsafeReadFrom(io.Reader) (int64, error)
}

// diskCache is the zk directory of the suite's cache.
type diskCache struct {
	dir                string
	gnark, gnarkCrypto string
}

// openedCache is a cache directory opened by theCache, or why it is off.
type openedCache struct {
	c    *diskCache
	note string // where the cache is, or why there is none
}

var (
	cacheMu sync.Mutex
	caches  = map[string]openedCache{} // by TEEBENCH_CACHE's value
)

// theCache returns the cache of the current TEEBENCH_CACHE, or nil and the
// reason when there is none (an unwritable directory, unknown gnark
// versions): then every system is compiled and set up in the process, as
// without a cache. Each directory is opened once per process, but the
// variable is read on every call: a test that points it at a temporary
// directory for a while must not move every later benchmark's cache there
// (under `go test -bench=. ./...` the tests run first, and a cache kept
// from them was removed with their directory, so every circuit was
// rebuilt).
func theCache() (*diskCache, string) {
	v := os.Getenv("TEEBENCH_CACHE")
	cacheMu.Lock()
	defer cacheMu.Unlock()
	o, ok := caches[v]
	if !ok {
		o.c, o.note = openCache()
		caches[v] = o
	}
	return o.c, o.note
}

// openCache opens (creating it) the zk cache directory under
// config.CacheDir and checks that it is writable.
func openCache() (*diskCache, string) {
	// gnark states its version; gnark-crypto's is only in the build info,
	// which `go test` binaries lack (they key their entries apart).
	g := "v" + gnark.Version.String()
	gc := moduleVersion("github.com/consensys/gnark-crypto")
	if gc == "" {
		gc = "unknown (no build info)"
	}
	root, err := config.CacheDir()
	if err != nil {
		return nil, fmt.Sprintf("zk cache off: %v; compiling and setting up in this process", err)
	}
	c, err := newDiskCache(filepath.Join(root, "zk"), g, gc)
	if err != nil {
		return nil, fmt.Sprintf("zk cache off: %v; compiling and setting up in this process", err)
	}
	note := fmt.Sprintf("zk cache: %s (TEEBENCH_CACHE moves it)", c.dir)
	if removed, err := leftover.Sweep(c.dir, tmpPattern, tmpKind); err != nil {
		note += fmt.Sprintf("; %v", err)
	} else if len(removed) > 0 {
		note += fmt.Sprintf("; removed %d half-written entries of killed runs: %v", len(removed), removed)
	}
	return c, note
}

// A half-written entry is a directory named tmpPattern in the cache,
// marked as tmpKind with its writer's pid (internal/leftover): a run
// killed while it wrote one (SIGTERM, SIGKILL) leaves it, and the next
// openCache removes it once its writer is gone. Directories of that name
// without the marker are not ours and are left alone.
const (
	tmpPattern = ".tmp-*"
	tmpKind    = "zk-cache-entry"
)

// newDiskCache creates dir when needed and checks that a file can be
// written there.
func newDiskCache(dir, gnark, gnarkCrypto string) (*diskCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache directory %s cannot be created: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("cache directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return &diskCache{dir: dir, gnark: gnark, gnarkCrypto: gnarkCrypto}, nil
}

// moduleVersion returns the version of module path in the binary's build
// info, or "".
func moduleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range bi.Deps {
		if m.Path == path {
			if m.Replace != nil {
				return m.Replace.Path + "@" + m.Replace.Version
			}
			return m.Version
		}
	}
	return ""
}

// key returns the cache key of spec s with circuit digest digest.
func (c *diskCache) key(s spec, digest string) cacheKey {
	return cacheKey{Layout: cacheLayout, Circuit: s.circuit, MsgLen: s.msgLen, Digest: digest,
		Curve: cacheCurve.String(), Backend: s.backend, Gnark: c.gnark, GnarkCrypto: c.gnarkCrypto}
}

// errCacheMiss says that no entry exists for a key.
var errCacheMiss = errors.New("no cache entry")

// load reads the entry of k: the constraint system and the keys, each file
// checked against the manifest's SHA-256 before it is decoded. It returns
// errCacheMiss when there is no entry, and another error, naming the file
// and what was wrong, when the entry is corrupt.
func (c *diskCache) load(k cacheKey) (constraint.ConstraintSystem, rawKey, rawKey, error) {
	dir := filepath.Join(c.dir, k.dirName())
	raw, err := os.ReadFile(filepath.Join(dir, fileMan))
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, errCacheMiss
		}
		return nil, nil, nil, fmt.Errorf("cache entry %s has no %s", dir, fileMan)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cache entry %s: %w", dir, err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, nil, fmt.Errorf("cache entry %s: %s: %w", dir, fileMan, err)
	}
	if m.Key != k {
		return nil, nil, nil, fmt.Errorf("cache entry %s: its manifest is for %+v, not %+v", dir, m.Key, k)
	}
	ccs, pk, vk, err := newObjects(k.Backend)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, f := range []struct {
		name string
		read func(io.Reader) (int64, error)
	}{{fileCCS, ccs.ReadFrom}, {filePK, pk.UnsafeReadFrom}, {fileVK, vk.UnsafeReadFrom}} {
		want, ok := m.Files[f.name]
		if !ok {
			return nil, nil, nil, fmt.Errorf("cache entry %s: manifest lists no %s", dir, f.name)
		}
		path := filepath.Join(dir, f.name)
		got, size, err := hashFile(path)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cache entry %s: %w", dir, err)
		}
		if got != want.SHA256 || size != want.Size {
			return nil, nil, nil, fmt.Errorf("cache entry %s: %s has SHA-256 %s and %d bytes, manifest says %s and %d bytes",
				dir, f.name, got, size, want.SHA256, want.Size)
		}
		if err := decodeFile(path, f.read, size); err != nil {
			return nil, nil, nil, fmt.Errorf("cache entry %s: %s: %w", dir, f.name, err)
		}
	}
	return ccs, pk, vk, nil
}

// newObjects returns empty BN254 objects of backend to decode into.
func newObjects(backend string) (constraint.ConstraintSystem, rawKey, rawKey, error) {
	switch backend {
	case groth16Name:
		return groth16.NewCS(cacheCurve), groth16.NewProvingKey(cacheCurve), groth16.NewVerifyingKey(cacheCurve), nil
	case plonkName:
		return plonk.NewCS(cacheCurve), plonk.NewProvingKey(cacheCurve), plonk.NewVerifyingKey(cacheCurve), nil
	}
	return nil, nil, nil, fmt.Errorf("cache: unknown backend %q", backend)
}

// hashFile returns the hex SHA-256 and the size of the file at path.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// decodeFile decodes the file at path with read, which must consume all
// size bytes.
func decodeFile(path string, read func(io.Reader) (int64, error), size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := read(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if n != size {
		return fmt.Errorf("decode read %d of %d bytes", n, size)
	}
	return nil
}

// store writes the entry of k, replacing any existing one: into a
// temporary directory first, renamed into place when complete.
func (c *diskCache) store(k cacheKey, ccs constraint.ConstraintSystem, pk, vk rawKey) (err error) {
	tmp, err := os.MkdirTemp(c.dir, tmpPattern)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := leftover.Mark(tmp, tmpKind); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	m := manifest{Key: k, Files: map[string]cacheFile{}}
	for _, f := range []struct {
		name  string
		write func(io.Writer) (int64, error)
	}{{fileCCS, ccs.WriteTo}, {filePK, pk.WriteRawTo}, {fileVK, vk.WriteRawTo}} {
		cf, err := writeHashed(filepath.Join(tmp, f.name), f.write)
		if err != nil {
			return fmt.Errorf("cache: write %s: %w", f.name, err)
		}
		m.Files[f.name] = cf
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("cache: manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, fileMan), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cache: write manifest: %w", err)
	}
	final := filepath.Join(c.dir, k.dirName())
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("cache: remove old entry: %w", err)
	}
	if err := os.Remove(filepath.Join(tmp, leftover.MarkerName)); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// writeHashed writes a file with write and returns its size and SHA-256.
func writeHashed(path string, write func(io.Writer) (int64, error)) (cf cacheFile, err error) {
	f, err := os.Create(path)
	if err != nil {
		return cf, err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	var h hash.Hash = sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	n, err := write(bw)
	if err != nil {
		return cf, err
	}
	if err := bw.Flush(); err != nil {
		return cf, err
	}
	return cacheFile{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
