package zk_bench

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/kzg"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/plonk"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
	"github.com/consensys/gnark/logger"
	"github.com/consensys/gnark/test/unsafekzg"

	"github.com/teebench/teebench/internal/zkcircuit"
)

func init() { logger.Disable() } // gnark logs every compile and proof to stderr

// Backend names, as they appear in benchmark names (backend=<name>).
const (
	groth16Name = "groth16"
	plonkName   = "plonk"
)

// Circuit names, as they appear in benchmark names (circuit=<name>).
const (
	sha256Name  = "sha256"
	rsa2048Name = "rsa2048"
)

// plonkSRSNote is logged by every PLONK benchmark, so that the result file
// says which SRS the figures were measured with.
const plonkSRSNote = "PLONK uses gnark's unsafekzg test SRS (toxic waste known, generated in-process, srs-ns); " +
	"a production prover loads a ceremony SRS instead. Setup, proof and verification costs are those of a real SRS of the same size."

// spec names one system: a circuit of one size on one backend.
type spec struct {
	circuit string
	msgLen  int // bytes hashed in-circuit
	backend string
}

// name is the b.Run name: circuit=<c>/msg=<n>B/backend=<b>.
func (s spec) name() string {
	return fmt.Sprintf("circuit=%s/msg=%dB/backend=%s", s.circuit, s.msgLen, s.backend)
}

// proof is a gnark proof of either backend; WriteTo is its compressed encoding.
type proof interface{ io.WriterTo }

// system is one circuit compiled and set up on one backend, with a valid
// witness. It is built once per process (see load) and shared by every
// benchmark and every -count repetition.
type system struct {
	spec
	ccs     constraint.ConstraintSystem
	full    witness.Witness
	public  witness.Witness
	compile time.Duration // frontend.Compile
	srs     time.Duration // PLONK only: unsafekzg.NewSRS (test SRS)
	setup   time.Duration // groth16.Setup / plonk.Setup

	prove  func(witness.Witness) (proof, error)
	verify func(proof, witness.Witness) error
	pk, vk rawKey

	// cacheNote says where the system came from: loaded from the disk
	// cache, built and stored, or built because the cache entry was corrupt
	// (with the reason). Benchmarks log it.
	cacheNote string

	mu        sync.Mutex
	lastProof proof
}

// entry guards the one-time construction of a system.
type entry struct {
	once sync.Once
	sys  *system
	err  error
}

var systems sync.Map // spec -> *entry

// load returns the system for s, compiling and setting it up on first use.
// A failure is remembered, so a broken setup is not retried by every
// sub-benchmark and repetition.
func load(s spec) (*system, error) {
	v, _ := systems.LoadOrStore(s, new(entry))
	e := v.(*entry)
	e.once.Do(func() { e.sys, e.err = build(s) })
	return e.sys, e.err
}

// rsaKey is the signing key of the rsa2048 circuit: a real 2048-bit key,
// generated once per process.
var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, zkcircuit.RSABits)
})

// assign returns the shape and a valid assignment of s's circuit, on real
// data: a random message for sha256, a real TLS 1.2 ServerKeyExchange
// signed by a real RSA key for rsa2048.
func assign(s spec) (shape, assignment frontend.Circuit, err error) {
	switch s.circuit {
	case sha256Name:
		msg := make([]byte, s.msgLen)
		if _, err := rand.Read(msg); err != nil {
			return nil, nil, err
		}
		return zkcircuit.NewSHA256(msg)
	case rsa2048Name:
		if s.msgLen != zkcircuit.TLS12ServerKeyExchangeLen {
			return nil, nil, fmt.Errorf("rsa2048: msg=%dB requested, but its transcript (a TLS 1.2 ServerKeyExchange) is %d B", s.msgLen, zkcircuit.TLS12ServerKeyExchangeLen)
		}
		key, err := rsaKey()
		if err != nil {
			return nil, nil, fmt.Errorf("rsa2048: generate key: %w", err)
		}
		tr, err := zkcircuit.TLS12ServerKeyExchange(nil)
		if err != nil {
			return nil, nil, err
		}
		return zkcircuit.NewRSA2048(key, tr)
	}
	return nil, nil, fmt.Errorf("unknown circuit %q", s.circuit)
}

// build returns s's system: from the disk cache when it holds a valid
// entry, otherwise compiled and set up here (and stored in the cache).
func build(s spec) (*system, error) {
	shape, assignment, err := assign(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name(), err)
	}
	c, note := theCache()
	if c == nil {
		sys, err := buildCircuit(s, shape, assignment)
		if sys != nil {
			sys.cacheNote = note
		}
		return sys, err
	}
	return buildCached(c, s, zkcircuit.Digest(), shape, assignment)
}

// buildCached loads s's system from c (circuit digest digest), or builds it
// and stores it in c. A corrupt entry is never used: it is rebuilt and
// replaced, and the system's cacheNote says why.
func buildCached(c *diskCache, s spec, digest string, shape, assignment frontend.Circuit) (*system, error) {
	k := c.key(s, digest)
	t0 := time.Now()
	ccs, pk, vk, err := c.load(k)
	if err == nil {
		sys := &system{spec: s, ccs: ccs}
		if err := sys.witness(assignment); err != nil {
			return nil, err
		}
		if err := sys.bind(pk, vk); err != nil {
			return nil, err
		}
		sys.cacheNote = fmt.Sprintf("compiled circuit and keys loaded from the zk cache in %v (checksums verified): %s",
			time.Since(t0).Round(time.Millisecond), filepath.Join(c.dir, k.dirName()))
		return sys, nil
	}
	why := "not in the zk cache"
	if !errors.Is(err, errCacheMiss) {
		why = fmt.Sprintf("zk cache entry rejected, rebuilding: %v", err)
	}
	sys, err := buildCircuit(s, shape, assignment)
	if err != nil {
		return nil, err
	}
	if err := c.store(k, sys.ccs, sys.pk, sys.vk); err != nil {
		sys.cacheNote = fmt.Sprintf("%s; compiled and set up here; not stored: %v", why, err)
	} else {
		sys.cacheNote = fmt.Sprintf("%s; compiled and set up here and stored in %s", why, filepath.Join(c.dir, k.dirName()))
	}
	return sys, nil
}

// witness sets the full and public witnesses of sys from assignment.
func (sys *system) witness(assignment frontend.Circuit) error {
	var err error
	if sys.full, err = frontend.NewWitness(assignment, cacheCurve.ScalarField()); err != nil {
		return fmt.Errorf("%s: witness: %w", sys.name(), err)
	}
	if sys.public, err = sys.full.Public(); err != nil {
		return fmt.Errorf("%s: public witness: %w", sys.name(), err)
	}
	return nil
}

// bind sets sys's keys and its prove and verify functions.
func (sys *system) bind(pk, vk rawKey) error {
	var err error
	switch sys.backend {
	case groth16Name:
		err = bindKeys(sys, pk, vk, groth16.Prove, groth16.Verify)
	case plonkName:
		err = bindKeys(sys, pk, vk, plonk.Prove, plonk.Verify)
	default:
		return fmt.Errorf("%s: unknown backend %q", sys.name(), sys.backend)
	}
	if err != nil {
		return err
	}
	sys.pk, sys.vk = pk, vk
	return nil
}

// bindKeys sets sys's prove and verify functions to a backend's, whose
// key and proof types (PK, VK, P) pk, vk and the proofs must have.
func bindKeys[PK, VK any, P proof](sys *system, pk, vk rawKey,
	prove func(constraint.ConstraintSystem, PK, witness.Witness, ...backend.ProverOption) (P, error),
	verify func(P, VK, witness.Witness, ...backend.VerifierOption) error) error {
	kp, ok1 := pk.(PK)
	kv, ok2 := vk.(VK)
	if !ok1 || !ok2 {
		return fmt.Errorf("%s: keys %T, %T are not %s keys", sys.name(), pk, vk, sys.backend)
	}
	sys.prove = func(w witness.Witness) (proof, error) { return prove(sys.ccs, kp, w) }
	sys.verify = func(p proof, w witness.Witness) error {
		pp, ok := p.(P)
		if !ok {
			return fmt.Errorf("not a %s proof: %T", sys.backend, p)
		}
		return verify(pp, kv, w)
	}
	return nil
}

// buildCircuit compiles any circuit and runs its backend's setup, timing
// both, without the disk cache; tests use it with small circuits.
func buildCircuit(s spec, shape, assignment frontend.Circuit) (*system, error) {
	field := cacheCurve.ScalarField()
	sys := &system{spec: s}
	if err := sys.witness(assignment); err != nil {
		return nil, err
	}

	var err error
	t0 := time.Now()
	switch s.backend {
	case groth16Name:
		sys.ccs, err = frontend.Compile(field, r1cs.NewBuilder, shape)
	case plonkName:
		sys.ccs, err = frontend.Compile(field, scs.NewBuilder, shape)
	default:
		return nil, fmt.Errorf("%s: unknown backend %q", s.name(), s.backend)
	}
	sys.compile = time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("%s: compile: %w", s.name(), err)
	}

	var pk, vk rawKey
	switch s.backend {
	case groth16Name:
		if err := timed(&sys.setup, func() (err error) { pk, vk, err = groth16.Setup(sys.ccs); return err }); err != nil {
			return nil, fmt.Errorf("%s: groth16 setup: %w", s.name(), err)
		}
	case plonkName:
		var canonical, lagrange kzg.SRS
		if err := timed(&sys.srs, func() (err error) { canonical, lagrange, err = unsafekzg.NewSRS(sys.ccs); return err }); err != nil {
			return nil, fmt.Errorf("%s: test SRS: %w", s.name(), err)
		}
		if err := timed(&sys.setup, func() (err error) { pk, vk, err = plonk.Setup(sys.ccs, canonical, lagrange); return err }); err != nil {
			return nil, fmt.Errorf("%s: plonk setup: %w", s.name(), err)
		}
	}
	if err := sys.bind(pk, vk); err != nil {
		return nil, err
	}
	return sys, nil
}

// timed runs step and sets *d to the time it took.
func timed(d *time.Duration, step func() error) error {
	t0 := time.Now()
	err := step()
	*d = time.Since(t0)
	return err
}

// proofFor returns the last proof made by BenchmarkProve, or makes one
// (outside any timer) when BenchmarkProve has not run in this process.
func (sys *system) proofFor() (proof, error) {
	sys.mu.Lock()
	defer sys.mu.Unlock()
	if sys.lastProof != nil {
		return sys.lastProof, nil
	}
	p, err := sys.prove(sys.full)
	if err != nil {
		return nil, fmt.Errorf("%s: prove: %w", sys.name(), err)
	}
	if err := sys.verify(p, sys.public); err != nil {
		return nil, fmt.Errorf("%s: fresh proof does not verify: %w", sys.name(), err)
	}
	sys.lastProof = p
	return p, nil
}

// keepProof stores p for BenchmarkVerify.
func (sys *system) keepProof(p proof) {
	sys.mu.Lock()
	sys.lastProof = p
	sys.mu.Unlock()
}

// proofSize is the length of p's compressed encoding (WriteTo).
func proofSize(p proof) (int, error) {
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil {
		return 0, fmt.Errorf("encode proof: %w", err)
	}
	if buf.Len() == 0 {
		return 0, errors.New("encode proof: empty encoding")
	}
	return buf.Len(), nil
}
