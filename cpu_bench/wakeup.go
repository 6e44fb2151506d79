package cpu_bench

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// allowedCPUs returns the CPUs this process may run on, in order.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	var cpus []int
	for c := 0; c < len(set)*64; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// pinThread locks the calling goroutine to its OS thread and that thread to
// cpu. The goroutine must exit without unlocking, so that the runtime
// destroys the pinned thread instead of reusing it.
func pinThread(cpu int) error {
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pinning a thread to CPU %d: %w", cpu, err)
	}
	return nil
}

// A pingPong is one mechanism for passing a token between two threads:
// ping runs n round trips from the first thread, pong answers them from the
// second.
type pingPong interface {
	ping(n int)
	pong(n int)
}

// chanPingPong uses unbuffered channels: a blocked goroutine's locked thread
// sleeps in the kernel, so each hand-off is a Go scheduler hand-off plus a
// futex wake of the other thread.
type chanPingPong struct{ a, b chan struct{} }

func (c *chanPingPong) ping(n int) {
	for range n {
		c.a <- struct{}{}
		<-c.b
	}
}

func (c *chanPingPong) pong(n int) {
	for range n {
		<-c.a
		c.b <- struct{}{}
	}
}

// futexPingPong uses two sequence words and raw futex wait/wake: the
// kernel's sleep and cross-CPU wake-up (IPI, leaving idle) without the Go
// scheduler.
type futexPingPong struct{ a, b atomic.Uint32 }

func futex(w *atomic.Uint32, op int, val uint32) {
	// EAGAIN (the word changed) and EINTR just mean "look again".
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), uintptr(op|futexPrivate), uintptr(val), 0, 0, 0)
}

// waitFor sleeps until *w == want.
func waitFor(w *atomic.Uint32, want uint32) {
	for {
		v := w.Load()
		if v == want {
			return
		}
		futex(w, futexWait, v)
	}
}

func (f *futexPingPong) ping(n int) {
	for i := 1; i <= n; i++ {
		f.a.Store(uint32(i))
		futex(&f.a, futexWake, 1)
		waitFor(&f.b, uint32(i))
	}
}

func (f *futexPingPong) pong(n int) {
	for i := 1; i <= n; i++ {
		waitFor(&f.a, uint32(i))
		f.b.Store(uint32(i))
		futex(&f.b, futexWake, 1)
	}
}

// spinPingPong busy-waits on two sequence words: only the cache-line
// transfer between the CPUs, no sleep and no wake-up. The difference to
// futex is the cost of waking a sleeping CPU.
type spinPingPong struct{ a, b atomic.Uint32 }

func (s *spinPingPong) ping(n int) {
	for i := 1; i <= n; i++ {
		s.a.Store(uint32(i))
		for s.b.Load() != uint32(i) {
		}
	}
}

func (s *spinPingPong) pong(n int) {
	for i := 1; i <= n; i++ {
		for s.a.Load() != uint32(i) {
		}
		s.b.Store(uint32(i))
	}
}

// runPinned runs b.N round trips of pp between a thread pinned to cpu0 and
// one pinned to cpu1, timing only the round trips. Both goroutines exit
// (and their pinned threads with them) before it returns.
func runPinned(b *testing.B, cpu0, cpu1 int, pp pingPong) error {
	pingReady, pongReady := make(chan error, 1), make(chan error, 1)
	pingN, pongN := make(chan int, 1), make(chan int, 1)
	done := make(chan struct{}, 2)
	go func() {
		pongReady <- pinThread(cpu1)
		pp.pong(<-pongN)
		done <- struct{}{}
	}()
	go func() {
		pingReady <- pinThread(cpu0)
		pp.ping(<-pingN)
		done <- struct{}{}
	}()
	err := errors.Join(<-pingReady, <-pongReady)
	n := b.N
	if err != nil {
		n = 0 // let both goroutines return at once
	}
	b.ResetTimer()
	pongN <- n
	pingN <- n
	<-done
	<-done
	b.StopTimer()
	return err
}

const (
	futexWait    = 0
	futexWake    = 1
	futexPrivate = 128
)
