// Package gateway is net_bench's embedded default target: a small HTTP
// backend that answers GET /prpc/Version (the endpoint the reference report
// loads with ab) and a TLS-terminating TCP proxy in front of it, playing the
// role of the dstack gateway's tproxy. Both listen on loopback; the proxy's
// certificate is self-signed and made at Start (ECDSA P-256, or RSA-2048
// with StartWith), and Target.CertPool lets clients verify it. A third
// listener, the handshake endpoint, terminates TLS with the same
// certificate and proxies nothing (net_bench's BenchmarkTLSHandshake).
//
// When TEEBENCH_NET_URL names a real gateway, net_bench does not start this
// package at all.
package gateway

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// VersionPath is the path the backend answers, as in the report's ab command.
const VersionPath = "/prpc/Version"

// VersionBody is the JSON body of every 200 answer (fixed length, so ab's
// length check never fires).
const VersionBody = `{"version":"teebench-gateway/1","rev":"embedded"}` + "\n"

// Target is a running backend plus TLS proxy. Close stops both.
type Target struct {
	// DirectURL is the backend's plain-HTTP URL of VersionPath.
	DirectURL string
	// ProxyURL is the TLS proxy's https URL of VersionPath.
	ProxyURL string
	// CertPool holds the proxy's self-signed certificate, for verifying
	// clients.
	CertPool *x509.CertPool
	// HandshakeAddr is the host:port of the handshake endpoint (see
	// handshake.go), with the proxy's certificate.
	HandshakeAddr string

	cert     []byte // DER of the proxy's certificate
	backend  *http.Server
	backLn   net.Listener
	proxyLn  net.Listener
	hsLn     net.Listener
	proxyWG  sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
	serveErr chan error
}

// Start starts the backend and the proxy on 127.0.0.1 with kernel-chosen
// ports and a fresh self-signed ECDSA P-256 certificate for 127.0.0.1 and
// localhost.
func Start() (*Target, error) { return StartWith(Options{}) }

// StartWith is Start with options.
func StartWith(o Options) (*Target, error) {
	cert, pool, err := selfSigned(o.Cert)
	if err != nil {
		return nil, fmt.Errorf("gateway: make certificate: %w", err)
	}
	backLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("gateway: backend listen: %w", err)
	}
	proxyLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		backLn.Close()
		return nil, fmt.Errorf("gateway: proxy listen: %w", err)
	}
	hsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		backLn.Close()
		proxyLn.Close()
		return nil, fmt.Errorf("gateway: handshake listen: %w", err)
	}
	t := &Target{
		DirectURL: "http://" + backLn.Addr().String() + VersionPath,
		ProxyURL:  "https://" + proxyLn.Addr().String() + VersionPath,
		CertPool:  pool,
		cert:      cert.Certificate[0],
		backLn:    backLn,
		proxyLn:   tls.NewListener(proxyLn, &tls.Config{Certificates: []tls.Certificate{cert}}),
		hsLn:      tls.NewListener(hsLn, &tls.Config{Certificates: []tls.Certificate{cert}}),
		conns:     map[net.Conn]struct{}{},
		serveErr:  make(chan error, 1),
	}
	t.backend = &http.Server{
		Handler:           http.HandlerFunc(version),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	go func() { t.serveErr <- t.backend.Serve(backLn) }()
	t.HandshakeAddr = hsLn.Addr().String()
	t.proxyWG.Add(2)
	backend := backLn.Addr().String()
	go t.serve(t.proxyLn, func(c net.Conn) { t.splice(c, backend) })
	go t.serve(t.hsLn, t.handshake)
	return t, nil
}

// version answers GET VersionPath with VersionBody and everything else with
// 404.
func version(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != VersionPath || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(VersionBody)))
	io.WriteString(w, VersionBody)
}

// serve accepts connections on ln until it closes and runs handle on each
// in its own goroutine, tracked so that Close ends them all. Both TLS
// endpoints (the proxy and the handshake endpoint) run on it.
func (t *Target) serve(ln net.Listener, handle func(net.Conn)) {
	defer t.proxyWG.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary errors (EMFILE under overload): back off briefly.
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if !t.track(c, true) {
			c.Close()
			return
		}
		t.proxyWG.Add(1)
		go func() {
			defer t.proxyWG.Done()
			defer t.track(c, false)
			handle(c)
		}()
	}
}

// track adds or removes a proxied connection; it returns false once the
// target is closed.
func (t *Target) track(c net.Conn, add bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if add {
		if t.closed {
			return false
		}
		t.conns[c] = struct{}{}
		return true
	}
	delete(t.conns, c)
	return true
}

// splice terminates TLS on client and copies bytes both ways to a fresh
// TCP connection to the backend. When the backend closes (HTTP/1.0 without
// keep-alive), the client connection is closed too.
func (t *Target) splice(client net.Conn, backend string) {
	defer client.Close()
	tc := client.(*tls.Conn)
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.HandshakeContext(context.Background()); err != nil {
		return
	}
	tc.SetDeadline(time.Time{})
	quickAck(tc.NetConn())
	b, err := net.DialTimeout("tcp", backend, 5*time.Second)
	if err != nil {
		return
	}
	defer b.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(b, client) // client -> backend
		if bc, ok := b.(*net.TCPConn); ok {
			bc.CloseWrite()
		}
		close(done)
	}()
	io.Copy(client, b) // backend -> client; ends when the backend closes
	client.Close()
	<-done
}

// quickAck sends the ACK for the client's TLS Finished now instead of after
// the kernel's delayed-ACK timer (40 ms on Linux). Go's TLS 1.3 server sends
// its session tickets before it reads the client's Finished, so unlike
// OpenSSL or rustls servers it has nothing to send that would carry the ACK;
// a client that writes Finished and the request separately without
// TCP_NODELAY (ab does) then waits 40 ms in Nagle's algorithm on every new
// connection. That stall is an artifact of this embedded proxy, not of TLS
// termination, so it is removed here.
func quickAck(c net.Conn) {
	tcp, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tcp.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}

// Close stops the proxy (closing open proxied connections) and the backend.
func (t *Target) Close() error {
	t.mu.Lock()
	t.closed = true
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	err := t.proxyLn.Close()
	t.hsLn.Close()
	t.proxyWG.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if e := t.backend.Shutdown(ctx); e != nil {
		t.backend.Close()
	}
	if e := <-t.serveErr; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// selfSigned makes a certificate of kind (ECDSA P-256 when "") for
// 127.0.0.1, ::1 and localhost, valid for a day, and a pool that trusts
// it.
func selfSigned(kind CertKind) (tls.Certificate, *x509.CertPool, error) {
	key, err := newKey(kind)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "teebench embedded gateway"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
