package workers

import (
	"runtime"
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

// A member that sees a loop while For is held up between publishing it and
// waking the parked members (its goroutine descheduled, as on a machine
// with more Ps than free CPUs) runs the loop, parks again, and then gets
// For's wake. It must not run the loop a second time: it did, counted
// itself twice in pending, and a later For waited for ever (or returned
// before the others were done). Found as a hang of llmserver's
// tests at GOMAXPROCS=8 on 2 CPUs.
func TestTeamLateWake(t *testing.T) {
	var team Team
	const n = 64
	var done atomic.Int32
	fn := func(lo, hi int) { done.Add(int32(hi - lo)) }
	defer func() { testHookPublished = nil }()
	tested := 0
	for range 50 {
		team.For(2, n, 1, func(int, int) {}) // the member exists and spins
		done.Store(0)
		late := false
		testHookPublished = func() {
			// Wait for the member to take the loop on its own (it steals the
			// caller's share too), then for it to park again.
			deadline := time.Now().Add(100 * time.Millisecond)
			for done.Load() < n && time.Now().Before(deadline) {
				runtime.Gosched()
			}
			if late = done.Load() == n; late {
				time.Sleep(4 * Spin)
			}
		}
		returned := make(chan struct{})
		go func() {
			team.For(2, n, 1, fn)
			close(returned)
		}()
		select {
		case <-returned:
		case <-time.After(10 * time.Second):
			t.Fatal("For did not return in 10 s after a late wake: the member ran the loop twice and pending went below zero")
		}
		testHookPublished = nil
		if got := done.Load(); got != n {
			t.Fatalf("%d of %d indexes ran", got, n)
		}
		// The member, woken, must go back to waiting: not take the loop
		// again and count itself a second time.
		time.Sleep(time.Millisecond)
		if p := team.pending.Load(); p != 0 {
			t.Fatalf("pending is %d after the loop, want 0: the member counted itself twice", p)
		}
		if late {
			tested++
		}
	}
	if tested == 0 {
		t.Fatal("in 50 tries the member never took a loop before For woke it: the late wake was not tested")
	}
	t.Logf("late wakes tested: %d of 50", tested)
}
