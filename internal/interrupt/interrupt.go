// Package interrupt is the suite's one SIGINT/SIGTERM handler. Code that
// owns something the process must not leave behind when interrupted (a
// test file, a reference tool's process group) registers a cleanup while it
// holds it. When a signal arrives while any cleanup is registered, the
// handler runs every registered cleanup, newest first (a tool using a file
// is stopped before the file is removed), then ends the process by the same
// signal with its default action, so that the parent sees an interrupted
// process (a shell reports 130 for SIGINT, 143 for SIGTERM).
//
// While nothing is registered the signals keep their default action.
package interrupt

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var (
	mu       sync.Mutex
	next     int
	cleanups = map[int]func(){}
	sigCh    chan os.Signal
	stopCh   chan struct{}
	// interrupted is closed when the handler starts running cleanups.
	interrupted = make(chan struct{})
)

// Register adds f to the cleanups run on SIGINT or SIGTERM. The returned
// function removes it again; call it when the thing f cleans up is gone.
// Calling it more than once is harmless.
func Register(f func()) (unregister func()) {
	mu.Lock()
	defer mu.Unlock()
	id := next
	next++
	cleanups[id] = f
	if sigCh == nil {
		sigCh = make(chan os.Signal, 1)
		stopCh = make(chan struct{})
		signal.Notify(sigCh, syscall.SIGINT, syscall.SIGTERM)
		go handle(sigCh, stopCh)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			delete(cleanups, id)
			if len(cleanups) == 0 && sigCh != nil {
				signal.Stop(sigCh)
				close(stopCh)
				sigCh, stopCh = nil, nil
			}
		})
	}
}

// Wait blocks for good when the process is being interrupted (the handler
// ends the process shortly) and returns at once otherwise. Code that sees
// an operation fail because an interrupt cancelled it calls Wait before
// reporting the failure, so that an interrupted run ends as interrupted
// instead of printing a failure for every job that never ran.
func Wait() {
	select {
	case <-interrupted:
		select {}
	default:
	}
}

func handle(ch chan os.Signal, stop chan struct{}) {
	var sig os.Signal
	select {
	case <-stop:
		return
	case sig = <-ch:
	}
	close(interrupted)
	// Newest first; a cleanup may unregister others (or itself).
	for {
		mu.Lock()
		best := -1
		for id := range cleanups {
			best = max(best, id)
		}
		var f func()
		if best >= 0 {
			f = cleanups[best]
			delete(cleanups, best)
		}
		mu.Unlock()
		if f == nil {
			break
		}
		f()
	}
	signal.Reset(sig)
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
		time.Sleep(time.Second)
	}
	os.Exit(130)
}
