//go:build gpu

package gpu_bench

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/cuda"
)

// env is what the benchmarks share: GPU 0's primary context, where to find
// cuBLAS, and the CC state. The benchmarks use the real driver (gpuEnv);
// the tests build one on the mock driver.
type env struct {
	ctx  *cuda.Context
	blas []string
	cc   ccMode
}

var (
	realOnce sync.Once
	realEnv  *env
	realErr  error
)

// gpuEnv opens the real driver once per test binary, or skips the
// benchmark when this machine cannot run it.
func gpuEnv(b *testing.B) *env {
	realOnce.Do(func() {
		realEnv, realErr = openEnv(cuda.DriverLibrary, cuda.BLASLibraries, ccFromInventory(inventory))
	})
	if realErr != nil {
		if reason, skip := skipReason(realErr); skip {
			b.Skip(reason)
		}
		b.Fatal(realErr)
	}
	return realEnv
}

// openEnv loads the driver at driverPath and retains GPU 0's context.
func openEnv(driverPath string, blas []string, cc ccMode) (*env, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	d, err := cuda.OpenLibrary(driverPath)
	if err != nil {
		return nil, err
	}
	ctx, err := d.Primary(0)
	if err != nil {
		return nil, err
	}
	return &env{ctx: ctx, blas: blas, cc: cc}, nil
}

// lock locks the calling goroutine to its OS thread and makes the context
// current there (CUDA contexts are per thread, and every benchmark function
// runs in a goroutine of its own). Use as `defer e.lock(b)()`.
func (e *env) lock(tb testing.TB) (unlock func()) {
	runtime.LockOSThread()
	if err := e.ctx.Bind(); err != nil {
		runtime.UnlockOSThread()
		tb.Fatal(err)
	}
	return runtime.UnlockOSThread
}

// caseState is what a sub-benchmark builds on its first run and keeps for
// the later runs of the same case; free must accept a nil receiver.
type caseState interface {
	free(ctx *cuda.Context) error
}

// runCases runs one sub-benchmark per case. Each case's state (type S, a
// pointer) is built by its first run and freed once the case is done; the
// parent holds the context current so that it can free device memory.
func runCases[C interface{ name() string }, S caseState](b *testing.B, e *env, cases []C, run func(*testing.B, *env, C, *S)) {
	defer e.lock(b)()
	for _, c := range cases {
		var st S
		b.Run(c.name(), func(b *testing.B) { run(b, e, c, &st) })
		if err := st.free(e.ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// timeOps runs op b.N times between two CUDA events, the only thing in the
// benchmark timer, and returns the GPU time they measured (always > 0).
func (e *env) timeOps(b *testing.B, op func() error) time.Duration {
	tm, err := e.ctx.NewTimer()
	if err != nil {
		b.Fatal(err)
	}
	defer tm.Destroy()
	b.ResetTimer()
	el, err := tm.Time(b.N, op)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if el <= 0 {
		b.Fatalf("CUDA events measured %v for %d operations", el, b.N)
	}
	return el
}

// fillRandom fills buf with pseudo-random bytes quickly: 64 KiB from the
// generator, then doubling copies. That is random enough for copies, and
// it touches every page.
func fillRandom(buf []byte, rng *rand.Rand) {
	n := min(len(buf), 64<<10)
	for i := 0; i < n; i++ {
		buf[i] = byte(rng.Uint32())
	}
	for filled := n; filled < len(buf); filled *= 2 {
		copy(buf[filled:], buf[:filled])
	}
}
