package zkcircuit

import (
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/math/emulated"
	"github.com/consensys/gnark/std/math/uints"
)

// Mod2048 parametrises gnark's emulated arithmetic for 2048-bit numbers
// with a variable modulus: 32 limbs of 64 bits. Its own modulus, 2^2048-1,
// is only a bound (it is not prime and never used as the modulus of an
// operation); the RSA modulus N is a circuit input passed to ModMul. The
// cost of ModMul depends on this type, not on N, which is why a 2048-bit type
// is half the cost of emparams.Mod1e4096.
type Mod2048 struct{}

// NbLimbs implements emulated.FieldParams.
func (Mod2048) NbLimbs() uint { return 32 }

// BitsPerLimb implements emulated.FieldParams.
func (Mod2048) BitsPerLimb() uint { return 64 }

// IsPrime implements emulated.FieldParams.
func (Mod2048) IsPrime() bool { return false }

// Modulus implements emulated.FieldParams: 2^2048-1.
func (Mod2048) Modulus() *big.Int {
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 2048), big.NewInt(1))
}

// RSABits is the size of the RSA modulus the RSA2048 circuit verifies.
const RSABits = 2048

// digestInfoSHA256 is the DER prefix of PKCS#1 v1.5's DigestInfo for SHA-256
// (RFC 8017 §9.2, note 1).
var digestInfoSHA256 = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// RSA2048Circuit proves that Signature is a valid RSA-2048 PKCS#1 v1.5
// signature, with e = 65537 and SHA-256, over Transcript under the public
// modulus N: Signature^65537 ≡ EM (mod N), where
// EM = 00 01 FF..FF 00 ‖ DigestInfo ‖ SHA-256(Transcript).
//
// The SHA-256 runs in-circuit, so the transcript and the signature stay
// secret: the statement is "N signed a transcript I know", the core of a
// zkTLS proof. The exponent is done as 16 squarings and one multiplication.
// Unlike crypto/rsa, the circuit does not also require Signature < N; any
// representative congruent to a valid signature is accepted.
type RSA2048Circuit struct {
	// Transcript is the signed message (secret).
	Transcript []uints.U8
	// Signature is the PKCS#1 v1.5 signature as a big-endian integer (secret).
	Signature emulated.Element[Mod2048]
	// N is the signer's RSA modulus (public).
	N emulated.Element[Mod2048] `gnark:",public"`
}

// Define implements frontend.Circuit.
func (c *RSA2048Circuit) Define(api frontend.API) error {
	f, err := emulated.NewField[Mod2048](api)
	if err != nil {
		return fmt.Errorf("rsa2048 circuit: %w", err)
	}
	bapi, err := uints.NewBytes(api)
	if err != nil {
		return fmt.Errorf("rsa2048 circuit: %w", err)
	}
	dg, err := sha256InCircuit(api, c.Transcript)
	if err != nil {
		return err
	}

	// s^65537 = s^(2^16) * s.
	x := &c.Signature
	for range 16 {
		x = f.ModMul(x, x, &c.N)
	}
	x = f.ModMul(x, &c.Signature, &c.N)

	// EM as 32 little-endian 64-bit limbs: limbs 0..3 carry the digest
	// (range-checked bytes, so each limb is < 2^64 by construction), the
	// rest is constant.
	em := encodedMessage(make([]byte, sha256.Size)) // digest bytes left zero
	nbLimbs := int(Mod2048{}.NbLimbs())
	digestLimbs := sha256.Size / 8
	limbs := make([]frontend.Variable, nbLimbs)
	for i := range limbs {
		be := em[len(em)-8*(i+1) : len(em)-8*i] // limb i, big-endian bytes
		if i >= digestLimbs {
			limbs[i] = binary.BigEndian.Uint64(be)
			continue
		}
		var v frontend.Variable = 0
		for j := range 8 {
			d := dg[sha256.Size-8*(i+1)+j]
			v = api.Add(api.Mul(v, 256), bapi.Value(d))
		}
		limbs[i] = v
	}
	f.ModAssertIsEqual(x, f.UnsafeFromLimbs(limbs), &c.N)
	return nil
}

// encodedMessage returns EMSA-PKCS1-v1_5's EM for a SHA-256 digest and a
// 2048-bit modulus (RFC 8017 §9.2).
func encodedMessage(digest []byte) []byte {
	em := make([]byte, RSABits/8)
	em[1] = 0x01
	t := append(append([]byte{}, digestInfoSHA256...), digest...)
	for i := 2; i < len(em)-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[len(em)-len(t):], t)
	return em
}

// NewRSA2048 signs transcript with key (PKCS#1 v1.5, SHA-256, via
// crypto/rsa) and returns the circuit's shape for len(transcript)-byte
// transcripts and the full assignment.
func NewRSA2048(key *rsa.PrivateKey, transcript []byte) (shape, assignment *RSA2048Circuit, err error) {
	if key == nil || key.N.BitLen() != RSABits || key.E != 65537 {
		return nil, nil, errors.New("zkcircuit: rsa2048 needs a 2048-bit RSA key with e = 65537")
	}
	if len(transcript) == 0 {
		return nil, nil, errors.New("zkcircuit: rsa2048 transcript is empty")
	}
	dg := sha256.Sum256(transcript)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, dg[:])
	if err != nil {
		return nil, nil, fmt.Errorf("zkcircuit: sign transcript: %w", err)
	}
	shape = &RSA2048Circuit{Transcript: make([]uints.U8, len(transcript))}
	assignment = RSA2048Assignment(&key.PublicKey, transcript, sig)
	return shape, assignment, nil
}

// RSA2048Assignment returns the full assignment for a given public key,
// transcript and signature, without checking them; tests use it to build
// tampered witnesses.
func RSA2048Assignment(pub *rsa.PublicKey, transcript, sig []byte) *RSA2048Circuit {
	return &RSA2048Circuit{
		Transcript: uints.NewU8Array(transcript),
		Signature:  emulated.ValueOf[Mod2048](new(big.Int).SetBytes(sig)),
		N:          emulated.ValueOf[Mod2048](pub.N),
	}
}

// TLS12ServerKeyExchangeLen is the length of the TLS 1.2 ECDHE_RSA signed
// parameters that TLS12ServerKeyExchange builds.
const TLS12ServerKeyExchangeLen = 32 + 32 + 1 + 2 + 1 + 32

// TLS12ServerKeyExchange returns the bytes a TLS 1.2 server signs in an
// ECDHE_RSA ServerKeyExchange with rsa_pkcs1_sha256 (RFC 5246 §7.4.3,
// RFC 8422 §5.4): ClientHello.random ‖ ServerHello.random ‖ ServerECDHParams
// (named_curve x25519 and the server's real X25519 public share). It is
// 100 bytes, two SHA-256 blocks.
func TLS12ServerKeyExchange(rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	out := make([]byte, 64, TLS12ServerKeyExchangeLen)
	if _, err := io.ReadFull(rnd, out); err != nil {
		return nil, fmt.Errorf("zkcircuit: hello randoms: %w", err)
	}
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("zkcircuit: x25519 share: %w", err)
	}
	pub := priv.PublicKey().Bytes()
	out = append(out, 3, 0x00, 0x1d, byte(len(pub))) // named_curve, x25519, point length
	out = append(out, pub...)
	return out, nil
}
