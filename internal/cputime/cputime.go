// Package cputime measures the process's CPU time (user + system, all
// threads) against wall time. cpu_bench uses it for 7-Zip's Usage column
// (usage-%), internal/ioengine for io_bench's CPU time per I/O
// (cpu-ns/op), zk_bench for the CPU time per proof, net_bench for the CPU
// time of its target process (Of).
package cputime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process returns the CPU time (user + system) used so far by this process,
// from getrusage(RUSAGE_SELF).
func Process() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("cputime: getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// Children returns the CPU time (user + system) of this process's
// terminated and waited-for children, from getrusage(RUSAGE_CHILDREN):
// the reference tools (ab, wrk, fio) that reftool.Run has run.
func Children() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0, fmt.Errorf("cputime: getrusage children: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// Span is a started measurement of CPU and wall time.
type Span struct {
	cpu  time.Duration
	wall time.Time
}

// Start begins a Span.
func Start() Span {
	c, _ := Process() // getrusage(RUSAGE_SELF) does not fail on Linux
	return Span{cpu: c, wall: time.Now()}
}

// Stop returns the CPU time used and the wall time elapsed since Start.
func (s Span) Stop() (cpu, wall time.Duration) {
	c, _ := Process()
	return c - s.cpu, time.Since(s.wall)
}

// UsagePercent returns 100 * cpu / wall, 7-Zip's Usage: 100 means one busy
// core, 200 two. It returns 0 for a zero wall time.
func UsagePercent(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * float64(cpu) / float64(wall)
}

// Of returns the CPU time used so far by the live threads of process pid,
// summed from /proc/<pid>/task/*/schedstat (the scheduler's run time in
// nanoseconds, so without the 10 ms tick rounding of /proc/<pid>/stat).
// Threads that have exited are not counted; a Go process keeps its
// threads, so for net_bench's target processes that loses nothing.
func Of(pid int) (time.Duration, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("cputime: threads of process %d: %w", pid, err)
	}
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if errors.Is(err, os.ErrNotExist) {
			continue // the thread exited meanwhile
		}
		if err != nil {
			return 0, fmt.Errorf("cputime: %w", err)
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, fmt.Errorf("cputime: empty %s/%s/schedstat", dir, t.Name())
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cputime: %s/%s/schedstat: %w", dir, t.Name(), err)
		}
		sum += time.Duration(ns)
	}
	return sum, nil
}
