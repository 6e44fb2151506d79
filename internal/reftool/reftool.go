// Package reftool is the one way the suite runs the reference tools of the
// published report (7-Zip's 7zz, fio, ApacheBench's ab, wrk) and parses their
// output, so that each Go benchmark can be cross-checked against the tool in
// the same run.
//
// Lookup finds a tool on PATH (or says it is not installed, which benchmarks
// turn into b.Skip); Run executes it with a context, captures stdout and
// puts stderr into the error. Each tool's parser lives in its own file
// (sevenzip.go, fio.go, ab.go, wrk.go) and is tested on real captured output
// under testdata/.
package reftool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
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
// line and the last 2 KiB of standard error. The output measured so far is
// returned with the error, so nothing already printed is lost.
func Run(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		msg := stderr.Bytes()
		if len(msg) > 2048 {
			msg = msg[len(msg)-2048:]
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return stdout.Bytes(), fmt.Errorf("reftool: %s %s: %w: %s", path, strings.Join(args, " "), err, bytes.TrimSpace(msg))
	}
	return stdout.Bytes(), nil
}
