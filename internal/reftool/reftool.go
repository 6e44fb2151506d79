// Package reftool is the one way the suite runs the reference tools of the
// published report (7-Zip's 7zz, fio, ApacheBench's ab, wrk) and parses their
// output, so that each Go benchmark can be cross-checked against the tool in
// the same run.
//
// Lookup finds a tool on PATH (or says it is not installed, which benchmarks
// turn into b.Skip); Run executes it with a context, captures stdout and
// puts stderr into the error. Each tool has a file of its own (sevenzip.go,
// fio.go, ab.go, wrk.go) holding its lookup, its command line (SevenZipBenchArgs,
// FioArgs, AbArgs, WrkArgs) and its output parser, tested on real captured
// output under testdata/.
package reftool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/interrupt"
)

// ErrNotInstalled is wrapped by Lookup's error when none of the names is on
// PATH.
var ErrNotInstalled = errors.New("not installed")

// Lookup returns the path of the first of names found on PATH. When none is
// found the error wraps ErrNotInstalled and lists the names tried, e.g.
// "7-Zip not installed (looked for 7zz, 7z on PATH)".
func Lookup(tool string, names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s %w (looked for %s on PATH)", tool, ErrNotInstalled, strings.Join(names, ", "))
}

// Run runs path with args until it exits or ctx is done and returns its
// standard output. A non-zero exit is an error that includes the command
// line (URLs redacted, see config.RedactText) and the last 2 KiB of
// standard error. The output measured so far is returned with the error,
// so nothing already printed is lost.
//
// The tool runs in a process group of its own, and the group and every
// descendant are killed when ctx is done or the test process is
// interrupted (SIGINT, SIGTERM; see internal/interrupt): fio forks a
// process per job and makes it a session leader of its own, which would
// otherwise outlive a killed parent and keep writing for the rest of its
// runtime.
func Run(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killTree(cmd.Process.Pid) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Start()
	if err == nil {
		pid := cmd.Process.Pid
		unregister := interrupt.Register(func() { killTree(pid) })
		err = cmd.Wait()
		unregister()
	}
	if err != nil {
		msg := stderr.Bytes()
		if len(msg) > 2048 {
			msg = msg[len(msg)-2048:]
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return stdout.Bytes(), &config.RedactedError{
			Msg: config.RedactText(fmt.Sprintf("reftool: %s %s: %v: %s", path, strings.Join(args, " "), err, bytes.TrimSpace(msg))),
			Err: err,
		}
	}
	return stdout.Bytes(), nil
}

// killTree kills the process group led by pid (a tool started by Run) and
// every descendant of pid, wherever it moved (a new session, a new group).
// The descendants are found first, then stopped (SIGSTOP: none can fork or
// exit-and-reparent meanwhile) and killed.
func killTree(pid int) error {
	pids := append([]int{pid}, descendants(pid)...)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGSTOP)
	}
	// Children forked before the stop.
	pids = append(pids, descendants(pid)...)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("reftool: killing process group %d: %w", pid, err)
	}
	return nil
}

// descendants returns the pids of every live descendant of pid, from
// /proc's parent links.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	kids := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			kids[pp] = append(kids[pp], p)
		}
	}
	var out []int
	for q := kids[pid]; len(q) > 0; {
		p := q[0]
		q = append(q[1:], kids[p]...)
		out = append(out, p)
	}
	return out
}

// splitUserinfo splits the credentials off a target URL for ab and wrk,
// which do not take them from the URL (ab rejects userinfo as an invalid
// URL): it returns the URL without userinfo and the HTTP Basic credentials
// (user:password, "" when none).
func splitUserinfo(raw string) (bare, userpass string) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw, ""
	}
	userpass = u.User.Username()
	if pw, ok := u.User.Password(); ok {
		userpass += ":" + pw
	}
	u.User = nil
	return u.String(), userpass
}

// parseCounts reads a comma-separated list of named counts, "name N" or
// "name: N" (ab's failure breakdown, wrk's socket errors), into the
// counters dst names; names dst lacks are ignored.
func parseCounts(list string, dst map[string]*int64) error {
	for _, part := range strings.Split(list, ",") {
		kv := strings.Fields(strings.Replace(part, ":", " ", 1))
		if len(kv) != 2 {
			return fmt.Errorf("bad part %q", part)
		}
		n, err := strconv.ParseInt(kv[1], 10, 64)
		if err != nil {
			return err
		}
		if p := dst[kv[0]]; p != nil {
			*p = n
		}
	}
	return nil
}

// Parsed returns what parse made of a reference tool's output, what
// naming it in messages ("ab output"). Output in a format the parser does
// not know (ErrOutputFormat: another version of the tool) skips tb with
// the reason, as a reference this suite cannot read is absent here; any
// other error fails tb.
func Parsed[T any](tb testing.TB, what string, out []byte, parse func([]byte) (T, error)) T {
	tb.Helper()
	v, err := parse(out)
	if errors.Is(err, ErrOutputFormat) {
		tb.Skipf("%s: %v", what, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
