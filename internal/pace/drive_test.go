package pace

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// inflight counts concurrent calls and remembers the peak.
type inflight struct {
	now, peak atomic.Int64
}

func (f *inflight) enter() {
	n := f.now.Add(1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
}

func (f *inflight) leave() { f.now.Add(-1) }

// Closed sends every request exactly once with at most c in flight, and
// reaches c.
func TestClosed(t *testing.T) {
	const n, c = 40, 4
	var f inflight
	seen := make([]atomic.Int32, n)
	started := Closed(context.Background(), n, c, func(i int) {
		f.enter()
		defer f.leave()
		seen[i].Add(1)
		time.Sleep(2 * time.Millisecond)
	})
	if started != n {
		t.Errorf("started %d, want %d", started, n)
	}
	for i := range seen {
		if got := seen[i].Load(); got != 1 {
			t.Errorf("request %d sent %d times", i, got)
		}
	}
	if p := f.peak.Load(); p != c {
		t.Errorf("peak in flight %d, want %d", p, c)
	}
	if got := Closed(context.Background(), 3, 10, func(int) {}); got != 3 {
		t.Errorf("c > n: started %d, want 3", got)
	}
}

// A cancelled closed loop starts no further request, and what it reports
// started is exactly what was sent: requests 0 .. started-1.
func TestClosedCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	sent := map[int]bool{}
	started := Closed(ctx, 100, 2, func(i int) {
		mu.Lock()
		sent[i] = true
		mu.Unlock()
		switch {
		case i == 9:
			cancel()
		case i > 9:
			<-ctx.Done() // whatever the scheduling, no worker runs ahead
		}
	})
	if started < 10 || started > 11 {
		t.Errorf("started %d after cancelling at request 9, want 10..11", started)
	}
	for i := range started {
		if !sent[i] {
			t.Errorf("request %d reported started but not sent", i)
		}
	}
	if len(sent) != started {
		t.Errorf("%d requests sent, %d reported started", len(sent), started)
	}
}

// Open starts requests in order, not before their offsets, passes the
// intended times, and with a cap keeps at most maxInFlight in flight.
func TestOpen(t *testing.T) {
	at := []time.Duration{0, 5 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}
	var f inflight
	var mu sync.Mutex
	var order []int
	got := make([]time.Time, len(at))
	actual := make([]time.Time, len(at))
	start, started := Open(context.Background(), at, 2, func(i int, intended time.Time) {
		f.enter()
		defer f.leave()
		mu.Lock()
		order = append(order, i)
		got[i], actual[i] = intended, time.Now()
		mu.Unlock()
		time.Sleep(15 * time.Millisecond)
	})
	if started != len(at) {
		t.Fatalf("started %d, want %d", started, len(at))
	}
	for i := range at {
		if want := start.Add(at[i]); !got[i].Equal(want) {
			t.Errorf("request %d: intended %v, want start+%v", i, got[i].Sub(start), at[i])
		}
		if actual[i].Before(got[i]) {
			t.Errorf("request %d sent %v before its time", i, got[i].Sub(actual[i]))
		}
	}
	if p := f.peak.Load(); p > 2 {
		t.Errorf("peak in flight %d, want <= 2", p)
	}
	// Dispatch is in index order; with the cap, a request waits for a free
	// slot rather than overtaking one due earlier.
	for k := 1; k < len(order); k++ {
		if order[k] < order[k-1]-1 {
			t.Errorf("sent out of order: %v", order)
			break
		}
	}
}

// A cancelled open loop stops at once, even while waiting for a slot or a
// far arrival, and reports what it started.
func TestOpenCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	at := []time.Duration{0, 0, time.Hour}
	begin := time.Now()
	var sent atomic.Int32
	_, started := Open(ctx, at, 1, func(i int, _ time.Time) {
		sent.Add(1)
		if i == 0 {
			cancel() // request 1 is waiting for the slot, request 2 for an hour
		}
	})
	if started != int(sent.Load()) || started < 1 || started > 2 {
		t.Errorf("started %d, sent %d, want 1 or 2 and equal", started, sent.Load())
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("cancelled open loop took %v", d)
	}
}

// Run picks the loop from the Load and rejects a bad one.
func TestRun(t *testing.T) {
	var f inflight
	started, _, err := Run(context.Background(), Load{Concurrency: 3}, 12, func(int) {
		f.enter()
		defer f.leave()
		time.Sleep(2 * time.Millisecond)
	})
	if err != nil || started != 12 || f.peak.Load() != 3 {
		t.Errorf("closed: started %d, peak %d, err %v; want 12, 3, nil", started, f.peak.Load(), err)
	}
	f = inflight{}
	started, _, err = Run(context.Background(), Load{Rate: 1e9, MaxConcurrency: 2}, 12, func(int) {
		f.enter()
		defer f.leave()
		time.Sleep(2 * time.Millisecond)
	})
	if err != nil || started != 12 || f.peak.Load() > 2 {
		t.Errorf("open: started %d, peak %d, err %v; want 12, <= 2, nil", started, f.peak.Load(), err)
	}
	if _, _, err := Run(context.Background(), Load{Concurrency: 1, Rate: 1}, 1, func(int) {}); err == nil {
		t.Error("bad load: want an error")
	}
}
