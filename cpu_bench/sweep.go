package cpu_bench

import (
	"runtime"

	"github.com/teebench/teebench/internal/config"
)

// threadSweep is the thread counts of the compression benchmarks: the
// report's 1, 2, 4 ... 32 under the report profile, powers of two up to
// NumCPU (and NumCPU itself) under quick, 1 under smoke.
func threadSweep() []int {
	return config.Pick([]int{1}, upToCPUs(runtime.NumCPU()), []int{1, 2, 4, 8, 16, 32})
}

// upToCPUs returns 1, 2, 4 ... below n, then n.
func upToCPUs(n int) []int {
	var out []int
	for t := 1; t < n; t *= 2 {
		out = append(out, t)
	}
	return append(out, max(n, 1))
}

// dictSweep is the dictionary sizes (log2) of the compression benchmarks:
// the report's 22..25 under report, 22 otherwise.
func dictSweep() []int {
	return config.Pick([]int{22}, []int{22}, []int{22, 23, 24, 25})
}
