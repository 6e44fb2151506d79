package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Spin is how long a Team member waits, busy, for the next loop before it
// parks. A decode step of an LLM runs dozens of parallel loops of a few
// hundred microseconds each back to back; parking between them costs a
// wake-up per loop (tens of microseconds where an idle vCPU must be
// woken), which is what a team that stays hot avoids.
const Spin = 200 * time.Microsecond

// Team is a set of goroutines kept between parallel loops, for loops too
// short to pay for starting goroutines: after a loop each member spins for
// up to Spin waiting for the next one (yielding its P whenever another
// goroutine is runnable) and only then parks, as OpenMP runtimes and
// llama.cpp's thread pool do. The zero Team is ready to use; its members
// start with its first parallel loop and live as long as the process.
//
// A Team runs one loop at a time: For called while another goroutine's
// loop runs falls back to goroutines of its own (correct, only slower).
type Team struct {
	mu      sync.Mutex // held by the goroutine whose loop runs
	members []*member

	gen     atomic.Uint64 // loop number; members run loop gen once
	fn      func(lo, hi int)
	n       int
	grain   int
	p       int          // goroutines taking part in the loop
	regions []region     // one per goroutine: the caller's, then the members'
	pending atomic.Int64 // members not done with loop gen
}

type member struct {
	index  int // of its region
	parked atomic.Bool
	wake   chan struct{}
}

// region is the chunks of a loop that one goroutine owns: [front, back)
// packed as front<<32 | back. The owner takes chunks from the front, in
// order, so its reads stay one sequential stream (what hardware
// prefetchers follow); a goroutine done with its own region takes chunks
// from the back of the others'.
type region struct {
	span atomic.Uint64
	_    [56]byte // a cache line of its own
}

// take removes the front chunk (back false) or the back one, returning -1
// when the region is empty.
func (r *region) take(back bool) int {
	for {
		s := r.span.Load()
		f, b := s>>32, s&0xffffffff
		if f >= b {
			return -1
		}
		next, c := (f+1)<<32|b, f
		if back {
			next, c = f<<32|(b-1), b-1
		}
		if r.span.CompareAndSwap(s, next) {
			return int(c)
		}
	}
}

// For runs fn over [0, n) in chunks of grain (the last one shorter) on
// up to p goroutines, the caller's among them, and returns when every
// chunk is done. Each goroutine owns a contiguous share of the chunks and
// runs them in order; one that finishes early takes chunks from the ends
// of the others' shares, so a goroutine slowed by other processes ends up
// with fewer, while every goroutine streams through memory in order.
func (t *Team) For(p, n, grain int, fn func(lo, hi int)) {
	if grain < 1 {
		grain = 1
	}
	chunks := (n + grain - 1) / grain
	if p <= 1 || chunks <= 1 {
		for lo := 0; lo < n; lo += grain {
			fn(lo, min(lo+grain, n))
		}
		return
	}
	if chunks >= 1<<32 || !t.mu.TryLock() { // a region packs chunk numbers in 32 bits
		forFresh(p, n, grain, fn)
		return
	}
	defer t.mu.Unlock()
	for len(t.members) < p-1 {
		m := &member{index: len(t.members) + 1, wake: make(chan struct{}, 1)}
		t.members = append(t.members, m)
		go t.serve(m, t.gen.Load())
	}
	if len(t.regions) < len(t.members)+1 { // the caller's, then one per member
		t.regions = make([]region, len(t.members)+1)
	}
	// The first p regions share the chunks; members beyond p-1 (left
	// from a loop that asked for more) find theirs empty and take none.
	for i := range t.regions {
		lo, hi := min(i, p)*chunks/p, min(i+1, p)*chunks/p
		t.regions[i].span.Store(uint64(lo)<<32 | uint64(hi))
	}
	t.fn, t.n, t.grain, t.p = fn, n, grain, p
	t.pending.Store(int64(len(t.members)))
	t.gen.Add(1) // publishes the loop to the members
	if testHookPublished != nil {
		testHookPublished()
	}
	for _, m := range t.members {
		if m.parked.CompareAndSwap(true, false) {
			m.wake <- struct{}{}
		}
	}
	t.work(0)
	for i := 0; t.pending.Load() != 0; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	t.fn = nil
}

// work runs the chunks of region own, then those left in the others; a
// member beyond the loop's p goroutines takes no part.
func (t *Team) work(own int) {
	if own >= t.p {
		return
	}
	for c := t.regions[own].take(false); c >= 0; c = t.regions[own].take(false) {
		t.fn(c*t.grain, min((c+1)*t.grain, t.n))
	}
	for i := 1; i < t.p; i++ {
		r := &t.regions[(own+i)%t.p]
		for c := r.take(true); c >= 0; c = r.take(true) {
			t.fn(c*t.grain, min((c+1)*t.grain, t.n))
		}
	}
}

// serve is a member's life: wait for a loop after seen, work on it, say so.
func (t *Team) serve(m *member, seen uint64) {
	for {
		seen = t.await(m, seen)
		t.work(m.index)
		t.pending.Add(-1)
	}
}

// await returns the number of the next loop after seen: it spins for up
// to Spin, then parks until For wakes it.
func (t *Team) await(m *member, seen uint64) uint64 {
	deadline := time.Now().Add(Spin)
	for i := 0; ; i++ {
		if g := t.gen.Load(); g != seen {
			return g
		}
		if i%64 == 63 {
			if time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
		}
	}
	for {
		m.parked.Store(true)
		if g := t.gen.Load(); g != seen && m.parked.CompareAndSwap(true, false) {
			return g // the loop began before For could see us parked
		}
		<-m.wake // For cleared parked and sent, after publishing a loop
		if g := t.gen.Load(); g != seen {
			return g
		}
		// A wake for the loop we have already done: For was descheduled
		// between publishing loop seen and waking us, and in that time we
		// saw the loop, ran it and parked again. Running it twice would
		// count us twice in pending and let For return before the others
		// are done; wait for the next one instead.
	}
}

// testHookPublished, set by tests only, runs in For after the loop is
// published and before the parked members are woken: where a descheduled
// caller would be.
var testHookPublished func()

// forFresh is For on goroutines started for this loop alone.
func forFresh(p, n, grain int, fn func(lo, hi int)) {
	var next atomic.Int64
	worker := func() {
		for {
			lo := int(next.Add(int64(grain))) - grain
			if lo >= n {
				return
			}
			fn(lo, min(lo+grain, n))
		}
	}
	var wg sync.WaitGroup
	for range p - 1 {
		wg.Go(worker)
	}
	worker()
	wg.Wait()
}
