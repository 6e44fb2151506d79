// Package stream holds STREAM's memory-bandwidth kernels (docs/methods.md §7):
// copy, scale, add and triad over three float64 arrays, each pass split into
// contiguous chunks across threads (OpenMP's schedule(static)). cpu_bench's
// BenchmarkStream reports them; llm_bench and internal/llmserver measure the
// all-core triad in their own process (Meter) as the denominator of
// bw-util-%, so both use the very same kernel.
package stream

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/workers"
)

// Scalar is STREAM's scalar (3.0).
const Scalar = 3.0

// Kernel is one of STREAM's kernels: Run does one pass over [0, len) of
// its arrays; Bytes is what STREAM counts per element (reads + writes, no
// write-allocate traffic).
type Kernel struct {
	// Name is copy, scale, add or triad.
	Name string
	// Bytes is the traffic STREAM counts per element.
	Bytes int64
	// Run does one pass of the kernel over the given array chunks.
	Run func(a, b, c []float64)
}

// Kernels are STREAM's four kernels, in STREAM's order.
var Kernels = []Kernel{
	{"copy", 16, func(a, b, c []float64) {
		a = a[:len(c)]
		for j := range c {
			c[j] = a[j]
		}
	}},
	{"scale", 16, func(a, b, c []float64) {
		c = c[:len(b)]
		for j := range b {
			b[j] = Scalar * c[j]
		}
	}},
	{"add", 24, func(a, b, c []float64) {
		a, b = a[:len(c)], b[:len(c)]
		for j := range c {
			c[j] = a[j] + b[j]
		}
	}},
	{"triad", 24, triad},
}

// triadBlock is how many elements one triadAVX2 call does: a pass stays
// preemptible between calls (an assembly loop is not), at no measurable
// cost (256 KiB per array per call).
const triadBlock = 1 << 15

// triad is STREAM's triad, a = b + Scalar*c. Where the CPU has AVX2 it runs
// 256-bit vectors (triad_amd64.s), as C compilers vectorise STREAM's loop:
// the Go compiler does not, and one thread of its scalar loop moved 0.89-0.92
// of the C triad's bytes (gcc -O3 -march=native, passes interleaved). The
// elements are bit for bit the scalar loop's (a multiply then an add, no
// FMA); the last len%16 are done in Go.
func triad(a, b, c []float64) {
	b, c = b[:len(a)], c[:len(a)]
	j := 0
	if hasAVX2 {
		for len(a)-j >= 16 {
			n := min(len(a)-j, triadBlock) &^ 15
			triadAVX2(&a[j], &b[j], &c[j], n, Scalar)
			j += n
		}
	}
	for ; j < len(a); j++ {
		a[j] = b[j] + Scalar*c[j]
	}
}

// Triad is the triad kernel (a = b + Scalar*c).
var Triad = Kernels[3]

// Arrays are STREAM's three arrays.
type Arrays struct{ A, B, C []float64 }

// Elements returns STREAM's array length for bandwidth figures: each array
// at least 4x the last-level cache and at least STREAM's default 10,000,000
// elements.
func Elements() int {
	n := 10_000_000
	if llc, ok := LastLevelCache(); ok {
		n = max(n, int(4*llc/8))
	}
	return n
}

// ProfileElements returns the array length for the current
// TEEBENCH_PROFILE: Elements() under quick and report; under smoke 1 Mi
// elements (8 MiB, in cache: smoke only checks that the code runs).
func ProfileElements() int {
	n := Elements()
	return config.Pick(1<<20, n, n)
}

// NewArrays allocates the arrays and initialises them (a=1, b=2, c=0.5)
// with the given number of threads (first touch, as STREAM does with
// OpenMP).
func NewArrays(n, threads int) *Arrays {
	s := &Arrays{A: make([]float64, n), B: make([]float64, n), C: make([]float64, n)}
	ParallelChunks(n, threads, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			s.A[j], s.B[j], s.C[j] = 1, 2, 0.5
		}
	})
	return s
}

// ParallelChunks splits [0, n) into threads contiguous chunks (OpenMP's
// schedule(static)) and runs f on each in its own goroutine.
func ParallelChunks(n, threads int, f func(lo, hi int)) {
	workers.Run(threads, func(t int) error {
		f(n*t/threads, n*(t+1)/threads)
		return nil
	})
}

// Pass runs kernel k once over the arrays with the given threads.
func (s *Arrays) Pass(k Kernel, threads int) {
	ParallelChunks(len(s.A), threads, func(lo, hi int) {
		k.Run(s.A[lo:hi], s.B[lo:hi], s.C[lo:hi])
	})
}

// Passes runs n timed passes and returns their total and fastest time.
func (s *Arrays) Passes(k Kernel, threads, n int) (total, best time.Duration) {
	best = time.Duration(1<<63 - 1)
	for range n {
		t0 := time.Now()
		s.Pass(k, threads)
		dt := time.Since(t0)
		total += dt
		best = min(best, dt)
	}
	return total, best
}

// Meter measures STREAM's triad with runtime.NumCPU() threads over arrays
// of ProfileElements() each, as cpu_bench's
// BenchmarkStream/kernel=triad/impl=go/threads=<NumCPU> does, one timed
// pass at a time, so that a benchmark can interleave passes with its own
// work and compare rates taken over the same stretch of time (on a shared
// machine, the bandwidth left to the process varies). Its arrays (3 x 80 MB
// or more, 3 x 8 MiB under smoke) are allocated on the first pass and kept
// until Release. The
// zero Meter is ready to use.
type Meter struct {
	s           *Arrays
	total, best time.Duration
	passes      int
}

// Pass runs one timed triad pass (the first call also allocates the arrays
// and runs one untimed warm-up pass).
func (m *Meter) Pass() {
	threads := runtime.NumCPU()
	if m.s == nil {
		m.s = NewArrays(ProfileElements(), threads)
		m.s.Pass(Triad, threads) // warm-up
	}
	total, best := m.s.Passes(Triad, threads, 1)
	if m.passes == 0 || best < m.best {
		m.best = best
	}
	m.total += total
	m.passes++
}

// Passes returns the number of timed passes since the last Reset.
func (m *Meter) Passes() int { return m.passes }

// Mean returns the triad's mean rate in bytes/s over the passes since the
// last Reset (cpu_bench's B/s); 0 before the first pass.
func (m *Meter) Mean() float64 {
	if m.passes == 0 {
		return 0
	}
	return float64(Triad.Bytes) * float64(len(m.s.A)) * float64(m.passes) / m.total.Seconds()
}

// Best returns STREAM's best rate in bytes/s (the fastest pass since the
// last Reset; cpu_bench's best-B/s); 0 before the first pass.
func (m *Meter) Best() float64 {
	if m.passes == 0 {
		return 0
	}
	return float64(Triad.Bytes) * float64(len(m.s.A)) / m.best.Seconds()
}

// Reset forgets the timed passes (the arrays are kept).
func (m *Meter) Reset() { m.total, m.best, m.passes = 0, 0, 0 }

// Release drops the arrays.
func (m *Meter) Release() {
	m.Reset()
	m.s = nil
}

// LastLevelCache returns the total size in bytes of the last-level cache
// (the highest cache level, each distinct cache counted once), read from
// sysfs; ok is false when sysfs does not say.
func LastLevelCache() (total int64, ok bool) {
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/cache/index[0-9]*")
	level := 0
	seen := map[string]int64{}
	for _, d := range dirs {
		read := func(f string) string {
			b, _ := os.ReadFile(filepath.Join(d, f))
			return strings.TrimSpace(string(b))
		}
		if read("type") == "Instruction" {
			continue
		}
		l, err := strconv.Atoi(read("level"))
		if err != nil {
			continue
		}
		size, err := ParseCacheSize(read("size"))
		if err != nil {
			continue
		}
		key := read("id") + "/" + read("shared_cpu_list")
		if l > level {
			level, seen = l, map[string]int64{}
		}
		if l == level {
			seen[key] = size
		}
	}
	for _, s := range seen {
		total += s
	}
	return total, total > 0
}

// ParseCacheSize parses sysfs cache sizes such as "32768K".
func ParseCacheSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cache size %q: %w", s, err)
	}
	return n * mult, nil
}
