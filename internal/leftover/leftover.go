// Package leftover lets a run remove what a killed run of this suite left
// behind, and nothing else.
//
// A run that writes a large scratch directory (io_bench's test files,
// zk_bench's half-written cache entry) calls Mark first: it writes a marker
// file, MarkerName, into the directory, naming the kind of directory and
// the owning process (its pid and its start time, so that a reused pid
// does not look alive). A later run calls Sweep on the parent directory:
// it removes each directory that matches its name pattern, holds a marker
// of the same kind and whose owner is gone. A directory without a marker,
// with another kind's marker, or whose owner still runs (another run in
// parallel) is left alone, whatever its name.
package leftover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// MarkerName is the marker file Mark writes into a directory.
const MarkerName = ".teebench-owner"

// markerMagic starts every marker, so that no other file of that name is
// taken for one.
const markerMagic = "teebench leftover v1"

// Mark writes dir's marker: kind (a short word naming what the directory
// is, e.g. "io-bench-testdir") and the current process as its owner.
func Mark(dir, kind string) error {
	if kind == "" || strings.ContainsAny(kind, " \n") {
		return fmt.Errorf("leftover: kind %q: want one word", kind)
	}
	pid := os.Getpid()
	body := fmt.Sprintf("%s\nkind %s\npid %d\nstart %s\n", markerMagic, kind, pid, startTime(pid))
	if err := os.WriteFile(filepath.Join(dir, MarkerName), []byte(body), 0o644); err != nil {
		return fmt.Errorf("leftover: mark %s: %w", dir, err)
	}
	return nil
}

// owner is what a marker says.
type owner struct {
	kind  string
	pid   int
	start string
}

// readMarker parses dir's marker; ok is false when there is none or it is
// not one of ours.
func readMarker(dir string) (owner, bool) {
	b, err := os.ReadFile(filepath.Join(dir, MarkerName))
	if err != nil {
		return owner{}, false
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 4 || lines[0] != markerMagic {
		return owner{}, false
	}
	var o owner
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "kind":
			o.kind = v
		case "pid":
			o.pid, err = strconv.Atoi(v)
			if err != nil || o.pid <= 0 {
				return owner{}, false
			}
		case "start":
			o.start = v
		default:
			return owner{}, false
		}
	}
	return o, o.kind != "" && o.pid > 0
}

// alive reports whether the marker's owner still runs: a process with its
// pid exists and, where the system tells (Linux /proc), started when the
// owner did.
func (o owner) alive() bool {
	if err := syscall.Kill(o.pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if o.start == "" {
		return true
	}
	now := startTime(o.pid)
	return now == "" || now == o.start
}

// startTime returns the start time of process pid in clock ticks since
// boot (field 22 of /proc/<pid>/stat), or "" where it cannot be read.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), so field 22 is f[19].
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// Sweep removes the directories in parent whose names match pattern
// (filepath.Match) and whose marker says kind and an owner that is gone.
// It returns the paths it removed; an error names a directory it could not
// remove (the others are still tried). A missing parent is not an error.
func Sweep(parent, pattern, kind string) (removed []string, err error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("leftover: pattern %q: %w", pattern, err)
	}
	ents, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("leftover: %w", err)
	}
	var errs []error
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if ok, _ := filepath.Match(pattern, e.Name()); !ok {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		o, ok := readMarker(dir)
		if !ok || o.kind != kind || o.alive() {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("leftover: remove %s (left by pid %d): %w", dir, o.pid, err))
			continue
		}
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}
