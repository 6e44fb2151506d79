package cpu_bench

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
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

// runWorkers runs b.N operations spread over n goroutines; worker w calls
// op(w) for each operation it takes. It returns the first error.
func runWorkers(n, total int, op func(w int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				if err := op(w); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runEach runs op(w) exactly per times on each of n goroutines, as 7-Zip's
// benchmark gives every thread the same work. It returns the errors joined.
func runEach(n, per int, op func(w int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range n {
		wg.Go(func() {
			for range per {
				if err := op(w); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func TestUpToCPUs(t *testing.T) {
	for n, want := range map[int]string{1: "[1]", 2: "[1 2]", 6: "[1 2 4 6]", 8: "[1 2 4 8]"} {
		if got := fmt.Sprint(upToCPUs(n)); got != want {
			t.Errorf("upToCPUs(%d) = %s, want %s", n, got, want)
		}
	}
}
