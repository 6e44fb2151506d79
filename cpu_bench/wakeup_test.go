package cpu_bench

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkWakeup measures the cross-CPU wake-up round trip behind TDX's
// thread-scaling loss: two goroutines, each locked to an OS thread pinned
// to a different CPU, pass a token back and forth; one op = one round trip.
//
//	mech=chan   unbuffered Go channels (what Go programs do): each side's
//	            thread sleeps until the other wakes it
//	mech=futex  raw futex wait/wake: the kernel sleep + IPI + idle exit only
//	mech=spin   busy-waiting: the cache-line transfer only, no wake-up
//
// In a TD every IPI and idle HLT is a TD exit, so chan and futex grow
// while spin should not.
func BenchmarkWakeup(b *testing.B) {
	cpus, err := allowedCPUs()
	if err != nil {
		b.Skip(err)
	}
	if len(cpus) < 2 {
		b.Skipf("needs 2 CPUs, this process may use %v", cpus)
	}
	if p := runtime.GOMAXPROCS(0); p < 2 {
		// With one P the two sides take turns on it: chan never crosses
		// CPUs and spin waits for preemption (10 ms a turn).
		b.Skipf("needs GOMAXPROCS >= 2 for both sides to run at once, have %d", p)
	}
	for _, mech := range []struct {
		name string
		new  func() pingPong
	}{
		{"chan", func() pingPong { return &chanPingPong{make(chan struct{}), make(chan struct{})} }},
		{"futex", func() pingPong { return &futexPingPong{} }},
		{"spin", func() pingPong { return &spinPingPong{} }},
	} {
		b.Run("mech="+mech.name, func(b *testing.B) {
			if err := runPinned(b, cpus[0], cpus[1], mech.new()); err != nil {
				b.Skip(err)
			}
		})
	}
}

// TestPingPongs runs each mechanism for a few round trips between two
// unpinned goroutines: a mechanism that lost a wake-up would hang here.
func TestPingPongs(t *testing.T) {
	pps := []pingPong{
		&chanPingPong{make(chan struct{}), make(chan struct{})},
		&futexPingPong{},
	}
	if runtime.GOMAXPROCS(0) >= 2 { // spin needs both sides running at once
		pps = append(pps, &spinPingPong{})
	} else {
		t.Log("spin not run: GOMAXPROCS is 1")
	}
	for _, pp := range pps {
		pinged, ponged := make(chan struct{}), make(chan struct{})
		go func() { pp.pong(1000); close(ponged) }()
		go func() { pp.ping(1000); close(pinged) }()
		deadline := time.After(20 * time.Second)
		for _, ch := range []chan struct{}{pinged, ponged} {
			select {
			case <-ch:
			case <-deadline:
				t.Fatalf("%T: 1000 round trips did not finish within 20 s (a lost wakeup)", pp)
			}
		}
	}
}
