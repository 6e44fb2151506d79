//go:build gpu

package gpu_bench

import (
	"flag"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ebitengine/purego"
	"github.com/teebench/teebench/internal/cuda"
)

// mockEnv builds internal/cuda's mock driver (host memory for device
// memory, a CPU cublasGemmEx) and opens an env on it, so that the
// benchmark code itself runs on machines without a GPU. On a machine with
// a real driver the test skips: there the benchmarks are the test, and no
// mock library should share the process with the real one.
func mockEnv(t *testing.T, cc ccMode) (e *env, config func(nodev, nopinned int32)) {
	t.Helper()
	if _, err := cuda.OpenLibrary(cuda.DriverLibrary); err == nil {
		t.Skip("a real CUDA driver is present: run the benchmarks instead")
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed: cannot build the mock CUDA driver")
	}
	lib := filepath.Join(t.TempDir(), "libmockcuda.so")
	if out, err := exec.Command(gcc, "-shared", "-fPIC", "-O2", "-o", lib, "../internal/cuda/testdata/mockcuda.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	h, err := purego.Dlopen(lib, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		t.Fatal(err)
	}
	purego.RegisterLibFunc(&config, h, "mockcuda_config")
	if e, err = openEnv(lib, []string{lib}, cc); err != nil {
		t.Fatal(err)
	}
	return e, config
}

// bench runs body as a benchmark of 3 iterations and returns its result
// and whether it failed or skipped (testing.Benchmark discards the
// messages; the helpers the bodies call are tested for those).
func bench(t *testing.T, body func(b *testing.B)) (res testing.BenchmarkResult, failed, skipped bool) {
	t.Helper()
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("3x"); err != nil {
		t.Fatal(err)
	}
	defer bt.Value.Set(old)
	res = testing.Benchmark(func(b *testing.B) {
		defer func() { failed, skipped = b.Failed(), b.Skipped() }()
		body(b)
	})
	return res, failed, skipped
}

func TestCopyOnMockDriver(t *testing.T) {
	e, config := mockEnv(t, ccOff)
	defer e.lock(t)()
	for _, c := range copyCases([]int64{4 << 10, 1 << 20}) {
		// The helpers first, for readable errors.
		bf, err := newCopyBufs(e, c)
		if err != nil {
			t.Fatalf("%s: %v", c.name(), err)
		}
		if err := bf.op(e.ctx, c)(); err != nil {
			t.Fatalf("%s: %v", c.name(), err)
		}
		if err := bf.verify(e.ctx, c); err != nil {
			t.Errorf("after one copy: %v", err)
		}
		// After scrub, verify fails until the next copy.
		if err := bf.scrub(e.ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := bf.verify(e.ctx, c); err == nil {
			t.Errorf("%s: verify passed on a scrubbed destination", c.name())
		}
		if err := bf.op(e.ctx, c)(); err != nil {
			t.Fatal(err)
		}
		if err := bf.verify(e.ctx, c); err != nil {
			t.Errorf("after scrub and copy: %v", err)
		}
		if err := bf.free(e.ctx); err != nil {
			t.Fatal(err)
		}

		var bufs *copyBufs
		res, failed, skipped := bench(t, func(b *testing.B) { benchCopy(b, e, c, &bufs) })
		if failed || skipped || res.N != 3 || res.Extra["B/s"] <= 0 {
			t.Errorf("%s: failed=%v skipped=%v N=%d B/s=%v", c.name(), failed, skipped, res.N, res.Extra["B/s"])
		}
		if got, want := res.Extra["devmem-B/s"], 2*res.Extra["B/s"]; (c.dir == dirD2D) != (got > 0) || (got > 0 && got != want) {
			t.Errorf("%s: devmem-B/s = %v, want %v for d2d only", c.name(), got, want)
		}
		if bufs == nil {
			t.Errorf("%s: buffers not kept for the next run", c.name())
		} else if err := bufs.free(e.ctx); err != nil {
			t.Error(err)
		}
	}

	// CC on: pinned cases skip without allocating; pageable ones run.
	eOn := *e
	eOn.cc = ccOn
	for _, c := range []copyCase{{dirH2D, memPinned, 4096}, {dirD2H, memPinned, 4096}, {dirH2D, memPageable, 4096}} {
		var bufs *copyBufs
		_, failed, skipped := bench(t, func(b *testing.B) { benchCopy(b, &eOn, c, &bufs) })
		if want := c.mem == memPinned; failed || skipped != want {
			t.Errorf("cc on, %s: failed=%v skipped=%v, want skipped=%v", c.name(), failed, skipped, want)
		}
		if bufs != nil {
			bufs.free(e.ctx)
		}
	}

	// CC unknown and cuMemAllocHost not supported: skip, not failure.
	config(0, 1)
	defer config(0, 0)
	eUnknown := *e
	eUnknown.cc = ccUnknown
	var bufs *copyBufs
	if _, failed, skipped := bench(t, func(b *testing.B) { benchCopy(b, &eUnknown, copyCase{dirH2D, memPinned, 4096}, &bufs) }); failed || !skipped {
		t.Errorf("pinned not supported: failed=%v skipped=%v", failed, skipped)
	}
}

func TestGEMMOnMockDriver(t *testing.T) {
	e, _ := mockEnv(t, ccOff)
	defer e.lock(t)()
	for _, dt := range cuda.DTypes {
		c := gemmCase{dt: dt, n: 64}
		st, err := newGemm(e, c) // includes the small full check and a sampled check
		if err != nil {
			t.Fatalf("%s: %v", c.name(), err)
		}
		// A corrupted result is caught by the sampled check.
		if err := e.ctx.CopyHtoD(st.dc, make([]byte, c.n*c.n*dt.OutSize())); err != nil {
			t.Fatal(err)
		}
		if err := st.checkSampled(e.ctx, c, 8); err == nil {
			t.Errorf("%s: zeroed C passed the sampled check", c.name())
		}
		st.free(e.ctx)

		var stp *gemmState
		res, failed, skipped := bench(t, func(b *testing.B) { benchGEMM(b, e, c, &stp) })
		if failed || skipped || res.N != 3 || res.Extra["TOPS"] <= 0 {
			t.Errorf("%s: failed=%v skipped=%v N=%d TOPS=%v", c.name(), failed, skipped, res.N, res.Extra["TOPS"])
		}
		if stp != nil {
			stp.free(e.ctx)
		}
	}

	// No cuBLAS: the GEMMs skip with ErrNoBLAS.
	noBLAS := *e
	noBLAS.blas = []string{"/nonexistent/libcublas.so.12"}
	var stp *gemmState
	if _, failed, skipped := bench(t, func(b *testing.B) { benchGEMM(b, &noBLAS, gemmCase{cuda.Int8, 64}, &stp) }); failed || !skipped {
		t.Errorf("no cuBLAS: failed=%v skipped=%v", failed, skipped)
	}
}

func TestLaunchOnMockDriver(t *testing.T) {
	e, _ := mockEnv(t, ccOff)
	for _, sync := range []bool{false, true} {
		res, failed, skipped := bench(t, func(b *testing.B) { benchLaunch(b, e, sync) })
		if failed || skipped || res.N != 3 {
			t.Errorf("sync=%v: failed=%v skipped=%v N=%d", sync, failed, skipped, res.N)
		}
	}
}
