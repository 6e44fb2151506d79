//go:build gpu

package cuda

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"

	"github.com/teebench/teebench/internal/memo"
)

// BLASLibraries are the cuBLAS file names OpenBLAS tries, newest first.
var BLASLibraries = []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so"}

// cuBLAS enums (cublas_api.h; docs/apis.md §5).
const (
	cublasOpN         = 0
	cublasOpT         = 1
	cublasGemmDefault = -1
)

type blasLib struct {
	path       string
	create     func(h *uintptr) Status
	destroy    func(h uintptr) Status
	getVersion func(h uintptr, v *int32) Status
	// gemmEx is cublasGemmEx's address, called through purego.SyscallN
	// (19 arguments: 6 in registers, 13 on the stack; docs/apis.md §5).
	gemmEx uintptr
}

// blasLoaded holds the libraries loaded, per list of paths.
var blasLoaded memo.Map[string, *blasLib]

// loadBLAS loads the first of paths that opens, once per process for each
// list of paths.
func loadBLAS(paths []string) (*blasLib, error) {
	return blasLoaded.Get(strings.Join(paths, "\x00"), func() (*blasLib, error) { return loadBLASFrom(paths) })
}

func loadBLASFrom(paths []string) (*blasLib, error) {
	var errs []string
	for _, p := range paths {
		h, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		l := &blasLib{path: p}
		for _, s := range []struct {
			fn   any
			name string
		}{
			{&l.create, "cublasCreate_v2"},
			{&l.destroy, "cublasDestroy_v2"},
			{&l.getVersion, "cublasGetVersion_v2"},
		} {
			sym, err := purego.Dlsym(h, s.name)
			if err != nil {
				return nil, fmt.Errorf("%s: symbol %s: %w", p, s.name, err)
			}
			purego.RegisterFunc(s.fn, sym)
		}
		if l.gemmEx, err = purego.Dlsym(h, "cublasGemmEx"); err != nil {
			return nil, fmt.Errorf("%s: symbol cublasGemmEx: %w", p, err)
		}
		return l, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoBLAS, strings.Join(errs, "; "))
}

// A BLAS is a cuBLAS handle bound to a context.
type BLAS struct {
	c       *Context
	lib     *blasLib
	h       uintptr
	version int32
	// host scalars for alpha = 1, beta = 0 (int32 for integer compute,
	// float32 otherwise); pointer mode is host, so cuBLAS reads them
	// during the call.
	i32 *[2]int32
	f32 *[2]float32
}

// OpenBLAS loads cuBLAS (BLASLibraries, through the dynamic loader's
// search) and creates a handle on c, which must be current.
func (c *Context) OpenBLAS() (*BLAS, error) { return c.OpenBLASFrom(BLASLibraries) }

// OpenBLASFrom is OpenBLAS with the library paths to try. The first
// library that loads is kept for later calls with the same paths.
func (c *Context) OpenBLASFrom(paths []string) (*BLAS, error) {
	lib, err := loadBLAS(paths)
	if err != nil {
		return nil, err
	}
	bl := &BLAS{c: c, lib: lib, i32: &[2]int32{1, 0}, f32: &[2]float32{1, 0}}
	if err := checkBLAS("cublasCreate_v2", lib.create(&bl.h)); err != nil {
		return nil, err
	}
	if err := checkBLAS("cublasGetVersion_v2", lib.getVersion(bl.h, &bl.version)); err != nil {
		lib.destroy(bl.h)
		return nil, err
	}
	return bl, nil
}

// Library returns the file name of the loaded cuBLAS.
func (bl *BLAS) Library() string { return bl.lib.path }

// Version returns cublasGetVersion, e.g. 120402 for 12.4.2.
func (bl *BLAS) Version() int { return int(bl.version) }

// i32 passes a C int argument to SyscallN.
func i32(v int32) uintptr { return uintptr(int64(v)) }

// Close destroys the handle.
func (bl *BLAS) Close() error { return checkBLAS("cublasDestroy_v2", bl.lib.destroy(bl.h)) }

// Gemm queues C = Aᵀ·B on the default stream in the TN layout described
// at RefDot: A holds m rows of k elements of type d, B n rows of k, C is
// m×n column-major of d's output type. For Int8, m, k and the pointers
// must be multiples of 4 (better 16).
func (bl *BLAS) Gemm(d DType, m, n, k int, a, b, c DevicePtr) error {
	ab, ct, compute := d.GemmTypes()
	alpha, beta := unsafe.Pointer(&bl.f32[0]), unsafe.Pointer(&bl.f32[1])
	if d == Int8 {
		alpha, beta = unsafe.Pointer(&bl.i32[0]), unsafe.Pointer(&bl.i32[1])
	}
	// C int arguments travel sign-extended in 64-bit slots and C reads the
	// low 32 bits, so -1 (CUBLAS_GEMM_DEFAULT) arrives as -1.
	r, _, _ := purego.SyscallN(bl.lib.gemmEx, bl.h, cublasOpT, cublasOpN, uintptr(m), uintptr(n), uintptr(k),
		uintptr(alpha), uintptr(a), i32(ab), uintptr(k), uintptr(b), i32(ab), uintptr(k),
		uintptr(beta), uintptr(c), i32(ct), uintptr(m), i32(compute), i32(cublasGemmDefault))
	runtime.KeepAlive(bl) // alpha and beta point into it
	if s := Status(int32(r)); s != 0 {
		return fmt.Errorf("cublasGemmEx(%v, m=%d n=%d k=%d): %w", d, m, n, k, s)
	}
	return nil
}
