package workers

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkFor runs t.For(p, n, grain) and fails unless every index in [0, n)
// was covered exactly once, by chunks of at most grain.
func checkFor(tb testing.TB, team *Team, p, n, grain int) {
	tb.Helper()
	hits := make([]atomic.Int32, n)
	var bad atomic.Bool
	team.For(p, n, grain, func(lo, hi int) {
		if lo < 0 || hi > n || lo >= hi || hi-lo > max(grain, 1) {
			bad.Store(true)
			return
		}
		for i := lo; i < hi; i++ {
			hits[i].Add(1)
		}
	})
	if bad.Load() {
		tb.Errorf("For(p=%d, n=%d, grain=%d): a chunk out of range or longer than the grain", p, n, grain)
	}
	for i := range hits {
		if h := hits[i].Load(); h != 1 {
			tb.Errorf("For(p=%d, n=%d, grain=%d): index %d ran %d times", p, n, grain, i, h)
			return
		}
	}
}

// Every index runs exactly once, whatever p, n and grain; also after the
// members have parked (a pause longer than Spin), and with more members
// than a later loop asks for.
func TestTeamCovers(t *testing.T) {
	var team Team
	for _, p := range []int{1, 2, 3, 8} {
		for _, n := range []int{0, 1, 7, 64, 1000} {
			for _, grain := range []int{0, 1, 3, 64, 5000} {
				checkFor(t, &team, p, n, grain)
			}
		}
	}
	time.Sleep(5 * Spin)
	checkFor(t, &team, 4, 100, 1)
	checkFor(t, &team, 2, 100, 1)
}

// Loops from several goroutines at once: one runs on the team, the others
// on goroutines of their own, and all are complete.
func TestTeamConcurrentLoops(t *testing.T) {
	var team Team
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				checkFor(t, &team, 3, 257, 4)
			}
		})
	}
	wg.Wait()
}

// A goroutine done with its own share takes the rest of a slow one's from
// the back: with the first half of the chunks slow (the caller's share)
// and the second half instant (the member's), the member takes the
// caller's last chunk long before the caller could reach it.
func TestTeamSteals(t *testing.T) {
	var team Team
	const n = 40
	var order atomic.Int32
	started := make([]int32, n)
	team.For(2, n, 1, func(lo, hi int) {
		started[lo] = order.Add(1)
		if lo < n/2 {
			time.Sleep(2 * time.Millisecond)
		}
	})
	if started[n/2-1] > started[n/2-2] {
		t.Errorf("chunk %d ran after chunk %d (start order %v): nothing was taken from the back of the slow share", n/2-1, n/2-2, started)
	}
}
