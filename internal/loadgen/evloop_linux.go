package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// loopAvailable says that this system has the event loop (epoll).
const loopAvailable = true

// loopScan is how often a loop looks for requests past their deadline; a
// timeout is detected within this of its time.
const loopScan = 10 * time.Millisecond

// slotState is where a loop's connection is in its request.
type slotState uint8

const (
	slotIdle       slotState = iota // no request: the loop's share of N is done
	slotConnecting                  // non-blocking connect in progress
	slotWriting                     // connected, request partly written
	slotHead                        // reading the status line and headers
	slotBody                        // reading the body (to its length or to close)
)

// slot is one connection of an event loop, ab's `struct connection`.
type slot struct {
	fd       int // -1: no connection
	state    slotState
	tm       timing
	deadline time.Time
	wrote    int      // request bytes written
	buf      []byte   // unparsed head bytes (a partial line), cap headBuf
	status   bool     // status line parsed
	head     respHead // parsed so far
	reuse    bool     // the connection carries the next request
	body     int64    // body bytes read
}

// headBuf bounds a status or header line, as the goroutine engine's
// bufio.Reader does.
const headBuf = 4096

// evloop is one event loop: ab's design (one thread, non-blocking sockets,
// epoll) with ab's system calls per request and none of the runtime's
// scheduling between them. Without keep-alive a request is socket,
// connect, write, read until the server closes, close; the registration
// goes with the descriptor, so there is no epoll_ctl to remove it.
type evloop struct {
	r   *closedRun
	one bool // run one request only (ab's first, alone)
	// reserved is how many requests were taken for this loop before it
	// started (one for each of its first connections).
	reserved int
	epfd     int
	slots    []slot
	events   []unix.EpollEvent
	scratch  []byte // body bytes are read here and dropped
	req      []byte
	sa       *rawSockaddr // the target's address
	active   int          // slots with a request in flight
	began    int          // requests this loop started
	tl       tally
}

// loop runs nslots connections on one event loop until N requests have
// been started and ended, or ctx is done (requests cut short are not
// counted); reserved requests were taken for it, for its first
// connections. It returns only the loop's own failures (epoll); a
// request's failure is counted by ab's rules.
func (r *closedRun) loop(nslots int, one bool, reserved int) error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	l := &evloop{
		r: r, one: one, epfd: epfd, reserved: reserved,
		slots:   make([]slot, nslots),
		events:  make([]unix.EpollEvent, nslots),
		scratch: make([]byte, 64<<10),
		req:     r.cl.Target.reqClose,
	}
	for i := range l.slots {
		l.slots[i].fd = -1
		l.slots[i].buf = make([]byte, 0, headBuf)
	}
	if l.sa, err = newRawSockaddr(r.cl.Target.ra.sa); err != nil {
		unix.Close(epfd)
		return err
	}
	if r.cl.KeepAlive {
		l.req = r.cl.Target.reqKeep
	}
	defer func() {
		for i := range l.slots {
			l.closeSlot(&l.slots[i])
		}
		unix.Close(epfd)
		r.merge(&l.tl)
	}()
	for i := range l.slots {
		l.active++
		l.next(&l.slots[i], i)
	}
	lastScan := time.Now()
	for l.active > 0 && !r.stopped() {
		wait := loopScan - time.Since(lastScan)
		n, err := unix.EpollWait(epfd, l.events, max(int(wait/time.Millisecond), 0)+1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return os.NewSyscallError("epoll_wait", err)
		}
		for _, ev := range l.events[:max(n, 0)] {
			i := int(ev.Fd)
			s := &l.slots[i]
			switch s.state {
			case slotConnecting:
				l.connected(s, i, ev.Events)
			case slotWriting:
				if !l.write(s, i) {
					l.next(s, i)
				}
			case slotHead, slotBody:
				if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
					l.readable(s, i)
				}
			}
		}
		if now := time.Now(); now.Sub(lastScan) >= loopScan {
			lastScan = now
			l.expire(now)
		}
	}
	return nil
}

// closeSlot closes s's connection, if any; closing also takes it off the
// epoll set.
func (l *evloop) closeSlot(s *slot) {
	if s.fd >= 0 {
		rawClose(s.fd)
		s.fd = -1
	}
}

// next starts the next request on slot i, trying again at once after a
// request that failed before it reached the poller (a refused socket).
// With none left the slot goes idle.
func (l *evloop) next(s *slot, i int) {
	for {
		if l.one && l.began > 0 || l.r.stopped() || !l.claim() {
			l.closeSlot(s)
			s.state = slotIdle
			l.active--
			return
		}
		l.began++
		if l.begin(s, i) {
			return
		}
	}
}

// claim takes the loop's next request: a reserved one, else one of N's.
func (l *evloop) claim() bool {
	if l.reserved > 0 {
		l.reserved--
		return true
	}
	return l.r.take()
}

// begin starts one request on s: on its kept connection, or on a new one.
// It returns false when the request already failed (counted).
func (l *evloop) begin(s *slot, i int) bool {
	s.tm = timing{start: time.Now()}
	s.tm.connect = s.tm.start // a reused connection: Connect = 0, as in ab
	s.deadline = s.tm.start.Add(l.r.timeout)
	if l.r.hasDL && l.r.dl.Before(s.deadline) {
		s.deadline = l.r.dl
	}
	if s.fd >= 0 {
		return l.write(s, i)
	}
	t := l.r.cl.Target
	fd, err := rawSocket(t.ra.family)
	if err != nil {
		l.finish(s, t.connectError(os.NewSyscallError("socket", err)), false)
		return false
	}
	s.fd = fd
	// Edge-triggered for both directions, registered once: the edge that
	// says the connect finished and those that say the answer came need
	// no epoll_ctl in between (ab modifies its pollset for each).
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(i)}
	if err := rawEpollAdd(l.epfd, fd, &ev); err != nil {
		l.finish(s, t.connectError(os.NewSyscallError("epoll_ctl", err)), false)
		return false
	}
	err = rawConnect(fd, l.sa)
	switch {
	case err == nil:
		s.tm.connect = time.Now()
		return l.write(s, i)
	case errors.Is(err, unix.EINPROGRESS):
		s.state = slotConnecting
		return true
	default:
		l.finish(s, t.connectError(os.NewSyscallError("connect", err)), false)
		return false
	}
}

// connected handles an event on a connecting socket: an error or hang-up
// is the connect's failure (SO_ERROR says which); writable means it is up.
func (l *evloop) connected(s *slot, i int, events uint32) {
	if events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		err := error(unix.ECONNREFUSED)
		if v, gerr := unix.GetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_ERROR); gerr != nil {
			err = os.NewSyscallError("getsockopt", gerr)
		} else if v != 0 {
			err = os.NewSyscallError("connect", unix.Errno(v))
		}
		l.done(s, i, l.r.cl.Target.connectError(err), false)
		return
	}
	if events&unix.EPOLLOUT == 0 {
		return
	}
	s.tm.connect = time.Now()
	if !l.write(s, i) {
		l.next(s, i)
	}
}

// write sends (the rest of) the request; the answer is awaited from the
// poller, with no read tried before it says so. It returns false when the
// request failed (counted; the caller starts the next).
func (l *evloop) write(s *slot, i int) bool {
	if s.state != slotWriting {
		s.wrote = 0
		s.state = slotWriting
	}
	for s.wrote < len(l.req) {
		n, err := rawWrite(s.fd, l.req[s.wrote:])
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return true // the rest when the poller says writable
		case err != nil:
			l.finish(s, &reqError{kindReceive, fmt.Errorf("write request to %s: %w", l.r.cl.Target.URL, os.NewSyscallError("write", err))}, false)
			return false
		}
		s.wrote += n
	}
	s.tm.endwrite = time.Now()
	s.state = slotHead
	s.buf = s.buf[:0]
	s.status = false
	s.body = 0
	return true
}

// readable reads what the socket holds, until it would block (the poller
// is edge-triggered) or the request ends.
func (l *evloop) readable(s *slot, i int) {
	for {
		b := l.scratch
		if s.state == slotHead {
			b = s.buf[len(s.buf):cap(s.buf)]
		}
		n, err := rawRead(s.fd, b)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return
		case err != nil:
			l.done(s, i, &reqError{kindReceive, fmt.Errorf("%s: %w", s.stage(l.r.cl.Target.URL), os.NewSyscallError("read", err))}, false)
			return
		case n == 0:
			l.eof(s, i)
			return
		}
		s.tm.read += int64(n)
		if s.tm.beginread.IsZero() {
			s.tm.beginread = time.Now()
		}
		if s.state == slotHead {
			s.buf = s.buf[:len(s.buf)+n]
			at, err := s.lines()
			if err != nil {
				l.done(s, i, err, false)
				return
			}
			if at < 0 {
				continue // head not complete
			}
			n = len(s.buf) - at // body bytes that came with the head
			s.state = slotBody
			s.reuse = s.head.reusable(l.r.cl.KeepAlive)
		}
		if done, err := s.bodyBytes(n); done || err != nil {
			l.done(s, i, err, err == nil)
			return
		}
	}
}

// stage says which part of the answer a read error cut, in the words of
// the goroutine engine's errors.
func (s *slot) stage(url string) string {
	switch {
	case s.tm.beginread.IsZero():
		return "read response from " + url
	case s.state == slotHead && !s.status:
		return "read status line"
	case s.state == slotHead:
		return "read headers"
	case s.head.length >= 0 && s.body < s.head.length:
		return fmt.Sprintf("read body (%d of %d bytes)", s.body, s.head.length)
	}
	return "read to close"
}

// lines parses the complete lines in s.buf. It returns the offset in
// s.buf where the body starts once the head's empty line is seen, or -1,
// keeping a partial line for the next read.
func (s *slot) lines() (int, error) {
	off := 0
	for {
		j := bytes.IndexByte(s.buf[off:], '\n')
		if j < 0 {
			break
		}
		line := bytes.TrimRight(s.buf[off:off+j], "\r\n")
		off += j + 1
		if !s.status {
			if err := s.head.statusLine(line); err != nil {
				return 0, err
			}
			s.status = true
			s.tm.status = s.head.status
			continue
		}
		if len(line) == 0 {
			return off, nil
		}
		if err := s.head.header(line); err != nil {
			return 0, err
		}
	}
	if off == 0 && len(s.buf) == cap(s.buf) {
		what := "read headers"
		if !s.status {
			what = "read status line"
		}
		return 0, &reqError{kindReceive, fmt.Errorf("%s: line longer than %d bytes", what, cap(s.buf))}
	}
	s.buf = s.buf[:copy(s.buf, s.buf[off:])]
	return -1, nil
}

// bodyBytes takes n more body bytes. It returns done when the answer is
// complete on a connection that carries the next request; otherwise the
// body runs to the server's close (eof).
func (s *slot) bodyBytes(n int) (done bool, err error) {
	if s.head.length < 0 {
		s.body += int64(n)
		return false, nil
	}
	take := min(int64(n), s.head.length-s.body)
	s.body += take
	if s.body < s.head.length || !s.reuse {
		return false, nil // past the length, the rest to close is read and counted, as the goroutine engine does
	}
	s.tm.bodyLen = s.body
	// Bytes past the length on a kept connection break HTTP/1.0: this
	// request fails (the goroutine engine would read them as the next
	// answer and fail that one; either way one request fails).
	if int64(n) > take {
		return true, &reqError{kindException, fmt.Errorf("%d bytes after the %d-byte body on a kept-alive connection", int64(n)-take, s.head.length)}
	}
	return true, nil
}

// eof handles the server's close: the end of an answer read to close, or
// an answer cut short.
func (l *evloop) eof(s *slot, i int) {
	if s.state == slotHead || s.head.length >= 0 && s.body < s.head.length {
		err := io.ErrUnexpectedEOF
		if s.tm.beginread.IsZero() {
			err = io.EOF
		}
		l.done(s, i, &reqError{kindReceive, fmt.Errorf("%s: %w", s.stage(l.r.cl.Target.URL), err)}, false)
		return
	}
	s.tm.bodyLen = s.body
	if s.head.length >= 0 {
		s.tm.bodyLen = s.head.length
	}
	l.done(s, i, nil, false)
}

// expire fails the requests past their deadline, as the goroutine
// engine's connection deadlines do.
func (l *evloop) expire(now time.Time) {
	t := l.r.cl.Target
	for i := range l.slots {
		s := &l.slots[i]
		if s.state == slotIdle || now.Before(s.deadline) {
			continue
		}
		err := &reqError{kindReceive, fmt.Errorf("read response from %s: %w", t.URL, os.ErrDeadlineExceeded)}
		switch s.state {
		case slotConnecting:
			err = t.connectError(os.ErrDeadlineExceeded)
		case slotWriting:
			err = &reqError{kindReceive, fmt.Errorf("write request to %s: %w", t.URL, os.ErrDeadlineExceeded)}
		}
		l.done(s, i, err, false)
	}
}

// finish ends s's request (err nil: answered), keeping the connection
// when keep says so, and counts it. A request cut short by ctx is not the
// target's failure and is not counted.
func (l *evloop) finish(s *slot, err error, keep bool) {
	if !keep || err != nil {
		l.closeSlot(s)
	}
	if err != nil && l.r.stopped() {
		return
	}
	s.tm.done = time.Now()
	l.tl.lastDone = s.tm.done
	l.r.record(&l.tl, &s.tm, err)
}

// done finishes s's request and starts the next.
func (l *evloop) done(s *slot, i int, err error, keep bool) {
	l.finish(s, err, keep)
	l.next(s, i)
}

// The loop's socket calls never block (the sockets are non-blocking), so
// they are made raw, without telling the scheduler: in a VM a system call
// can take longer than the 20 µs after which the runtime's monitor hands a
// P in a system call to another thread, and that hand-off and the loop's
// taking a P back cost futex calls and wake-ups per request (strace: 1.8k
// futex and 6.2k nanosleep calls for 5000 requests). Only epoll_wait, which
// waits, goes through the scheduler.

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func rawSocket(family int) (int, error) {
	fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, uintptr(family), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	return int(fd), errnoErr(e)
}

func rawConnect(fd int, sa *rawSockaddr) error {
	p, n := sa.ptr()
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(p), n)
	return errnoErr(e)
}

func rawRead(fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	return int(n), errnoErr(e)
}

func rawWrite(fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	return int(n), errnoErr(e)
}

func rawClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func rawEpollAdd(epfd, fd int, ev *unix.EpollEvent) error {
	_, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), unix.EPOLL_CTL_ADD, uintptr(fd), uintptr(unsafe.Pointer(ev)), 0, 0)
	return errnoErr(e)
}

// rawSockaddr is a TCP address in the kernel's form, for rawConnect.
type rawSockaddr struct {
	in4 unix.RawSockaddrInet4
	in6 unix.RawSockaddrInet6
	v6  bool
}

func newRawSockaddr(sa unix.Sockaddr) (*rawSockaddr, error) {
	r := &rawSockaddr{}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		r.in4.Family = unix.AF_INET
		p := (*[2]byte)(unsafe.Pointer(&r.in4.Port))
		p[0], p[1] = byte(a.Port>>8), byte(a.Port)
		r.in4.Addr = a.Addr
	case *unix.SockaddrInet6:
		r.v6 = true
		r.in6.Family = unix.AF_INET6
		p := (*[2]byte)(unsafe.Pointer(&r.in6.Port))
		p[0], p[1] = byte(a.Port>>8), byte(a.Port)
		r.in6.Addr = a.Addr
		r.in6.Scope_id = a.ZoneId
	default:
		return nil, fmt.Errorf("address %T is neither IPv4 nor IPv6", sa)
	}
	return r, nil
}

func (r *rawSockaddr) ptr() (unsafe.Pointer, uintptr) {
	if r.v6 {
		return unsafe.Pointer(&r.in6), unsafe.Sizeof(r.in6)
	}
	return unsafe.Pointer(&r.in4), unsafe.Sizeof(r.in4)
}
