//go:build linux

package tee

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-tdx-guest/testing/testdata"
	"github.com/google/go-tdx-guest/verify"
	"golang.org/x/sys/unix"
)

// captureFD1 runs f with file descriptor 1 pointed at a pipe and returns what
// was written to it. go-tdx-guest's logger holds the *os.File that was
// os.Stdout at init, so only redirecting the descriptor itself catches it.
func captureFD1(t *testing.T, f func()) string {
	t.Helper()
	saved, err := unix.Dup(1)
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Dup2(int(w.Fd()), 1); err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	f()
	unix.Dup2(saved, 1)
	unix.Close(saved)
	w.Close()
	out := <-done
	r.Close()
	return out
}

// TestVerifyWritesNothingToStdout: result files and reports go to stdout, so
// verification must not log there. The control call (go-tdx-guest with its
// own embedded root) shows the capture works: it does log a warning.
func TestVerifyWritesNothingToStdout(t *testing.T) {
	control := captureFD1(t, func() {
		verify.RawTdxQuote(testdata.RawQuote, &verify.Options{Now: tdxSampleTime})
	})
	if !strings.Contains(control, "embedded Intel certificate") {
		t.Fatalf("control: go-tdx-guest printed %q; expected its embedded-root warning (capture broken?)", control)
	}
	q, _, err := ParseTDXQuote(testdata.RawQuote)
	if err != nil {
		t.Fatal(err)
	}
	got := captureFD1(t, func() {
		if err := VerifyTDXSignature(q, nil, tdxSampleTime); err != nil {
			t.Errorf("signature: %v", err)
		}
	})
	if got != "" {
		t.Errorf("VerifyTDXSignature wrote to stdout: %q", got)
	}
}
