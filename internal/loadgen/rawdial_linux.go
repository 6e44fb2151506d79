package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// rawAddr is a TCP address resolved for dialRaw.
type rawAddr struct {
	sa     unix.Sockaddr
	family int
}

// resolveRaw resolves host:port once for dialRaw; an error (a host that
// does not resolve, an IPv6 zone) leaves dialling to net.Dialer, which
// reports it per request as ab would.
func resolveRaw(hostport string) (rawAddr, error) {
	a, err := net.ResolveTCPAddr("tcp", hostport)
	if err != nil {
		return rawAddr{}, err
	}
	if a.Zone != "" {
		return rawAddr{}, fmt.Errorf("%s: IPv6 zone %q", hostport, a.Zone)
	}
	if ip4 := a.IP.To4(); ip4 != nil {
		return rawAddr{&unix.SockaddrInet4{Port: a.Port, Addr: [4]byte(ip4)}, unix.AF_INET}, nil
	}
	if ip6 := a.IP.To16(); ip6 != nil {
		return rawAddr{&unix.SockaddrInet6{Port: a.Port, Addr: [16]byte(ip6)}, unix.AF_INET6}, nil
	}
	return rawAddr{}, fmt.Errorf("%s: address %v is neither IPv4 nor IPv6", hostport, a)
}

// sockaddr returns a copy of a's address for one goroutine's use:
// unix.Connect writes the address's kernel form into the value it is
// given, so goroutines cannot share one.
func (a rawAddr) sockaddr() unix.Sockaddr {
	switch sa := a.sa.(type) {
	case *unix.SockaddrInet4:
		c := *sa
		return &c
	case *unix.SockaddrInet6:
		c := *sa
		return &c
	}
	return a.sa
}

// dialRaw opens a plain TCP connection to sa with the system calls ab
// makes (socket, a non-blocking connect, the poller's registration and a
// SO_ERROR check) and no more: net.Dialer adds getsockname, getpeername
// and a TCP_NODELAY setsockopt per connection, and allocations for the
// addresses it returns, which is a measurable part of the client's cost
// when every request is a new connection. The connection is an *os.File
// on the runtime's poller, with deadline as its read and write deadline;
// ctx being done interrupts the connect.
func dialRaw(ctx context.Context, a rawAddr, deadline time.Time) (*os.File, error) {
	fd, err := unix.Socket(a.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// On the poller before connect, as net does: the edge that says the
	// connection is up must come after the registration (epoll is
	// edge-triggered here), or the wait for it never ends.
	f := os.NewFile(uintptr(fd), "tcp")
	if err := f.SetDeadline(deadline); err != nil {
		f.Close()
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { f.SetDeadline(past) })
	defer stop()
	var cerr error
	started := false
	sa := a.sockaddr()
	werr := rc.Write(func(fd uintptr) bool {
		if !started {
			started = true
			err := unix.Connect(int(fd), sa)
			if errors.Is(err, unix.EINPROGRESS) {
				return false // wait until writable
			}
			if err != nil {
				cerr = os.NewSyscallError("connect", err)
			}
			return true
		}
		v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			cerr = os.NewSyscallError("getsockopt", err)
		case v == int(unix.EINPROGRESS) || v == int(unix.EALREADY) || v == int(unix.EINTR):
			return false
		case v != 0:
			cerr = os.NewSyscallError("connect", unix.Errno(v))
		}
		return true
	})
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		f.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, werr
	}
	return f, nil
}
