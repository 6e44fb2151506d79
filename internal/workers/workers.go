// Package workers is the suite's one worker pool: n goroutines started
// together, waited for, and their errors joined. cpu_bench spreads its
// operations over them (Each, Shared) and internal/stream its array chunks
// (Run). Team is the same for loops too short to start goroutines for
// (internal/llmserver's matrix-vector products, dozens per decoded
// token): goroutines kept hot between loops.
package workers

import (
	"errors"
	"sync"
	"sync/atomic"
)

// Run calls f(w) for each w in [0, n), each on a goroutine of its own
// (n == 1 on the calling goroutine), waits for all of them and returns
// their errors joined (nil when none failed).
func Run(n int, f func(w int) error) error {
	if n == 1 {
		return f(0)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range n {
		wg.Go(func() { errs[w] = f(w) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Each runs op(w) exactly per times on each of n workers, as 7-Zip's
// benchmark gives every thread the same work; a worker stops at its first
// error. It returns the errors joined.
func Each(n, per int, op func(w int) error) error {
	return Run(n, func(w int) error {
		for range per {
			if err := op(w); err != nil {
				return err
			}
		}
		return nil
	})
}

// Shared runs total operations spread over n workers: each takes the next
// operation as soon as it finished its last one, so a faster worker does
// more of them. A worker stops at its first error; the others finish the
// remaining operations. It returns the errors joined.
func Shared(n, total int, op func(w int) error) error {
	var next atomic.Int64
	return Run(n, func(w int) error {
		for next.Add(1) <= int64(total) {
			if err := op(w); err != nil {
				return err
			}
		}
		return nil
	})
}
