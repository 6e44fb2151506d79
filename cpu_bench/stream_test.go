package cpu_bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ebitengine/purego"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/reftool"
)

// STREAM's kernels (METHODS.md §7) on float64 arrays, scalar 3.0. Each
// function does one pass over [lo, hi); bytes is what STREAM counts per
// element (reads + writes, no write-allocate traffic).
const streamScalar = 3.0

type streamKernel struct {
	name  string
	bytes int64
	run   func(a, b, c []float64)
}

var streamKernels = []streamKernel{
	{"copy", 16, func(a, b, c []float64) {
		a = a[:len(c)]
		for j := range c {
			c[j] = a[j]
		}
	}},
	{"scale", 16, func(a, b, c []float64) {
		c = c[:len(b)]
		for j := range b {
			b[j] = streamScalar * c[j]
		}
	}},
	{"add", 24, func(a, b, c []float64) {
		a, b = a[:len(c)], b[:len(c)]
		for j := range c {
			c[j] = a[j] + b[j]
		}
	}},
	{"triad", 24, func(a, b, c []float64) {
		b, c = b[:len(a)], c[:len(a)]
		for j := range a {
			a[j] = b[j] + streamScalar*c[j]
		}
	}},
}

// streamArrays are STREAM's three arrays.
type streamArrays struct{ a, b, c []float64 }

// streamElements returns the array length: under quick and report each
// array is at least 4x the last-level cache and at least STREAM's default
// 10,000,000 elements; under smoke 1 Mi elements (8 MiB, in cache: smoke
// only checks that the code runs).
func streamElements() int {
	n := 10_000_000
	if llc, ok := lastLevelCache(); ok {
		n = max(n, int(4*llc/8))
	}
	return config.Pick(1<<20, n, n)
}

// newStreamArrays allocates the arrays and initialises them with the given
// number of threads (first touch, as STREAM does with OpenMP).
func newStreamArrays(n, threads int) *streamArrays {
	s := &streamArrays{a: make([]float64, n), b: make([]float64, n), c: make([]float64, n)}
	parallelChunks(n, threads, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			s.a[j], s.b[j], s.c[j] = 1, 2, 0.5
		}
	})
	return s
}

// parallelChunks splits [0, n) into threads contiguous chunks (OpenMP's
// schedule(static)) and runs f on each in its own goroutine.
func parallelChunks(n, threads int, f func(lo, hi int)) {
	if threads == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for t := range threads {
		lo, hi := n*t/threads, n*(t+1)/threads
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

// pass runs kernel k once over the arrays with the given threads.
func (s *streamArrays) pass(k streamKernel, threads int) {
	parallelChunks(len(s.a), threads, func(lo, hi int) {
		k.run(s.a[lo:hi], s.b[lo:hi], s.c[lo:hi])
	})
}

// goPasses runs n timed passes and returns their total and fastest time.
func (s *streamArrays) goPasses(k streamKernel, threads, n int) (total, best time.Duration) {
	best = time.Duration(1<<63 - 1)
	for range n {
		t0 := time.Now()
		s.pass(k, threads)
		dt := time.Since(t0)
		total += dt
		best = min(best, dt)
	}
	return total, best
}

// BenchmarkStream measures memory bandwidth with STREAM's four kernels, one
// op = one pass of the kernel over the arrays by all threads. B/s is the
// mean rate over the b.N passes; best-B/s is STREAM's "Best Rate" (the
// fastest pass). kernel=triad/impl=c runs the triad compiled from
// testdata/stream_triad.c, built with gcc -O3 -march=native -fopenmp (as
// STREAM's Makefile, which names -march=znver1), on the same arrays,
// alternating pass by pass with the Go triad; it also reports
// go/c-ratio, the Go triad's best rate over the C triad's in those
// alternating passes (the speed target is >= 0.8).
func BenchmarkStream(b *testing.B) {
	n := streamElements()
	threads := upToCPUs(runtime.NumCPU())
	if config.MustProfile() == config.Smoke {
		threads = []int{1}
	}
	var arrays *streamArrays
	get := func() *streamArrays {
		if arrays == nil {
			arrays = newStreamArrays(n, runtime.NumCPU())
			arrays.pass(streamKernels[3], runtime.NumCPU()) // warm-up pass
		}
		return arrays
	}
	b.Logf("STREAM arrays: 3 x %d float64 (%d MiB each)", n, n*8>>20)
	for _, k := range streamKernels {
		for _, t := range threads {
			b.Run(fmt.Sprintf("kernel=%s/impl=go/threads=%d", k.name, t), func(b *testing.B) {
				s := get()
				b.ResetTimer()
				total, best := s.goPasses(k, t, b.N)
				b.StopTimer()
				bytes := float64(k.bytes) * float64(n)
				b.ReportMetric(bytes*float64(b.N)/total.Seconds(), "B/s")
				b.ReportMetric(bytes/best.Seconds(), "best-B/s")
			})
		}
	}
	triad := streamKernels[3]
	var cTriad func(a, b, c *float64, n int64, threads int32)
	var cErr error
	parent := b
	for _, t := range threads {
		b.Run(fmt.Sprintf("kernel=triad/impl=c/threads=%d", t), func(b *testing.B) {
			if cTriad == nil && cErr == nil {
				// Built under the parent so that the library outlives this
				// sub-benchmark's cleanups.
				cTriad, cErr = loadStreamC(parent)
			}
			if cErr != nil {
				b.Skip(cErr)
			}
			s := get()
			cPass := func() {
				cTriad(&s.a[0], &s.b[0], &s.c[0], int64(len(s.a)), int32(t))
			}
			cPass() // warm-up: OpenMP starts its threads
			// C and Go passes alternate, so both see the same machine
			// state; only the C passes are the ns/op and B/s of this line.
			var cTotal, cBest, goBest time.Duration = 0, 1<<63 - 1, 1<<63 - 1
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				cPass()
				dt := time.Since(t0)
				cTotal += dt
				cBest = min(cBest, dt)
				_, g := s.goPasses(triad, t, 1)
				goBest = min(goBest, g)
			}
			b.StopTimer()
			bytes := float64(triad.bytes) * float64(n)
			b.ReportMetric(float64(cTotal.Nanoseconds())/float64(b.N), "ns/op")
			b.ReportMetric(bytes*float64(b.N)/cTotal.Seconds(), "B/s")
			b.ReportMetric(bytes/cBest.Seconds(), "best-B/s")
			b.ReportMetric(cBest.Seconds()/goBest.Seconds(), "go/c-ratio")
		})
	}
	arrays = nil
}

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

// TestStreamKernels checks each Go kernel's arithmetic on a small array
// split over 3 threads.
func TestStreamKernels(t *testing.T) {
	s := newStreamArrays(1001, 3)
	want := map[string][3]float64{ // a, b, c after the kernel, from 1, 2, 0.5
		"copy":  {1, 2, 1},
		"scale": {1, 1.5, 0.5},
		"add":   {1, 2, 3},
		"triad": {3.5, 2, 0.5},
	}
	for _, k := range streamKernels {
		s = newStreamArrays(1001, 3)
		s.pass(k, 3)
		for _, j := range []int{0, 500, 1000} {
			if got := [3]float64{s.a[j], s.b[j], s.c[j]}; got != want[k.name] {
				t.Errorf("%s: element %d = %v, want %v", k.name, j, got, want[k.name])
			}
		}
	}
}

// TestStreamC builds and loads the C triad and checks its arithmetic on a
// small array over 3 threads (skipped without gcc and OpenMP).
func TestStreamC(t *testing.T) {
	f, err := loadStreamC(t)
	if err != nil {
		t.Skip(err)
	}
	s := newStreamArrays(1001, 3)
	for j := range s.c {
		s.c[j] = float64(j)
	}
	f(&s.a[0], &s.b[0], &s.c[0], int64(len(s.a)), 3)
	for j := range s.a {
		if want := 2 + 3*float64(j); s.a[j] != want {
			t.Fatalf("a[%d] = %v, want %v", j, s.a[j], want)
		}
	}
}
