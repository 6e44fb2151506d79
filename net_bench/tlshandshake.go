package net_bench

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/cputime"
	"github.com/teebench/teebench/internal/gateway"
)

// tlsChildEnv marks the re-executed test binary that serves the handshake
// target (TestTLSHandshakeChild); its value is the certificate kind.
const tlsChildEnv = "NET_BENCH_TLS_CHILD_CERT"

// kex is a TLS key exchange group and its name in benchmark names.
type kex struct {
	name string
	id   tls.CurveID
}

// kexes are BenchmarkTLSHandshake's key exchanges, Go's default
// (X25519MLKEM768, the hybrid post-quantum group the embedded proxy
// negotiates with every Go client) first.
var kexes = []kex{
	{"x25519mlkem768", tls.X25519MLKEM768},
	{"x25519", tls.X25519},
	{"p256", tls.CurveP256},
}

// startTLSChild starts the embedded target with a certificate of kind in
// a child process (this test binary re-executed), stopped when owner
// ends.
func startTLSChild(owner testing.TB, kind gateway.CertKind) (*gateway.Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run", "^TestTLSHandshakeChild$", "-test.bench", "^$")
	cmd.Env = append(os.Environ(), tlsChildEnv+"="+string(kind))
	ch, err := gateway.StartChild(cmd)
	if err != nil {
		return nil, err
	}
	owner.Cleanup(func() { ch.Close() })
	return ch, nil
}

// handshaker makes one client connection at a time to a handshake
// endpoint and checks what was negotiated.
type handshaker struct {
	addr   string
	cfg    *tls.Config
	kex    tls.CurveID
	resume bool
	dialer net.Dialer
}

func newHandshaker(ch *gateway.Child, kex tls.CurveID, resume bool) *handshaker {
	h := &handshaker{
		addr:   ch.HandshakeAddr,
		kex:    kex,
		resume: resume,
		cfg:    &tls.Config{RootCAs: ch.CertPool, MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{kex}},
		dialer: net.Dialer{Timeout: 5 * time.Second},
	}
	if resume {
		h.cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	}
	return h
}

// one makes one connection. With wantResume it fails unless the
// connection resumed, and without it unless it did not.
func (h *handshaker) one(wantResume bool) error {
	c, err := tls.DialWithDialer(&h.dialer, "tcp", h.addr, h.cfg)
	if err != nil {
		return fmt.Errorf("TLS handshake with %s: %w", h.addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return fmt.Errorf("%s: reading after the handshake: %w", h.addr, err)
	}
	st := c.ConnectionState()
	if st.CurveID != h.kex {
		return fmt.Errorf("%s: negotiated %v, asked for %v only", h.addr, st.CurveID, h.kex)
	}
	if st.DidResume != wantResume {
		return fmt.Errorf("%s: DidResume = %v, want %v", h.addr, st.DidResume, wantResume)
	}
	return c.Close()
}

func benchHandshakes(b *testing.B, ch *gateway.Child, kex tls.CurveID, resume bool) {
	h := newHandshaker(ch, kex, resume)
	// Warm-up outside the timer; with resume=on it stores the first
	// session ticket, so every timed connection resumes.
	if err := h.one(false); err != nil {
		b.Fatal(err)
	}
	settle()
	cpu0, err := cputime.Of(ch.Pid())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := h.one(resume); err != nil {
			b.Fatalf("connection %d of %d: %v", i+1, b.N, err)
		}
	}
	wall := time.Since(start)
	b.StopTimer()
	cpu1, err := cputime.Of(ch.Pid())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/wall.Seconds(), "handshakes/s")
	b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "server-cpu-ns/handshake")
}
