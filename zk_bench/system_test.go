package zk_bench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"

	"github.com/teebench/teebench/internal/zkcircuit"
)

// cubic is a tiny circuit (x³ + x + 5 = y, y public) that runs the whole
// prover pipeline of both backends in well under a second; the real
// circuits' constraints are tested in internal/zkcircuit with gnark's test
// engine, without the minute-long setup.
type cubic struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *cubic) Define(api frontend.API) error {
	x3 := api.Mul(c.X, c.X, c.X)
	api.AssertIsEqual(c.Y, api.Add(x3, c.X, 5))
	return nil
}

func TestPipeline(t *testing.T) {
	for _, backend := range []string{groth16Name, plonkName} {
		t.Run(backend, func(t *testing.T) {
			s := spec{circuit: "cubic", msgLen: 0, backend: backend}
			sys, err := buildCircuit(s, &cubic{}, &cubic{X: 3, Y: 35})
			if err != nil {
				t.Fatal(err)
			}
			if sys.ccs.GetNbConstraints() == 0 || sys.compile <= 0 || sys.setup <= 0 {
				t.Fatalf("constraints %d, compile %v, setup %v: want all > 0", sys.ccs.GetNbConstraints(), sys.compile, sys.setup)
			}
			if (backend == plonkName) != (sys.srs > 0) {
				t.Errorf("srs time %v for %s", sys.srs, backend)
			}
			p, err := sys.proofFor()
			if err != nil {
				t.Fatal(err)
			}
			if err := sys.verify(p, sys.public); err != nil {
				t.Fatalf("valid proof rejected: %v", err)
			}
			n, err := proofSize(p)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s proof: %d B", backend, n)
			if n < 100 || n > 2000 {
				t.Errorf("proof is %d B; a BN254 %s proof is a few hundred bytes", n, backend)
			}

			// The same proof against another public input must fail.
			wrong, err := frontend.NewWitness(&cubic{X: 3, Y: 36}, ecc.BN254.ScalarField(), frontend.PublicOnly())
			if err != nil {
				t.Fatal(err)
			}
			if err := sys.verify(p, wrong); err == nil {
				t.Fatal("proof verified against a wrong public input")
			}
			// A witness that does not satisfy the circuit cannot be proven.
			bad, err := frontend.NewWitness(&cubic{X: 4, Y: 35}, ecc.BN254.ScalarField())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sys.prove(bad); err == nil {
				t.Fatal("prover accepted an unsatisfying witness")
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	for _, s := range []spec{
		{circuit: "nope", msgLen: 64, backend: groth16Name},
		{circuit: sha256Name, msgLen: 0, backend: groth16Name},
		{circuit: rsa2048Name, msgLen: 64, backend: groth16Name},
	} {
		if _, err := build(s); err == nil {
			t.Errorf("%s: no error", s.name())
		} else {
			t.Logf("%s: %v", s.name(), err)
		}
	}
	if _, err := buildCircuit(spec{circuit: "cubic", backend: "stark"}, &cubic{}, &cubic{X: 3, Y: 35}); err == nil ||
		!strings.Contains(err.Error(), "stark") {
		t.Errorf("unknown backend: err = %v, want one naming it", err)
	}
}

func TestSpecs(t *testing.T) {
	for _, c := range []struct {
		profile  string
		n        int
		plonkRun bool
		shaLens  string
	}{
		{"smoke", 4, false, "[64]"},
		{"quick", 4, false, "[64]"},
		{"report", 8, true, "[64 256 1024]"},
	} {
		t.Run(c.profile, func(t *testing.T) {
			t.Setenv("TEEBENCH_PROFILE", c.profile)
			ss := specs()
			if len(ss) != c.n {
				t.Fatalf("%d specs, want %d: %v", len(ss), c.n, ss)
			}
			seen := map[string]bool{}
			for _, s := range ss {
				if seen[s.name()] {
					t.Errorf("duplicate %s", s.name())
				}
				seen[s.name()] = true
				if s.circuit == rsa2048Name && s.msgLen != zkcircuit.TLS12ServerKeyExchangeLen {
					t.Errorf("%s: rsa2048 transcript size", s.name())
				}
				skip := skipReason(s)
				if s.backend == groth16Name && skip != "" && (c.profile != "smoke" || s.circuit != sha256Name) {
					t.Errorf("%s skipped: %s", s.name(), skip)
				}
				if s.backend == plonkName && (skip == "") != c.plonkRun {
					t.Errorf("%s: skip reason %q in profile %s", s.name(), skip, c.profile)
				}
			}
			if got := fmt.Sprint(sha256Lens()); got != c.shaLens {
				t.Errorf("sha256 sizes %s, want %s", got, c.shaLens)
			}
		})
	}
	if got := (spec{circuit: "sha256", msgLen: 64, backend: "groth16"}).name(); got != "circuit=sha256/msg=64B/backend=groth16" {
		t.Errorf("name = %q", got)
	}
}

// inject puts a prebuilt system into the per-process cache, as if load had
// built it.
func inject(t *testing.T, s spec, sys *system) {
	t.Helper()
	e := &entry{sys: sys}
	e.once.Do(func() {})
	if _, loaded := systems.LoadOrStore(s, e); loaded {
		t.Fatalf("%s already cached", s.name())
	}
	t.Cleanup(func() { systems.Delete(s) })
}

// TestBenchmarkBodies runs the three benchmark bodies on the tiny circuit
// through testing.Benchmark: metrics present and sane; Setup measures a
// fresh compile and setup every time it runs.
func TestBenchmarkBodies(t *testing.T) {
	t.Setenv("TEEBENCH_PROFILE", "report") // PLONK runs only there
	t.Setenv("TEEBENCH_CACHE", t.TempDir())
	for _, backend := range []string{groth16Name, plonkName} {
		t.Run(backend, func(t *testing.T) {
			s := spec{circuit: "cubic", msgLen: 1, backend: backend}
			sys, err := buildCircuit(s, &cubic{}, &cubic{X: 3, Y: 35})
			if err != nil {
				t.Fatal(err)
			}
			inject(t, s, sys)

			mk := func() (frontend.Circuit, frontend.Circuit, error) { return &cubic{}, &cubic{X: 3, Y: 35}, nil }
			want := []string{"compile-ns", "setup-ns", "constraints"}
			if backend == plonkName {
				want = append(want, "srs-ns")
			}
			for rep := range 2 { // every repetition measures afresh
				r := testing.Benchmark(func(b *testing.B) { benchSetupWith(b, s, mk) })
				if r.N < 1 {
					t.Fatalf("setup repetition %d did not run", rep)
				}
				for _, u := range want {
					if r.Extra[u] <= 0 {
						t.Errorf("setup: %s = %v, want > 0 (%v)", u, r.Extra[u], r.Extra)
					}
				}
				parts := r.Extra["compile-ns"] + r.Extra["setup-ns"] + r.Extra["srs-ns"]
				if nsop := float64(r.T.Nanoseconds()) / float64(r.N); nsop < parts {
					t.Errorf("setup ns/op %v < compile+setup+srs %v", nsop, parts)
				}
			}

			r := testing.Benchmark(func(b *testing.B) { benchProve(b, s) })
			if r.N < 1 {
				t.Fatal("prove did not run")
			}
			for _, u := range []string{"constraints", "constraints/s", "proof-B", "cpu-ns/op"} {
				if r.Extra[u] <= 0 {
					t.Errorf("prove: %s = %v, want > 0", u, r.Extra[u])
				}
			}
			// constraints/s must agree with ns/op.
			cps := r.Extra["constraints"] / (float64(r.T.Nanoseconds()) / float64(r.N) / 1e9)
			if d := r.Extra["constraints/s"] / cps; d < 0.99 || d > 1.01 {
				t.Errorf("constraints/s %v, but constraints / (ns/op) = %v", r.Extra["constraints/s"], cps)
			}

			r = testing.Benchmark(func(b *testing.B) { benchVerify(b, s) })
			if r.N < 1 {
				t.Fatal("verify did not run")
			}
		})
	}
}

// Outside the report profile and without TEEBENCH_ZK_SETUP=1, Setup skips
// with the reason.
func TestSetupSkips(t *testing.T) {
	t.Setenv("TEEBENCH_PROFILE", "quick")
	t.Setenv("TEEBENCH_ZK_SETUP", "")
	if r := setupSkipReason(); !strings.Contains(r, "TEEBENCH_ZK_SETUP=1") {
		t.Errorf("quick: skip reason %q", r)
	}
	t.Setenv("TEEBENCH_ZK_SETUP", "1")
	if r := setupSkipReason(); r != "" {
		t.Errorf("TEEBENCH_ZK_SETUP=1: skip reason %q", r)
	}
}
