package gateway

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"
)

// The handshake endpoint answers one byte after the handshake, with the
// requested certificate kind, and a client with a session cache resumes
// on its second connection.
func TestHandshakeEndpoint(t *testing.T) {
	for _, kind := range CertKinds {
		g, err := StartWith(Options{Cert: kind})
		if err != nil {
			t.Fatal(err)
		}
		cfg := &tls.Config{RootCAs: g.CertPool, MinVersion: tls.VersionTLS13, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
		for i, wantResume := range []bool{false, true} {
			c, err := tls.Dial("tcp", g.HandshakeAddr, cfg)
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			var b [1]byte
			if _, err := io.ReadFull(c, b[:]); err != nil || b[0] != 'k' {
				t.Errorf("%s: read %q, %v", kind, b, err)
			}
			st := c.ConnectionState()
			c.Close()
			if st.DidResume != wantResume {
				t.Errorf("%s connection %d: DidResume %v, want %v", kind, i, st.DidResume, wantResume)
			}
			if st.CurveID != tls.X25519MLKEM768 {
				t.Errorf("%s: key exchange %v, want Go's default X25519MLKEM768", kind, st.CurveID)
			}
			if i == 0 {
				switch pub := st.PeerCertificates[0].PublicKey.(type) {
				case *ecdsa.PublicKey:
					if kind != CertECDSAP256 || pub.Curve.Params().Name != "P-256" {
						t.Errorf("%s: got an ECDSA %s key", kind, pub.Curve.Params().Name)
					}
				case *rsa.PublicKey:
					if kind != CertRSA2048 || pub.N.BitLen() != 2048 {
						t.Errorf("%s: got an RSA-%d key", kind, pub.N.BitLen())
					}
				default:
					t.Errorf("%s: key type %T", kind, pub)
				}
			}
		}
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := StartWith(Options{Cert: "dsa-1024"}); err == nil || !strings.Contains(err.Error(), `unknown certificate kind "dsa-1024"`) {
		t.Errorf("bad kind: %v", err)
	}
}
