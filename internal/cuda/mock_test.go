//go:build gpu

package cuda

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/ebitengine/purego"
)

func TestOpenWithoutLibrary(t *testing.T) {
	_, err := OpenLibrary("/nonexistent/libcuda.so.1")
	if !errors.Is(err, ErrNoDriver) {
		t.Fatalf("err = %v, want ErrNoDriver", err)
	}
	if !strings.HasPrefix(err.Error(), "no NVIDIA driver (libcuda.so.1 / libnvidia-ml.so.1 not found): ") {
		t.Errorf("message %q", err)
	}
}

func TestOpenOnThisMachine(t *testing.T) {
	// The driver either loads (a GPU machine) or fails with one of the
	// errors gpu_bench skips on; nothing else is acceptable.
	d, err := OpenLibrary(DriverLibrary)
	switch {
	case err == nil:
		t.Logf("CUDA driver %d", d.Version())
	case errors.Is(err, ErrNoDriver), errors.Is(err, ErrNoDevice):
		t.Logf("skip path: %v", err)
	default:
		t.Fatalf("OpenLibrary(%s): %v", DriverLibrary, err)
	}
}

// buildMock compiles testdata/mockcuda.c into a shared library that stands
// in for libcuda.so.1 and libcublas.so.
func buildMock(t testing.TB) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed: cannot build the mock CUDA driver")
	}
	lib := filepath.Join(t.TempDir(), "libmockcuda.so")
	out, err := exec.Command(gcc, "-shared", "-fPIC", "-O2", "-Wall", "-o", lib, "testdata/mockcuda.c").CombinedOutput()
	if err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return lib
}

// TestMockDriver drives every binding through the mock driver: symbol
// resolution by base name at the CUDA 12.0 ABI, contexts, memory, copies,
// events, PTX launches and the 19-argument cublasGemmEx.
func TestMockDriver(t *testing.T) {
	lib := buildMock(t)
	h, err := purego.Dlopen(lib, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		t.Fatal(err)
	}
	var config func(nodev, nopinned int32)
	var procVersion, launches, streams func() int32
	purego.RegisterLibFunc(&streams, h, "mockcuda_streams")
	purego.RegisterLibFunc(&config, h, "mockcuda_config")
	purego.RegisterLibFunc(&procVersion, h, "mockcuda_proc_version")
	purego.RegisterLibFunc(&launches, h, "mockcuda_launches")

	config(1, 0)
	if _, err := OpenLibrary(lib); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "CUDA_ERROR_NO_DEVICE (100)") {
		t.Fatalf("cuInit failing: err = %v, want ErrNoDevice", err)
	}
	config(0, 0)
	d, err := OpenLibrary(lib)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version() != 12040 || procVersion() != abiVersion {
		t.Errorf("driver version %d, cuGetProcAddress asked for %d", d.Version(), procVersion())
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, err := d.Primary(1); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Primary(1) = %v, want ErrNoDevice", err)
	}
	c, err := d.Primary(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if c.Name() != "Mock GPU" || c.TotalMemory() != 1<<30 {
		t.Errorf("name %q memory %d", c.Name(), c.TotalMemory())
	}

	t.Run("copies", func(t *testing.T) {
		const n = 1 << 20
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*7 + i>>9)
		}
		d1, err := c.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Free(d1)
		d2, err := c.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Free(d2)
		pinned, err := c.AllocHost(n)
		if err != nil {
			t.Fatal(err)
		}
		defer c.FreeHost(pinned)
		if err := c.CopyHtoD(d1, src); err != nil {
			t.Fatal(err)
		}
		if err := c.CopyDtoD(d2, d1, n); err != nil {
			t.Fatal(err)
		}
		if err := c.CopyDtoHAsync(pinned, d2); err != nil {
			t.Fatal(err)
		}
		if err := c.Sync(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pinned, src) {
			t.Fatal("HtoD, DtoD, DtoHAsync did not round-trip")
		}
		got := make([]byte, 1000)
		if err := c.CopyHtoDAsync(d1.Add(24), pinned[:1000]); err != nil {
			t.Fatal(err)
		}
		if err := c.CopyDtoH(got, d1.Add(24)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, src[:1000]) {
			t.Fatal("offset copy wrong")
		}
		if err := c.Memset(d2.Add(10), 0xab, 20); err != nil { // d2 holds src
			t.Fatal(err)
		}
		if err := c.CopyDtoH(got[:40], d2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[:10], src[:10]) || !bytes.Equal(got[10:30], bytes.Repeat([]byte{0xab}, 20)) || !bytes.Equal(got[30:40], src[30:40]) {
			t.Fatalf("Memset: % x", got[:40])
		}
		tm, err := c.NewTimer()
		if err != nil {
			t.Fatal(err)
		}
		defer tm.Destroy()
		calls := 0
		el, err := tm.Time(10, func() error { calls++; return c.CopyDtoD(d2, d1, n) })
		if err != nil || calls != 10 || el <= 0 {
			t.Errorf("Time: %v after %d calls, err %v", el, calls, err)
		}
		_, err = tm.Time(3, func() error { return c.Free(0x10) }) // an invalid pointer: the driver fails
		if err == nil {
			t.Error("Time did not pass the op's error on")
		}
	})

	t.Run("streams", func(t *testing.T) {
		free, total, err := c.MemInfo()
		if err != nil || free != 768<<20 || total != 1<<30 {
			t.Errorf("MemInfo = %d, %d, %v", free, total, err)
		}
		s1, err := c.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := c.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		if streams() != 2 {
			t.Errorf("%d streams live, want 2", streams())
		}
		src := []byte("two streams, one buffer each")
		d1, _ := c.Alloc(uint64(len(src)))
		defer c.Free(d1)
		got := make([]byte, len(src))
		if err := s1.CopyHtoDAsync(d1, src); err != nil {
			t.Fatal(err)
		}
		if err := s1.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := s2.CopyDtoHAsync(got, d1); err != nil {
			t.Fatal(err)
		}
		if err := s2.Sync(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, src) {
			t.Errorf("stream copies gave %q", got)
		}
		if err := s1.Destroy(); err != nil {
			t.Fatal(err)
		}
		if err := s2.Destroy(); err != nil {
			t.Fatal(err)
		}
		if streams() != 0 {
			t.Errorf("%d streams live after Destroy", streams())
		}
	})

	t.Run("pinned not supported", func(t *testing.T) {
		config(0, 1)
		defer config(0, 0)
		_, err := c.AllocHost(4096)
		if !errors.Is(err, ErrorNotSupported) {
			t.Errorf("AllocHost = %v, want CUDA_ERROR_NOT_SUPPORTED", err)
		}
	})

	t.Run("launch", func(t *testing.T) {
		if _, err := c.LoadPTX("not ptx"); err == nil || !strings.Contains(err.Error(), "CUDA_ERROR_INVALID_PTX") {
			t.Errorf("LoadPTX(garbage) = %v", err)
		}
		m, err := c.LoadPTX(IncPTX)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Unload()
		if _, err := m.NewLaunch("nope", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1}); err == nil {
			t.Error("unknown kernel found")
		}
		counter, err := c.Alloc(4)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Free(counter)
		if err := c.CopyHtoD(counter, make([]byte, 4)); err != nil {
			t.Fatal(err)
		}
		l, err := m.NewLaunch(IncKernel, [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1}, uint64(counter))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		before := launches()
		for i := 0; i < 100; i++ {
			if err := l.Do(); err != nil {
				t.Fatal(err)
			}
		}
		got := make([]byte, 4)
		if err := c.CopyDtoH(got, counter); err != nil {
			t.Fatal(err)
		}
		if n := binary.LittleEndian.Uint32(got); n != 100 || launches()-before != 100 {
			t.Errorf("counter %d after 100 launches (mock saw %d)", n, launches()-before)
		}
	})

	t.Run("gemm", func(t *testing.T) {
		bl, err := c.OpenBLASFrom([]string{"/nonexistent/libcublas.so.12", lib})
		if err != nil {
			t.Fatal(err)
		}
		defer bl.Close()
		if bl.Version() != 120402 || bl.Library() != lib {
			t.Errorf("cuBLAS %d from %s", bl.Version(), bl.Library())
		}
		const m, n, k = 32, 16, 64
		rng := rand.New(rand.NewPCG(1, 1))
		for _, dt := range DTypes {
			a, b := RandomMatrix(dt, m, k, rng), RandomMatrix(dt, n, k, rng)
			da, _ := c.Alloc(uint64(len(a)))
			db, _ := c.Alloc(uint64(len(b)))
			dc, _ := c.Alloc(uint64(m * n * dt.OutSize()))
			if err := c.CopyHtoD(da, a); err != nil {
				t.Fatal(err)
			}
			if err := c.CopyHtoD(db, b); err != nil {
				t.Fatal(err)
			}
			if err := bl.Gemm(dt, m, n, k, da, db, dc); err != nil {
				t.Fatalf("%v: %v", dt, err)
			}
			out := make([]byte, m*n*dt.OutSize())
			if err := c.CopyDtoH(out, dc); err != nil {
				t.Fatal(err)
			}
			if err := CheckGEMM(dt, m, n, k, a, b, out); err != nil {
				t.Errorf("%v: %v", dt, err)
			}
			c.Free(da)
			c.Free(db)
			c.Free(dc)
		}
	})
}

// BenchmarkCallOverhead measures what one driver call costs through
// purego on the mock's cuDeviceGetCount, which returns at once: through a
// RegisterFunc'd Go func (used for setup calls) and through SyscallN (used
// for the hot calls: copies, launches, syncs, GEMMs). It is the floor under
// BenchmarkLaunch's figures.
func BenchmarkCallOverhead(b *testing.B) {
	lib := buildMock(b)
	d, err := OpenLibrary(lib)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("via=registerfunc", func(b *testing.B) {
		var n int32
		for i := 0; i < b.N; i++ {
			if r := d.cuDeviceGetCount(&n); r != Success {
				b.Fatal(r)
			}
		}
	})
	b.Run("via=syscalln", func(b *testing.B) {
		n := new(int32)
		fn := d.raw["cuDeviceGetCount"]
		for i := 0; i < b.N; i++ {
			if r := call(fn, uintptr(unsafe.Pointer(n))); r != Success {
				b.Fatal(r)
			}
		}
	})
}
