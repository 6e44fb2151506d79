//go:build gpu

package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ebitengine/purego"
)

// DriverLibrary is the file name of the driver library (found through the dynamic
// loader's usual search: LD_LIBRARY_PATH, ld.so.cache ...).
const DriverLibrary = "libcuda.so.1"

// abiVersion is the CUDA version whose cuda.h the Go signatures below were
// written from; cuGetProcAddress returns the export matching it.
const abiVersion = 12000

// A Driver is the loaded CUDA driver API (OpenLibrary). Callers keep one
// per process; tests open a mock library beside it.
type Driver struct {
	path    string
	version int32 // cuDriverGetVersion, e.g. 12040 for 12.4

	cuInit                    func(flags uint32) Result
	cuDriverGetVersion        func(v *int32) Result
	cuDeviceGetCount          func(n *int32) Result
	cuDeviceGet               func(dev *int32, ordinal int32) Result
	cuDeviceGetName           func(name *byte, n int32, dev int32) Result
	cuDeviceTotalMem          func(bytes *uint64, dev int32) Result
	cuDevicePrimaryCtxRetain  func(ctx *uintptr, dev int32) Result
	cuDevicePrimaryCtxRelease func(dev int32) Result
	cuCtxSetCurrent           func(ctx uintptr) Result
	cuMemAlloc                func(p *uintptr, n uint64) Result
	cuMemFree                 func(p uintptr) Result
	cuMemAllocHost            func(p *unsafe.Pointer, n uint64) Result
	cuMemFreeHost             func(p unsafe.Pointer) Result
	cuMemsetD8                func(p uintptr, v uint8, n uint64) Result
	cuEventCreate             func(ev *uintptr, flags uint32) Result
	cuEventDestroy            func(ev uintptr) Result
	cuEventRecord             func(ev, stream uintptr) Result
	cuEventSynchronize        func(ev uintptr) Result
	cuEventElapsedTime        func(ms *float32, start, end uintptr) Result
	cuModuleLoadData          func(mod *uintptr, image unsafe.Pointer) Result
	cuModuleGetFunction       func(fn *uintptr, mod uintptr, name *byte) Result
	cuModuleUnload            func(mod uintptr) Result
	cuStreamCreate            func(st *uintptr, flags uint32) Result
	cuStreamDestroy           func(st uintptr) Result
	cuMemGetInfo              func(free, total *uint64) Result

	// Hot calls (copies, syncs, launches) go through purego.SyscallN,
	// several times cheaper than a RegisterFunc'd func, which goes through
	// reflection (BenchmarkCallOverhead): these are their addresses.
	ctxSynchronize, memcpyHtoD, memcpyDtoH, memcpyDtoD        uintptr
	memcpyHtoDAsync, memcpyDtoHAsync, memcpyDtoDAsync, launch uintptr
	streamSynchronize                                         uintptr

	// raw holds every resolved address by cuda.h name.
	raw map[string]uintptr
}

// call calls the driver function at fn with args through purego.SyscallN
// and returns its CUresult. Pointer arguments must stay reachable (and
// heap objects do not move) until it returns.
func call(fn uintptr, args ...uintptr) Result {
	r, _, _ := purego.SyscallN(fn, args...)
	return Result(int32(r))
}

// symbol names one driver function: its cuda.h name (what cuGetProcAddress
// takes) and its versioned export for CUDA 12 (what dlsym takes when the
// driver has no cuGetProcAddress_v2). fn is the Go function to register,
// nil for the hot calls made through SyscallN.
type symbol struct {
	fn      any
	name    string
	exports string
}

func (d *Driver) symbols() []symbol {
	return []symbol{
		{&d.cuDriverGetVersion, "cuDriverGetVersion", "cuDriverGetVersion"},
		{&d.cuDeviceGetCount, "cuDeviceGetCount", "cuDeviceGetCount"},
		{&d.cuDeviceGet, "cuDeviceGet", "cuDeviceGet"},
		{&d.cuDeviceGetName, "cuDeviceGetName", "cuDeviceGetName"},
		{&d.cuDeviceTotalMem, "cuDeviceTotalMem", "cuDeviceTotalMem_v2"},
		{&d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRetain"},
		{&d.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease", "cuDevicePrimaryCtxRelease_v2"},
		{&d.cuCtxSetCurrent, "cuCtxSetCurrent", "cuCtxSetCurrent"},
		{nil, "cuCtxSynchronize", "cuCtxSynchronize"},
		{&d.cuMemAlloc, "cuMemAlloc", "cuMemAlloc_v2"},
		{&d.cuMemFree, "cuMemFree", "cuMemFree_v2"},
		{&d.cuMemAllocHost, "cuMemAllocHost", "cuMemAllocHost_v2"},
		{&d.cuMemFreeHost, "cuMemFreeHost", "cuMemFreeHost"},
		{&d.cuMemsetD8, "cuMemsetD8", "cuMemsetD8_v2"},
		{nil, "cuMemcpyHtoD", "cuMemcpyHtoD_v2"},
		{nil, "cuMemcpyDtoH", "cuMemcpyDtoH_v2"},
		{nil, "cuMemcpyDtoD", "cuMemcpyDtoD_v2"},
		{nil, "cuMemcpyHtoDAsync", "cuMemcpyHtoDAsync_v2"},
		{nil, "cuMemcpyDtoHAsync", "cuMemcpyDtoHAsync_v2"},
		{nil, "cuMemcpyDtoDAsync", "cuMemcpyDtoDAsync_v2"},
		{&d.cuEventCreate, "cuEventCreate", "cuEventCreate"},
		{&d.cuEventDestroy, "cuEventDestroy", "cuEventDestroy_v2"},
		{&d.cuEventRecord, "cuEventRecord", "cuEventRecord"},
		{&d.cuEventSynchronize, "cuEventSynchronize", "cuEventSynchronize"},
		{&d.cuEventElapsedTime, "cuEventElapsedTime", "cuEventElapsedTime"},
		{&d.cuModuleLoadData, "cuModuleLoadData", "cuModuleLoadData"},
		{&d.cuModuleGetFunction, "cuModuleGetFunction", "cuModuleGetFunction"},
		{&d.cuModuleUnload, "cuModuleUnload", "cuModuleUnload"},
		{nil, "cuLaunchKernel", "cuLaunchKernel"},
		{&d.cuStreamCreate, "cuStreamCreate", "cuStreamCreate"},
		{&d.cuStreamDestroy, "cuStreamDestroy", "cuStreamDestroy_v2"},
		{nil, "cuStreamSynchronize", "cuStreamSynchronize"},
		{&d.cuMemGetInfo, "cuMemGetInfo", "cuMemGetInfo_v2"},
	}
}

// OpenLibrary loads the driver API from path (DriverLibrary, or a mock's
// path in tests) and calls cuInit. Without the library the error wraps
// ErrNoDriver; when cuInit fails (no GPU, driver mismatch, GPUs not ready)
// it wraps ErrNoDevice. Callers skip on both. The library is never
// unloaded.
func OpenLibrary(path string) (*Driver, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDriver, err)
	}
	d := &Driver{path: path}
	sym, err := purego.Dlsym(h, "cuInit")
	if err != nil {
		return nil, fmt.Errorf("%s has no cuInit: %w", path, err)
	}
	purego.RegisterFunc(&d.cuInit, sym)
	if r := d.cuInit(0); r != Success {
		return nil, fmt.Errorf("%w: cuInit: %v", ErrNoDevice, r)
	}
	if err := d.resolve(h); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := check("cuDriverGetVersion", d.cuDriverGetVersion(&d.version)); err != nil {
		return nil, err
	}
	return d, nil
}

// CU_GET_PROC_ADDRESS_DEFAULT and CUdriverProcAddressQueryResult values.
const (
	procDefault         = 0
	procSuccess         = 0
	procSymbolNotFound  = 1
	procVersionTooSmall = 2
)

// resolve fills every function of d through cuGetProcAddress_v2 (CUDA 12.0+
// drivers) or, without it, dlsym of the versioned exports.
func (d *Driver) resolve(h uintptr) error {
	var getProc func(name string, pfn *uintptr, version int32, flags uint64, status *int32) Result
	if sym, err := purego.Dlsym(h, "cuGetProcAddress_v2"); err == nil {
		purego.RegisterFunc(&getProc, sym)
	}
	d.raw = map[string]uintptr{}
	for _, s := range d.symbols() {
		var fn uintptr
		if getProc != nil {
			var status int32
			if r := getProc(s.name, &fn, abiVersion, procDefault, &status); r != Success || status != procSuccess || fn == 0 {
				return fmt.Errorf("cuGetProcAddress_v2(%q, version %d): result %v, status %d (1 = symbol not found, 2 = driver too old)", s.name, abiVersion, r, status)
			}
		} else {
			var err error
			if fn, err = purego.Dlsym(h, s.exports); err != nil {
				return fmt.Errorf("symbol %s: %w", s.exports, err)
			}
		}
		if s.fn != nil {
			purego.RegisterFunc(s.fn, fn)
		}
		d.raw[s.name] = fn
	}
	d.ctxSynchronize, d.launch = d.raw["cuCtxSynchronize"], d.raw["cuLaunchKernel"]
	d.memcpyHtoD, d.memcpyDtoH, d.memcpyDtoD = d.raw["cuMemcpyHtoD"], d.raw["cuMemcpyDtoH"], d.raw["cuMemcpyDtoD"]
	d.memcpyHtoDAsync, d.memcpyDtoHAsync, d.memcpyDtoDAsync = d.raw["cuMemcpyHtoDAsync"], d.raw["cuMemcpyDtoHAsync"], d.raw["cuMemcpyDtoDAsync"]
	d.streamSynchronize = d.raw["cuStreamSynchronize"]
	return nil
}

// Version returns the CUDA version the driver supports, e.g. 12040 for
// 12.4 (cuDriverGetVersion).
func (d *Driver) Version() int { return int(d.version) }

// DeviceCount returns the number of CUDA devices.
func (d *Driver) DeviceCount() (int, error) {
	var n int32
	if err := check("cuDeviceGetCount", d.cuDeviceGetCount(&n)); err != nil {
		return 0, err
	}
	return int(n), nil
}
