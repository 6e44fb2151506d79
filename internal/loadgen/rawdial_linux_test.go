package loadgen

import (
	"context"
	"errors"
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

// dialRaw's wait for the connection ends when ctx is done, well before the
// deadline, with ctx's error; and at the deadline with a timeout.
func TestDialRawInterrupted(t *testing.T) {
	a := fullListener(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	t0 := time.Now()
	f, err := dialRaw(ctx, a, time.Now().Add(30*time.Second))
	if err == nil {
		f.Close()
		t.Skip("the kernel completed the connect to a full listener; nothing to interrupt")
	}
	if !errors.Is(err, context.Canceled) || time.Since(t0) > 10*time.Second {
		t.Errorf("cancelled after 100ms: err %v after %v, want context.Canceled at once", err, time.Since(t0))
	}
	t0 = time.Now()
	_, err = dialRaw(context.Background(), a, time.Now().Add(200*time.Millisecond))
	if err == nil || time.Since(t0) > 10*time.Second {
		t.Errorf("deadline 200ms: err %v after %v, want a timeout", err, time.Since(t0))
	}
}
