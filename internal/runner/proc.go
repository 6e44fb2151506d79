package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes this process the reaper of its orphaned
// descendants (PR_SET_CHILD_SUBREAPER), so that a process that left its
// package's process group and session (fio's job processes call setsid)
// and lost its parent is still found below this process.
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// procInfo is one process as /proc/<pid>/stat describes it.
type procInfo struct {
	pid, ppid, pgid int
	zombie          bool
}

// readProcs reads every process's parent, group and state.
func readProcs() map[int]procInfo {
	ps := map[int]procInfo{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 {
			continue
		}
		p := procInfo{pid: pid, zombie: f[0] == "Z" || f[0] == "X"}
		p.ppid, _ = strconv.Atoi(f[1])
		p.pgid, _ = strconv.Atoi(f[2])
		ps[pid] = p
	}
	return ps
}

// descendants returns the live processes below this one (children,
// theirs, and orphans reparented here) and the members of process group
// pgid (when not 0), wherever they moved.
func descendants(pgid int) []procInfo {
	ps := readProcs()
	me := os.Getpid()
	keep := map[int]bool{}
	for _, p := range ps {
		if p.pid != me && (p.ppid == me || pgid != 0 && p.pgid == pgid) {
			keep[p.pid] = true
		}
	}
	for more := true; more; {
		more = false
		for _, p := range ps {
			if !keep[p.pid] && keep[p.ppid] {
				keep[p.pid] = true
				more = true
			}
		}
	}
	var out []procInfo
	for pid := range keep {
		if !ps[pid].zombie {
			out = append(out, ps[pid])
		}
	}
	return out
}

// graceful is how long the processes of a package have to exit after
// SIGINT (the test binaries remove their files and stop their tools on
// it) before they get SIGKILL.
const graceful = 15 * time.Second

// stopAll stops process group pgid and every process below this one:
// SIGINT to all, SIGKILL to what is left after graceful. Zombies of
// orphans are reaped, except skip (a child whose exec.Cmd waits for it).
func stopAll(pgid, skip int) {
	sig := func(s unix.Signal) int {
		n := 0
		if pgid != 0 {
			if unix.Kill(-pgid, s) == nil {
				n++
			}
		}
		for _, p := range descendants(pgid) {
			// The group's members have it already: a second SIGINT could
			// reach a test binary after its handler has let go of it.
			if (pgid == 0 || p.pgid != pgid) && unix.Kill(p.pid, s) == nil {
				n++
			}
		}
		return n
	}
	if sig(unix.SIGINT) > 0 {
		for end := time.Now().Add(graceful); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			reap(skip)
			if len(descendants(pgid)) == 0 {
				break
			}
		}
		sig(unix.SIGKILL)
	}
	for range 20 {
		reap(skip)
		if len(descendants(pgid)) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reap collects the exit status of this process's zombie children other
// than skip (orphans reparented here by the subreaper).
func reap(skip int) {
	me := os.Getpid()
	for _, p := range readProcs() {
		if p.ppid == me && p.zombie && p.pid != skip {
			var ws unix.WaitStatus
			unix.Wait4(p.pid, &ws, unix.WNOHANG, nil)
		}
	}
}
