//go:build gpu

package gpu_bench

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/teebench/teebench/internal/cuda"
)

// BenchmarkLaunch measures kernel launch cost in ns/op (wall clock): with
// sync=false b.N launches are queued back to back and waited for once
// (the launch rate); with sync=true each launch is followed by
// cuCtxSynchronize (the round trip a dependent step pays). In CC mode the
// work submission crosses the encrypted channel too.
func BenchmarkLaunch(b *testing.B) {
	benchLaunches(b, gpuEnv(b))
}

func benchLaunches(b *testing.B, e *env) {
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) { benchLaunch(b, e, sync) })
	}
}

func benchLaunch(b *testing.B, e *env, sync bool) {
	defer e.lock(b)()
	ctx := e.ctx
	mod, err := ctx.LoadPTX(cuda.IncPTX)
	if err != nil {
		b.Fatal(err)
	}
	defer mod.Unload()
	counter, err := ctx.Alloc(4)
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Free(counter)
	one := [3]uint32{1, 1, 1}
	l, err := mod.NewLaunch(cuda.IncKernel, one, one, uint64(counter))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	// Warm-up launch, then reset the counter.
	if err := l.Do(); err != nil {
		b.Fatal(err)
	}
	if err := ctx.CopyHtoD(counter, make([]byte, 4)); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Do(); err != nil {
			b.Fatal(err)
		}
		if sync {
			if err := ctx.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := ctx.Sync(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()

	got := make([]byte, 4)
	if err := ctx.CopyDtoH(got, counter); err != nil {
		b.Fatal(err)
	}
	if n := binary.LittleEndian.Uint32(got); int(n) != b.N {
		b.Fatalf("the kernel ran %d times for %d launches", n, b.N)
	}
}
