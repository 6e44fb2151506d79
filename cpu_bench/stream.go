package cpu_bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ebitengine/purego"
	"github.com/teebench/teebench/internal/reftool"
)

// loadStreamC compiles testdata/stream_triad.c into a shared library in a
// temporary directory (removed when tb ends) and loads it with purego. An
// error means no C compiler or no OpenMP here; the caller skips.
func loadStreamC(tb testing.TB) (func(a, b, c *float64, n int64, threads int32), error) {
	cc, err := reftool.Lookup("C compiler", "gcc", "cc")
	if err != nil {
		return nil, err
	}
	src, err := filepath.Abs(filepath.Join("testdata", "stream_triad.c"))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "teebench-stream-")
	if err != nil {
		return nil, fmt.Errorf("temp dir for stream_triad: %w", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	lib := filepath.Join(dir, "libstream_triad.so")
	if _, err := reftool.Run(tb.Context(), cc, "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", "-o", lib, src); err != nil {
		return nil, fmt.Errorf("compiling the C STREAM triad (needs gcc with OpenMP): %w", err)
	}
	h, err := purego.Dlopen(lib, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", lib, err)
	}
	sym, err := purego.Dlsym(h, "stream_triad")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", lib, err)
	}
	var f func(a, b, c *float64, n int64, threads int32)
	purego.RegisterFunc(&f, sym)
	return f, nil
}
