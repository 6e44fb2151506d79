package cpu_bench

import (
	"fmt"
	"runtime"
	"testing"

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

func TestUpToCPUs(t *testing.T) {
	for n, want := range map[int]string{1: "[1]", 2: "[1 2]", 6: "[1 2 4 6]", 8: "[1 2 4 8]"} {
		if got := fmt.Sprint(upToCPUs(n)); got != want {
			t.Errorf("upToCPUs(%d) = %s, want %s", n, got, want)
		}
	}
}
