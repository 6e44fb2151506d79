// Package leftovertest starts the run that a leftover test then kills: the
// running test binary again, as a child process that runs one test, for
// the tests that check what a killed run leaves behind (io_bench's test
// directory, zk_bench's half-written cache entry) and that the next run
// removes it (internal/leftover).
package leftovertest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// StartChild runs test (a test function's name) of the running test binary
// in a child process, with env added to its environment (the child's
// branch of the test reads it), and waits up to wait for a line starting
// with prefix on the child's standard output. It returns the child, still
// running, and the rest of that line; the caller signals it and waits for
// it. When the child ends or wait passes first, the child is killed and t
// fails with the child's standard error. A non-nil stderr gets a copy of
// the child's standard error, complete once the caller's Wait returns.
func StartChild(t testing.TB, test string, env []string, prefix string, wait time.Duration, stderr io.Writer) (*exec.Cmd, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^"+test+"$")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if stderr != nil {
		cmd.Stderr = io.MultiWriter(&errOut, stderr)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				got <- rest
				break
			}
		}
		io.Copy(io.Discard, out)
		close(got)
	}()
	select {
	case rest, ok := <-got:
		if ok {
			return cmd, rest
		}
		cmd.Wait()
		t.Fatalf("%s: the child ended before printing %q:\n%s", test, prefix, errOut.String())
	case <-time.After(wait):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s: the child did not print %q within %s:\n%s", test, prefix, wait, errOut.String())
	}
	return nil, ""
}
