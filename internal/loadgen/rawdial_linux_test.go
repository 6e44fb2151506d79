package loadgen

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fullListener returns the address of a TCP listener with a backlog of
// one that never accepts, after filling its queue: a further connect
// stays in SYN-SENT (the kernel drops its SYNs).
func fullListener(t *testing.T) rawAddr {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	a := rawAddr{sa: sa, family: unix.AF_INET}
	for range 4 { // fill the accept queue; the later ones may hang: fine
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if f, err := dialRaw(ctx, a, time.Now().Add(time.Second)); err == nil {
			t.Cleanup(func() { f.Close() })
		}
		cancel()
	}
	return a
}

// hangingDial dials a, which should not complete, with ctx and deadline.
// A connect the kernel completes after all (a full queue does not drop
// every SYN on every kernel) is kept open, filling the queue further, and
// tried again; after 8 it skips.
func hangingDial(t *testing.T, a rawAddr, ctx context.Context, deadline time.Time) (time.Duration, error) {
	t.Helper()
	for range 8 {
		t0 := time.Now()
		f, err := dialRaw(ctx, a, deadline)
		if err != nil {
			return time.Since(t0), err
		}
		t.Cleanup(func() { f.Close() })
	}
	t.Skip("the kernel completed 8 connects to a full listener; nothing to interrupt")
	return 0, nil
}

// dialRaw's wait for the connection ends when ctx is done, well before the
// deadline, with ctx's error; and at the deadline with a timeout.
func TestDialRawInterrupted(t *testing.T) {
	a := fullListener(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	took, err := hangingDial(t, a, ctx, time.Now().Add(30*time.Second))
	if !errors.Is(err, context.Canceled) || took > 10*time.Second {
		t.Errorf("cancelled after 100ms: err %v after %v, want context.Canceled at once", err, took)
	}
	took, err = hangingDial(t, a, context.Background(), time.Now().Add(200*time.Millisecond))
	if !errors.Is(err, os.ErrDeadlineExceeded) || took > 10*time.Second {
		t.Errorf("deadline 200ms: err %v after %v, want a timeout", err, took)
	}
}
