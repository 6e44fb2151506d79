package cpu_bench

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/stream"
)

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
	// Under quick and report each array is at least 4x the last-level
	// cache and at least STREAM's default 10,000,000 elements; under smoke
	// 1 Mi elements (8 MiB, in cache: smoke only checks that the code runs).
	n := stream.ProfileElements()
	threads := upToCPUs(runtime.NumCPU())
	if config.MustProfile() == config.Smoke {
		threads = []int{1}
	}
	var arrays *stream.Arrays
	get := func() *stream.Arrays {
		if arrays == nil {
			arrays = stream.NewArrays(n, runtime.NumCPU())
			arrays.Pass(stream.Triad, runtime.NumCPU()) // warm-up pass
		}
		return arrays
	}
	b.Logf("STREAM arrays: 3 x %d float64 (%d MiB each)", n, n*8>>20)
	for _, k := range stream.Kernels { // STREAM's kernels live in internal/stream (llm_bench measures the same triad)
		for _, t := range threads {
			b.Run(fmt.Sprintf("kernel=%s/impl=go/threads=%d", k.Name, t), func(b *testing.B) {
				s := get()
				b.ResetTimer()
				total, best := s.Passes(k, t, b.N)
				b.StopTimer()
				bytes := float64(k.Bytes) * float64(n)
				b.ReportMetric(bytes*float64(b.N)/total.Seconds(), "B/s")
				b.ReportMetric(bytes/best.Seconds(), "best-B/s")
			})
		}
	}
	triad := stream.Triad
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
				cTriad(&s.A[0], &s.B[0], &s.C[0], int64(len(s.A)), int32(t))
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
				_, g := s.Passes(triad, t, 1)
				goBest = min(goBest, g)
			}
			b.StopTimer()
			bytes := float64(triad.Bytes) * float64(n)
			b.ReportMetric(float64(cTotal.Nanoseconds())/float64(b.N), "ns/op")
			b.ReportMetric(bytes*float64(b.N)/cTotal.Seconds(), "B/s")
			b.ReportMetric(bytes/cBest.Seconds(), "best-B/s")
			b.ReportMetric(cBest.Seconds()/goBest.Seconds(), "go/c-ratio")
		})
	}
	arrays = nil
}

// TestStreamC builds and loads the C triad and checks its arithmetic on a
// small array over 3 threads (skipped without gcc and OpenMP).
func TestStreamC(t *testing.T) {
	f, err := loadStreamC(t)
	if err != nil {
		t.Skip(err)
	}
	s := stream.NewArrays(1001, 3)
	for j := range s.C {
		s.C[j] = float64(j)
	}
	f(&s.A[0], &s.B[0], &s.C[0], int64(len(s.A)), 3)
	for j := range s.A {
		if want := 2 + 3*float64(j); s.A[j] != want {
			t.Fatalf("a[%d] = %v, want %v", j, s.A[j], want)
		}
	}
}
