//go:build gpu

package gpu_bench

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/cuda"
	"github.com/teebench/teebench/internal/gpuinfo"
)

func TestCopyCases(t *testing.T) {
	for _, c := range []struct {
		profile string
		sizes   []string
	}{
		{"smoke", []string{"4KiB", "64MiB"}},
		{"quick", []string{"4KiB", "64KiB", "1MiB", "64MiB", "1GiB"}},
		{"report", []string{"4KiB", "64KiB", "1MiB", "64MiB", "1GiB"}},
	} {
		t.Setenv("TEEBENCH_PROFILE", c.profile)
		cases := copyCases(copySizes())
		if len(cases) != 5*len(c.sizes) {
			t.Fatalf("%s: %d cases, want %d", c.profile, len(cases), 5*len(c.sizes))
		}
		names := map[string]bool{}
		for _, cc := range cases {
			names[cc.name()] = true
		}
		for _, dm := range []string{"dir=h2d/mem=pinned", "dir=h2d/mem=pageable", "dir=d2h/mem=pinned", "dir=d2h/mem=pageable", "dir=d2d/mem=device"} {
			for _, s := range c.sizes {
				if n := dm + "/size=" + s; !names[n] {
					t.Errorf("%s: no case %s", c.profile, n)
				}
			}
		}
	}
}

func TestGEMMCases(t *testing.T) {
	t.Setenv("TEEBENCH_PROFILE", "quick")
	var got []string
	for _, c := range gemmCases(gemmSizes()) {
		got = append(got, c.name())
	}
	want := "dtype=int8/n=4096 dtype=int8/n=8192 dtype=fp16/n=4096 dtype=fp16/n=8192 dtype=bf16/n=4096 dtype=bf16/n=8192"
	if strings.Join(got, " ") != want {
		t.Errorf("cases %v\nwant %s", got, want)
	}
	t.Setenv("TEEBENCH_PROFILE", "smoke")
	if n := len(gemmCases(gemmSizes())); n != 3 {
		t.Errorf("smoke: %d cases, want 3", n)
	}
	// The small check must be non-square (so swapped dimensions show) and
	// meet the int8 kernels' multiple-of-16 rule.
	if checkM == checkN || checkN == checkK || checkM == checkK || checkM%16 != 0 || checkN%16 != 0 || checkK%16 != 0 {
		t.Errorf("check size %dx%dx%d", checkM, checkN, checkK)
	}
	for _, n := range []int{4096, 8192} {
		// int8 sums of k products of |x| <= 128 must fit int32.
		if max := int64(n) * 128 * 128; max > 1<<31-1 {
			t.Errorf("n=%d can overflow int32", n)
		}
	}
}

func TestPinnedSkip(t *testing.T) {
	notSupported := fmt.Errorf("cuMemAllocHost(4096 bytes): %w", cuda.ErrorNotSupported)
	oom := fmt.Errorf("cuMemAllocHost(1073741824 bytes): %w", cuda.ErrorOutOfMemory)
	for _, c := range []struct {
		what   string
		cc     ccMode
		err    error
		skip   bool
		reason string
	}{
		// CC on: skip before trying, whatever the allocation would do.
		{"cc on, before allocating", ccOn, nil, true, "confidential-computing mode"},
		{"cc on, allocation failed", ccOn, oom, true, "confidential-computing mode"},
		// CC off or unknown: try; only NOT_SUPPORTED is a skip.
		{"cc off, before allocating", ccOff, nil, false, ""},
		{"cc unknown, before allocating", ccUnknown, nil, false, ""},
		{"cc unknown, not supported", ccUnknown, notSupported, true, "CUDA_ERROR_NOT_SUPPORTED (801)"},
		{"cc off, not supported", ccOff, notSupported, true, "not supported here"},
		{"cc off, out of memory is a failure", ccOff, oom, false, ""},
	} {
		reason, skip := pinnedSkip(c.cc, c.err)
		if skip != c.skip || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: skip=%v reason %q; want skip=%v reason containing %q", c.what, skip, reason, c.skip, c.reason)
		}
	}
}

func TestCCFromInventory(t *testing.T) {
	for _, c := range []struct {
		inv  *gpuinfo.Inventory
		want ccMode
	}{
		{nil, ccUnknown},
		{&gpuinfo.Inventory{}, ccUnknown},
		{&gpuinfo.Inventory{CC: gpuinfo.CC{Feature: "off"}}, ccOff},
		{&gpuinfo.Inventory{CC: gpuinfo.CC{Feature: "on"}}, ccOn},
	} {
		if got := ccFromInventory(c.inv); got != c.want {
			t.Errorf("ccFromInventory(%+v) = %v, want %v", c.inv, got, c.want)
		}
	}
}

func TestSkipReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		skip bool
	}{
		{fmt.Errorf("%w: libcuda.so.1: cannot open shared object file", cuda.ErrNoDriver), true},
		{fmt.Errorf("%w: cuInit: %v", cuda.ErrNoDevice, cuda.ErrorNoDevice), true},
		{fmt.Errorf("%w: libcublas.so.12: cannot open", cuda.ErrNoBLAS), true},
		{fmt.Errorf("cuMemAlloc: %w", cuda.ErrorOutOfMemory), false},
		{errors.New("int8 GEMM k=320: C[3,4] = 1, want 2"), false},
	} {
		reason, skip := skipReason(c.err)
		if skip != c.skip || (skip && reason != c.err.Error()) {
			t.Errorf("skipReason(%v) = %q, %v", c.err, reason, skip)
		}
	}
}

// TestSkipWithoutDriver checks the skip path on machines without a GPU:
// opening the real driver fails with the message every benchmark skips
// with.
func TestSkipWithoutDriver(t *testing.T) {
	e, err := openEnv(cuda.DriverLibrary, cuda.BLASLibraries, ccUnknown)
	if err == nil {
		t.Skipf("a CUDA driver is present (%s): the benchmarks run instead of skipping", e.ctx.Name())
	}
	reason, skip := skipReason(err)
	if !skip || !strings.HasPrefix(reason, "no NVIDIA driver (libcuda.so.1 / libnvidia-ml.so.1 not found)") {
		t.Errorf("skip=%v reason %q", skip, reason)
	}
}
