package zkcircuit

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
	"github.com/consensys/gnark/test"
)

// The tests run the circuits in gnark's test engine (test.IsSolved): it
// evaluates every constraint on the assignment without compiling or setting
// up, so a rejected witness is a real unsatisfied constraint, at a fraction
// of a proof's cost.

var field = ecc.BN254.ScalarField()

var testKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, RSABits)
})

func key(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := testKey()
	if err != nil {
		t.Fatalf("rsa.GenerateKey: %v", err)
	}
	return k
}

func TestSHA256(t *testing.T) {
	for _, n := range []int{1, 55, 56, 64, 100} { // one block, padding edge, two blocks
		msg := bytes.Repeat([]byte{0xa5}, n)
		msg[0] = byte(n)
		shape, a, err := NewSHA256(msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := test.IsSolved(shape, a, field); err != nil {
			t.Errorf("len %d: valid preimage rejected: %v", n, err)
		}
		// Tampered message, same digest: must be rejected.
		_, bad, _ := NewSHA256(msg)
		msg2 := append([]byte{}, msg...)
		msg2[n-1] ^= 1
		_, a2, _ := NewSHA256(msg2)
		bad.Message = a2.Message
		if err := test.IsSolved(shape, bad, field); err == nil {
			t.Errorf("len %d: tampered message accepted", n)
		}
	}
}

func TestNewSHA256Empty(t *testing.T) {
	if _, _, err := NewSHA256(nil); err == nil {
		t.Fatal("empty message accepted")
	}
}

func TestTLS12ServerKeyExchange(t *testing.T) {
	a, err := TLS12ServerKeyExchange(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := TLS12ServerKeyExchange(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != TLS12ServerKeyExchangeLen {
		t.Fatalf("len = %d, want %d", len(a), TLS12ServerKeyExchangeLen)
	}
	if !bytes.Equal(a[64:68], []byte{3, 0, 0x1d, 32}) {
		t.Errorf("ECParameters = % x, want 03 00 1d 20", a[64:68])
	}
	if bytes.Equal(a, b) {
		t.Error("two transcripts are identical; randoms and shares must be fresh")
	}
}

func TestEncodedMessageMatchesCryptoRSA(t *testing.T) {
	k := key(t)
	dg := sha256.Sum256([]byte("transcript"))
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, dg[:])
	if err != nil {
		t.Fatal(err)
	}
	// Raw RSA: sig^e mod N must be exactly our EM.
	m := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(k.E)), k.N)
	got := m.FillBytes(make([]byte, RSABits/8))
	if want := encodedMessage(dg[:]); !bytes.Equal(got, want) {
		t.Fatalf("EM mismatch:\n got % x\nwant % x", got, want)
	}
}

func TestRSA2048(t *testing.T) {
	k := key(t)
	tr, err := TLS12ServerKeyExchange(nil)
	if err != nil {
		t.Fatal(err)
	}
	shape, valid, err := NewRSA2048(k, tr)
	if err != nil {
		t.Fatal(err)
	}
	dg := sha256.Sum256(tr)
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, dg[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, dg[:], sig); err != nil {
		t.Fatalf("crypto/rsa rejects its own signature: %v", err)
	}
	other, err := rsa.GenerateKey(rand.Reader, RSABits)
	if err != nil {
		t.Fatal(err)
	}

	flip := func(b []byte, i int) []byte {
		c := append([]byte{}, b...)
		c[i] ^= 0x01
		return c
	}
	cases := []struct {
		name   string
		a      frontend.Circuit
		accept bool
	}{
		{"valid", valid, true},
		{"valid-rebuilt", RSA2048Assignment(&k.PublicKey, tr, sig), true},
		{"tampered-signature-low-bit", RSA2048Assignment(&k.PublicKey, tr, flip(sig, len(sig)-1)), false},
		{"tampered-signature-high-byte", RSA2048Assignment(&k.PublicKey, tr, flip(sig, 1)), false},
		{"tampered-message", RSA2048Assignment(&k.PublicKey, flip(tr, 70), sig), false},
		{"tampered-message-first-byte", RSA2048Assignment(&k.PublicKey, flip(tr, 0), sig), false},
		{"other-key", RSA2048Assignment(&other.PublicKey, tr, sig), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := test.IsSolved(shape, c.a, field)
			if c.accept && err != nil {
				t.Fatalf("valid witness rejected: %v", err)
			}
			if !c.accept && err == nil {
				t.Fatal("invalid witness accepted")
			}
			if err != nil {
				t.Logf("rejected: %.200v", err)
			}
		})
	}
}

func TestNewRSA2048BadInput(t *testing.T) {
	if _, _, err := NewRSA2048(nil, []byte("x")); err == nil {
		t.Error("nil key accepted")
	}
	if _, _, err := NewRSA2048(key(t), nil); err == nil {
		t.Error("empty transcript accepted")
	}
}

// TestCompileSizes compiles both circuits to R1CS (Groth16) and SCS (PLONK)
// without any setup (about a second each) and checks their sizes against
// those measured with gnark v0.16.0 (docs/apis.md §6 and zk_bench's doc), so that a
// change in gnark's gadgets, or a circuit that is silently cheaper than it
// should be, shows up here before it shows up in benchmark results.
func TestCompileSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles two circuits of about 200k constraints")
	}
	shaShape, _, err := NewSHA256(make([]byte, 64))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := TLS12ServerKeyExchange(nil)
	if err != nil {
		t.Fatal(err)
	}
	rsaShape, _, err := NewRSA2048(key(t), tr)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		shape    frontend.Circuit
		plonk    bool
		min, max int
	}{
		{"sha256/64B/r1cs", shaShape, false, 150_000, 260_000},   // 200,599
		{"rsa2048/100B/r1cs", rsaShape, false, 200_000, 320_000}, // 242,034
		{"sha256/64B/scs", shaShape, true, 450_000, 750_000},     // 601,601
		{"rsa2048/100B/scs", rsaShape, true, 600_000, 950_000},   // 778,290
	} {
		var ccs constraint.ConstraintSystem
		var err error
		if c.plonk {
			ccs, err = frontend.Compile(field, scs.NewBuilder, c.shape)
		} else {
			ccs, err = frontend.Compile(field, r1cs.NewBuilder, c.shape)
		}
		if err != nil {
			t.Fatalf("%s: compile: %v", c.name, err)
		}
		n := ccs.GetNbConstraints()
		t.Logf("%s: %d constraints, %d public inputs", c.name, n, ccs.GetNbPublicVariables())
		if n < c.min || n > c.max {
			t.Errorf("%s: %d constraints, want %d..%d", c.name, n, c.min, c.max)
		}
	}
}

// Digest covers every file that defines a circuit: each non-test Go file
// of the package except doc.go and digest.go is embedded.
func TestDigestCoversSources(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "doc.go" || f == "digest.go" {
			continue
		}
		if _, err := source.ReadFile(f); err != nil {
			t.Errorf("%s defines circuits but is not in digest.go's go:embed list", f)
		}
	}
	if d := Digest(); len(d) != 64 || d != Digest() {
		t.Errorf("Digest() = %q", d)
	}
}
