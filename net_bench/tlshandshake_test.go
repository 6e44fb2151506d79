package net_bench

import (
	"crypto/tls"
	"os"
	"testing"

	"github.com/teebench/teebench/internal/gateway"
)

// TestTLSHandshakeChild is not a test: it is the body of the helper
// process that serves BenchmarkTLSHandshake's target.
func TestTLSHandshakeChild(t *testing.T) {
	kind := os.Getenv(tlsChildEnv)
	if kind == "" {
		t.Skip("helper process for BenchmarkTLSHandshake's target")
	}
	if err := gateway.ServeChildWith(os.Stdin, os.Stdout, gateway.Options{Cert: gateway.CertKind(kind)}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTLSHandshake measures TLS 1.3 connection setup against the
// embedded gateway's handshake endpoint (internal/gateway: the proxy's TLS
// termination without the proxying), in a child process of its own. One op
// = one new connection from one client, one at a time: TCP connect, the
// full handshake (verifying the server's certificate) or, with resume=on,
// a resumption from a session ticket (PSK with a fresh key exchange, no
// certificate), read one byte, close.
//
//	kex=x25519mlkem768|x25519|p256  the client's only key exchange group
//	                                (each op checks it was negotiated)
//	cert=ecdsa-p256|rsa-2048        the server's certificate key
//	resume=off|on                   each op checks DidResume
//
// Units: handshakes/s (ops over the timed wall time: a single client's
// rate, i.e. one over the latency; client and server share the machine)
// and server-cpu-ns/handshake, the server process's CPU time per
// connection (all its threads, from schedstat: the handshake plus TCP
// accept and close). vCPUs x 1e9 / server-cpu-ns/handshake is the most
// new TLS connections per second such a server could terminate, which the
// gateway's keepalive=off TLS rows can be set beside.
//
// The connection is loopback: no NIC and no bounce buffer is crossed, so
// in a TD this is the CPU and memory cost of TLS (the crypto, allocation,
// context switches), not the virtio path. It always uses the embedded
// target, also when TEEBENCH_NET_URL is set.
func BenchmarkTLSHandshake(b *testing.B) {
	needFiles(b, 16)
	for _, cert := range gateway.CertKinds {
		var ch *gateway.Child
		for _, kx := range kexes {
			for _, resume := range []bool{false, true} {
				k := handshakeCase{kex: kx, cert: cert, resume: resume}
				parent := b
				b.Run(k.name(), func(b *testing.B) {
					if ch == nil {
						// Started on first use (a -bench filter may leave
						// this certificate out), owned by the parent: the
						// sub-benchmark function runs more than once.
						var err error
						if ch, err = startTLSChild(parent, cert); err != nil {
							b.Fatal(err)
						}
					}
					benchHandshakes(b, ch, k.kex.id, k.resume)
				})
			}
		}
		if ch != nil {
			ch.Close()
		}
	}
}

// The handshaker's checks catch a connection that did not resume, or did
// when it should not, against the real child target.
func TestHandshakerChecks(t *testing.T) {
	ch, err := startTLSChild(t, gateway.CertECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandshaker(ch, tls.CurveP256, false)
	if err := h.one(false); err != nil {
		t.Fatal(err)
	}
	if err := h.one(true); err == nil {
		t.Error("resume=off: a connection that did not resume passed as resumed")
	}
	h = newHandshaker(ch, tls.X25519MLKEM768, true)
	if err := h.one(true); err == nil {
		t.Error("resume=on: the first connection (nothing cached) passed as resumed")
	}
	if err := h.one(true); err != nil {
		t.Errorf("resume=on, second connection: %v", err)
	}
	if err := h.one(false); err == nil {
		t.Error("resume=on: a resumed connection passed as a full handshake")
	}
}
