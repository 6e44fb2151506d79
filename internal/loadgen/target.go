package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/teebench/teebench/internal/config"
)

// Target is a parsed http or https URL ready for the raw HTTP/1.x client.
type Target struct {
	// URL is the URL as given, credentials redacted (config.RedactURL):
	// it is only ever printed.
	URL string
	// TLS is the client TLS config for https (nil for http).
	TLS *tls.Config
	// Addr is host:port to dial.
	Addr string
	// raw is the URL as given, credentials included, for Open's
	// net/http client (never printed).
	raw string
	// reqClose and reqKeep are the request bytes without and with
	// keep-alive.
	reqClose, reqKeep []byte
	// ra is Addr resolved once for dialRaw (as ab resolves its host once);
	// raErr is why it cannot be used (then net.Dialer dials).
	raOnce sync.Once
	ra     rawAddr
	raErr  error
}

// UserAgent is sent with every request.
const UserAgent = "teebench-loadgen/1 (ApacheBench/2.3 semantics)"

// NewTarget parses rawURL. For https, tlsConf is cloned and its ServerName
// set from the URL when empty; nil means the system roots with
// verification on.
func NewTarget(rawURL string, tlsConf *tls.Config) (*Target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("loadgen: target URL %q: %w", config.RedactURL(rawURL), err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("loadgen: target URL %q has no host", config.RedactURL(rawURL))
	}
	t := &Target{URL: config.RedactURL(rawURL), raw: rawURL}
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
		if tlsConf == nil {
			tlsConf = &tls.Config{}
		} else {
			tlsConf = tlsConf.Clone()
		}
		if tlsConf.ServerName == "" {
			tlsConf.ServerName = u.Hostname()
		}
		tlsConf.NextProtos = []string{"http/1.1"}
		t.TLS = tlsConf
	default:
		return nil, fmt.Errorf("loadgen: target URL %q: scheme %q is not http or https", t.URL, u.Scheme)
	}
	t.Addr = net.JoinHostPort(u.Hostname(), port)
	path := u.RequestURI()
	head := "GET " + path + " HTTP/1.0\r\nHost: " + u.Host + "\r\nUser-Agent: " + UserAgent + "\r\nAccept: */*\r\n"
	if u.User != nil { // credentials in the URL go as HTTP Basic, as net/http sends them
		pw, _ := u.User.Password()
		head += "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)) + "\r\n"
	}
	t.reqClose = []byte(head + "\r\n")
	t.reqKeep = []byte(head + "Connection: Keep-Alive\r\n\r\n")
	return t, nil
}

// errKind classifies a failed request into ab's categories.
type errKind int

const (
	kindConnect errKind = iota + 1
	kindReceive
	kindException
)

type reqError struct {
	kind errKind
	err  error
}

func (e *reqError) Error() string { return e.err.Error() }
func (e *reqError) Unwrap() error { return e.err }

// stream is what the raw client needs of a connection: a net.Conn, a
// *tls.Conn, or dialRaw's *os.File.
type stream interface {
	io.ReadWriteCloser
	SetDeadline(t time.Time) error
}

// conn is one client connection of the raw client.
type conn struct {
	c        stream
	br       *bufio.Reader
	deadline time.Time // read/write deadline in force
}

// timing is one request's ab timestamps.
type timing struct {
	start, connect, endwrite, beginread, done time.Time
	status                                    int
	bodyLen                                   int64
	read                                      int64
}

// dial connects (and, for https, completes the TLS handshake) within
// timeout. A TLS certificate verification failure is reported as such.
func (t *Target) dial(ctx context.Context, d *net.Dialer, timeout time.Duration, br *bufio.Reader) (*conn, error) {
	if t.TLS == nil {
		if ra, err := t.rawAddr(); err == nil {
			deadline := time.Now().Add(timeout)
			if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
				deadline = dl
			}
			f, err := dialRaw(ctx, ra, deadline)
			if err != nil {
				return nil, t.connectError(err)
			}
			if br == nil {
				br = bufio.NewReaderSize(f, 4096)
			} else {
				br.Reset(f)
			}
			return &conn{c: f, br: br, deadline: deadline}, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return nil, t.connectError(err)
	}
	if t.TLS != nil {
		tc := tls.Client(c, t.TLS)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, &reqError{kindConnect, tlsError(t.URL, err)}
		}
		c = tc
	}
	if br == nil {
		br = bufio.NewReaderSize(c, 4096)
	} else {
		br.Reset(c)
	}
	return &conn{c: c, br: br}, nil
}

// rawAddr returns Addr resolved once for raw dialling (dialRaw, the event
// loop), or why it cannot be used: then net.Dialer dials.
func (t *Target) rawAddr() (rawAddr, error) {
	t.raOnce.Do(func() { t.ra, t.raErr = resolveRaw(t.Addr) })
	return t.ra, t.raErr
}

// connectError is a failed connect to t, ab's Connect category.
func (t *Target) connectError(err error) *reqError {
	return &reqError{kindConnect, fmt.Errorf("connect to %s (%s): %w", t.URL, t.Addr, err)}
}

// isVerifyError reports whether err is a TLS certificate verification
// failure.
func isVerifyError(err error) bool {
	var (
		unk  x509.UnknownAuthorityError
		host x509.HostnameError
		inv  x509.CertificateInvalidError
		ver  *tls.CertificateVerificationError
	)
	return errors.As(err, &ver) || errors.As(err, &unk) || errors.As(err, &host) || errors.As(err, &inv)
}

// tlsError says plainly when err is a certificate verification failure.
func tlsError(u string, err error) error {
	if isVerifyError(err) {
		return fmt.Errorf("TLS certificate verification failed for %s (set TEEBENCH_NET_INSECURE=1 to skip verification): %w", u, err)
	}
	return fmt.Errorf("TLS handshake with %s: %w", u, err)
}

// do sends one request on cn (dialling first when cn is nil) and reads the
// response. It returns the connection when it may be reused, nil otherwise.
//
// ir, when not nil, is told of each connection, so that ctx being done
// ends a read that waits for a hung server.
func (t *Target) do(ctx context.Context, d *net.Dialer, cn *conn, keepAlive bool, timeout time.Duration, br *bufio.Reader, tm *timing, ir *interrupter) (*conn, error) {
	tm.start = time.Now()
	tm.connect = tm.start // a reused connection: Connect = 0, as in ab
	if cn == nil {
		var err error
		if cn, err = t.dial(ctx, d, timeout, br); err != nil {
			return nil, err
		}
		tm.connect = time.Now()
		ir.attach(cn.c)
	}
	// The deadline bounds each request by at least timeout/2 and at most
	// timeout: it is refreshed only when less than half of it is left,
	// which saves a deadline update per request on keep-alive connections.
	if cn.deadline.Sub(tm.connect) < timeout/2 {
		cn.deadline = tm.connect.Add(timeout)
		if dl, ok := ctx.Deadline(); ok && dl.Before(cn.deadline) {
			cn.deadline = dl
		}
		ir.setDeadline(cn.c, cn.deadline)
	}
	req := t.reqClose
	if keepAlive {
		req = t.reqKeep
	}
	if _, err := cn.c.Write(req); err != nil {
		cn.c.Close()
		return nil, &reqError{kindReceive, fmt.Errorf("write request to %s: %w", t.URL, err)}
	}
	tm.endwrite = time.Now()
	if _, err := cn.br.Peek(1); err != nil {
		cn.c.Close()
		return nil, &reqError{kindReceive, fmt.Errorf("read response from %s: %w", t.URL, err)}
	}
	tm.beginread = time.Now()
	reuse, err := readResponse(cn.br, keepAlive, tm)
	if err != nil {
		cn.c.Close()
		return nil, err
	}
	tm.done = time.Now()
	if reuse {
		return cn, nil
	}
	cn.c.Close()
	return nil, nil
}

// respHead is what the client takes from a response's status line and
// headers; both engines (the goroutine per connection's readResponse and
// the event loop) parse with it.
type respHead struct {
	status              int
	http11              bool
	length              int64 // Content-Length, -1 when absent
	connKeep, connClose bool  // Connection: keep-alive / close
}

// statusLine parses "HTTP/1.x NNN reason" into h.
func (h *respHead) statusLine(line []byte) error {
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return &reqError{kindException, fmt.Errorf("bad status line %q", trunc(line))}
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return &reqError{kindException, fmt.Errorf("bad status code in %q", trunc(line))}
	}
	*h = respHead{status: code, http11: line[7] == '1', length: -1}
	return nil
}

// header takes one non-empty header line into h.
func (h *respHead) header(line []byte) error {
	k, v, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return &reqError{kindException, fmt.Errorf("bad header line %q", trunc(line))}
	}
	v = bytes.TrimSpace(v)
	switch {
	case bytes.EqualFold(k, []byte("Content-Length")):
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < 0 {
			return &reqError{kindException, fmt.Errorf("bad Content-Length %q", trunc(v))}
		}
		h.length = n
	case bytes.EqualFold(k, []byte("Connection")):
		h.connKeep = bytes.EqualFold(v, []byte("keep-alive"))
		h.connClose = bytes.EqualFold(v, []byte("close"))
	case bytes.EqualFold(k, []byte("Transfer-Encoding")):
		if !bytes.EqualFold(v, []byte("identity")) {
			return &reqError{kindException, fmt.Errorf("Transfer-Encoding %q in answer to an HTTP/1.0 request", trunc(v))}
		}
	}
	return nil
}

// reusable reports whether the connection may carry the next request once
// the body (Content-Length bytes) is read: the client asked for keep-alive
// and the server keeps the connection open. Otherwise the body runs to the
// server's close.
func (h *respHead) reusable(keepAlive bool) bool {
	return keepAlive && h.length >= 0 && (h.connKeep || h.http11 && !h.connClose)
}

// interrupter ends the I/O of a worker's connection when the run's ctx
// is done: it moves the connection's deadline to the past (closing it
// would race with the worker's own close). Its methods do nothing on a nil
// interrupter.
type interrupter struct {
	mu   sync.Mutex
	c    stream
	done bool
}

// past is a deadline long gone: I/O on a connection given it fails at
// once with os.ErrDeadlineExceeded.
var past = time.Unix(1, 0)

// attach makes c the connection that fire interrupts, and interrupts it at
// once when fire already ran.
func (ir *interrupter) attach(c stream) {
	if ir == nil {
		return
	}
	ir.mu.Lock()
	defer ir.mu.Unlock()
	ir.c = c
	if ir.done {
		c.SetDeadline(past)
	}
}

// setDeadline sets c's deadline, unless fire ran, which a later deadline
// must not undo.
func (ir *interrupter) setDeadline(c stream, t time.Time) {
	if ir == nil {
		c.SetDeadline(t)
		return
	}
	ir.mu.Lock()
	defer ir.mu.Unlock()
	ir.c = c
	if ir.done {
		t = past
	}
	c.SetDeadline(t)
}

// fire interrupts the attached connection and every one attached later.
func (ir *interrupter) fire() {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	ir.done = true
	if ir.c != nil {
		ir.c.SetDeadline(past)
	}
}

// readResponse parses the status line and headers and reads the body:
// Content-Length bytes, or to EOF. Without keep-alive it then waits for the
// server to close, as ab does (so TIME_WAIT stays on the server side).
func readResponse(br *bufio.Reader, keepAlive bool, tm *timing) (reuse bool, err error) {
	line, err := readLine(br, tm)
	if err != nil {
		return false, &reqError{kindReceive, fmt.Errorf("read status line: %w", err)}
	}
	var h respHead
	if err := h.statusLine(line); err != nil {
		return false, err
	}
	tm.status = h.status
	for {
		line, err := readLine(br, tm)
		if err != nil {
			return false, &reqError{kindReceive, fmt.Errorf("read headers: %w", err)}
		}
		if len(line) == 0 {
			break
		}
		if err := h.header(line); err != nil {
			return false, err
		}
	}
	if h.length >= 0 {
		n, err := io.CopyN(io.Discard, br, h.length)
		tm.read += n
		tm.bodyLen = n
		if err != nil {
			return false, &reqError{kindReceive, fmt.Errorf("read body (%d of %d bytes): %w", n, h.length, err)}
		}
		if h.reusable(keepAlive) {
			return true, nil
		}
	}
	n, err := io.Copy(io.Discard, br) // to EOF: server closes
	tm.read += n
	if h.length < 0 {
		tm.bodyLen = n
	}
	if err != nil {
		return false, &reqError{kindReceive, fmt.Errorf("read to close: %w", err)}
	}
	return false, nil
}

// readLine reads one CRLF- or LF-terminated line without the terminator.
func readLine(br *bufio.Reader, tm *timing) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	tm.read += int64(len(line))
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("line longer than %d bytes", br.Size())
		}
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func trunc(b []byte) string {
	s := string(b)
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
