package reftool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A cancelled Run kills the tool's whole process group: a child the tool
// forked (as fio forks a process per job) does not outlive it.
func TestRunKillsProcessGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// The shell prints its pid (the group's id), forks a sleeper and one
	// that leaves for a session of its own (as fio's job processes do),
	// prints that one's pid and waits.
	out, err := Run(ctx, "/bin/sh", "-c", `echo $$; sleep 30 & setsid sleep 31 & echo $!; wait`)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %v after its context ended", d)
	}
	var pgid, escaped int
	if _, perr := fmt.Sscan(string(out), &pgid, &escaped); perr != nil || pgid <= 0 || escaped <= 0 {
		t.Fatalf("output %q: %v", out, perr)
	}
	deadline := time.Now().Add(2 * time.Second)
	for alive(escaped) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(escaped) {
		syscall.Kill(escaped, syscall.SIGKILL)
		t.Errorf("process %d in its own session still alive after Run returned", escaped)
	}
	deadline = time.Now().Add(2 * time.Second)
	for syscall.Kill(-pgid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		syscall.Kill(-pgid, syscall.SIGKILL)
		t.Errorf("process group %d still has processes after Run returned: %v", pgid, err)
	}
}

// Run's error never carries the credentials of a URL on the command line.
func TestRunErrorRedacted(t *testing.T) {
	_, err := Run(context.Background(), "/bin/sh", "-c", "echo failing >&2; exit 3", "http://user:s3cret@127.0.0.1:1/x?token=t")
	if err == nil {
		t.Fatal("no error")
	}
	for _, leak := range []string{"s3cret", "token=t"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q holds %q", err, leak)
		}
	}
	if !strings.Contains(err.Error(), "http://REDACTED@127.0.0.1:1/x?token=REDACTED") || !strings.Contains(err.Error(), "failing") {
		t.Errorf("error %q", err)
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}
