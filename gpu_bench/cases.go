//go:build gpu

package gpu_bench

import (
	"errors"
	"fmt"

	"github.com/teebench/teebench/internal/benchname"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/cuda"
	"github.com/teebench/teebench/internal/gpuinfo"
)

// Copy directions and host-memory kinds of BenchmarkCopy.
const (
	dirH2D = "h2d"
	dirD2H = "d2h"
	dirD2D = "d2d"

	memPinned   = "pinned"   // cuMemAllocHost: DMA straight from/to host memory
	memPageable = "pageable" // Go heap: the driver stages through its own buffers
	memDevice   = "device"   // d2d: both ends in device memory
)

// copyCase is one sub-benchmark of BenchmarkCopy.
type copyCase struct {
	dir, mem string
	size     int64
}

func (c copyCase) name() string {
	return fmt.Sprintf("dir=%s/mem=%s/size=%s", c.dir, c.mem, benchname.Size(c.size))
}

// copySizes are the transfer sizes of the profile: docs/methods.md §8 asks for
// 4 KiB to 1 GiB, as bandwidthTest and nvbandwidth sweep them.
func copySizes() []int64 {
	all := []int64{4 << 10, 64 << 10, 1 << 20, 64 << 20, 1 << 30}
	return config.Pick([]int64{4 << 10, 64 << 20}, all, all)
}

// copyCases lists h2d and d2h with pinned and pageable host memory, then
// d2d, each over sizes.
func copyCases(sizes []int64) []copyCase {
	var cs []copyCase
	for _, dm := range [][2]string{{dirH2D, memPinned}, {dirH2D, memPageable}, {dirD2H, memPinned}, {dirD2H, memPageable}, {dirD2D, memDevice}} {
		for _, s := range sizes {
			cs = append(cs, copyCase{dir: dm[0], mem: dm[1], size: s})
		}
	}
	return cs
}

// gemmCase is one sub-benchmark of BenchmarkGEMM: an n×n×n GEMM.
type gemmCase struct {
	dt cuda.DType
	n  int
}

func (c gemmCase) name() string { return fmt.Sprintf("dtype=%v/n=%d", c.dt, c.n) }

// gemmSizes are the square GEMM sizes of the profile.
func gemmSizes() []int { return config.Pick([]int{4096}, []int{4096, 8192}, []int{4096, 8192}) }

// gemmCases lists every dtype at every size.
func gemmCases(sizes []int) []gemmCase {
	var cs []gemmCase
	for _, dt := range cuda.DTypes {
		for _, n := range sizes {
			cs = append(cs, gemmCase{dt: dt, n: n})
		}
	}
	return cs
}

// The small, deliberately non-square GEMM every configuration is checked on
// element by element before it is timed (a swapped m/n or a wrong leading
// dimension shows here); all multiples of 16, as int8 tensor-core kernels
// need.
const (
	checkM = 192
	checkN = 128
	checkK = 320
)

// ccMode is the confidential-computing state as far as the benchmarks
// know it.
type ccMode int

const (
	ccUnknown ccMode = iota
	ccOff
	ccOn
)

// ccFromInventory reads the CC state from NVML's inventory (nil without
// NVML, e.g. in a build without cgo).
func ccFromInventory(inv *gpuinfo.Inventory) ccMode {
	if inv == nil {
		return ccUnknown
	}
	switch on, known := inv.CCOn(); {
	case !known:
		return ccUnknown
	case on:
		return ccOn
	}
	return ccOff
}

// pinnedSkip decides whether a pinned-memory copy cannot run here. In CC
// mode "CUDA APIs which utilize pinned host memory are not supported"
// (NVIDIA CC release notes, docs/methods.md §8), so those cases skip without
// trying. Elsewhere the allocation is tried, and a cuMemAllocHost that
// fails with CUDA_ERROR_NOT_SUPPORTED skips too (CC state unknown, or a
// platform without pinned memory). Call it with allocErr nil before
// allocating and with the allocation's error after; any other allocation
// error is a failure, not a skip.
func pinnedSkip(cc ccMode, allocErr error) (reason string, skip bool) {
	if cc == ccOn {
		return "pinned host memory is not supported in confidential-computing mode (gpu-cc: on; NVIDIA CC release notes)", true
	}
	if errors.Is(allocErr, cuda.ErrorNotSupported) {
		return fmt.Sprintf("pinned host memory is not supported here: %v", allocErr), true
	}
	return "", false
}

// skipReason tells the errors of opening the GPU that mean "this machine
// cannot run GPU benchmarks" (no driver, no usable device, no cuBLAS for
// the GEMMs) from real failures.
func skipReason(err error) (string, bool) {
	if errors.Is(err, cuda.ErrNoDriver) || errors.Is(err, cuda.ErrNoDevice) || errors.Is(err, cuda.ErrNoBLAS) {
		return err.Error(), true
	}
	return "", false
}
