package gateway

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net"
	"time"
)

// CertKind names the key type of the embedded target's certificate.
type CertKind string

// The certificate kinds net_bench's BenchmarkTLSHandshake compares.
const (
	CertECDSAP256 CertKind = "ecdsa-p256" // the default
	CertRSA2048   CertKind = "rsa-2048"
)

// CertKinds lists every CertKind, the default first.
var CertKinds = []CertKind{CertECDSAP256, CertRSA2048}

// Options configures StartWith.
type Options struct {
	// Cert is the key type of the proxy's certificate; "" is
	// CertECDSAP256.
	Cert CertKind
}

// newKey generates a private key of kind.
func newKey(kind CertKind) (crypto.Signer, error) {
	switch kind {
	case "", CertECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case CertRSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("unknown certificate kind %q (want %s or %s)", kind, CertECDSAP256, CertRSA2048)
}

// handshake serves one connection of the handshake endpoint, HandshakeAddr:
// it completes the TLS handshake (Go's defaults: TLS 1.3, the
// client's choice of key exchange, session tickets on), writes one byte,
// and closes once the client has closed. The byte lets the client read the
// session tickets the server sent after its Finished, so that a client
// with a session cache can resume. It measures what TLS termination costs
// the gateway per new connection without the proxying behind it.
func (t *Target) handshake(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write([]byte{'k'}); err != nil { // handshakes first
		return
	}
	io.Copy(io.Discard, c) // until the client closes
}
