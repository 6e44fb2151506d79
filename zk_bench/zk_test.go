package zk_bench

import (
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark/frontend"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/cputime"
)

// BenchmarkSetup measures the one-time cost of each system, afresh every
// time it runs (never from the disk cache): one op = frontend.Compile plus
// groth16.Setup or plonk.Setup (plus PLONK's in-process test SRS), reported
// as compile-ns, setup-ns and srs-ns, with the constraint count. It takes
// minutes per system, so it runs in the report profile or when
// TEEBENCH_ZK_SETUP=1, and skips with that reason otherwise.
func BenchmarkSetup(b *testing.B) {
	for _, s := range specs() {
		b.Run(s.name(), func(b *testing.B) {
			benchSetupWith(b, s, func() (frontend.Circuit, frontend.Circuit, error) { return assign(s) })
		})
	}
}

// setupSkipReason says why BenchmarkSetup does not run, or "".
func setupSkipReason() string {
	if config.MustProfile() == config.Report || config.ZKSetup() {
		return ""
	}
	return "compile + setup take minutes per system: BenchmarkSetup runs in the report profile or with TEEBENCH_ZK_SETUP=1 " +
		"(Prove and Verify load compiled circuits and keys from the zk cache)"
}

// benchSetupWith runs BenchmarkSetup's body for s on the circuit mk returns.
func benchSetupWith(b *testing.B, s spec, mk func() (shape, assignment frontend.Circuit, err error)) {
	skipIf(b, s)
	if r := setupSkipReason(); r != "" {
		b.Skip(r)
	}
	shape, assignment, err := mk()
	if err != nil {
		b.Fatalf("%s: %v", s.name(), err)
	}
	var compile, setup, srs time.Duration
	var constraints int
	for b.Loop() {
		sys, err := buildCircuit(s, shape, assignment)
		if err != nil {
			b.Fatal(err)
		}
		compile += sys.compile
		setup += sys.setup
		srs += sys.srs
		constraints = sys.ccs.GetNbConstraints()
	}
	n := float64(b.N)
	b.ReportMetric(float64(compile.Nanoseconds())/n, "compile-ns")
	b.ReportMetric(float64(setup.Nanoseconds())/n, "setup-ns")
	if s.backend == plonkName {
		b.ReportMetric(float64(srs.Nanoseconds())/n, "srs-ns")
	}
	b.ReportMetric(float64(constraints), "constraints")
}

// BenchmarkProve measures proving: one op = one proof of the system's
// witness. constraints/s (constraints proven per second of proving) is the
// analogue of the reference report's zkVM speed (cycles per second);
// proof-B is the proof's compressed encoding; cpu-ns/op is process CPU time
// per proof (cpu-ns/op ÷ ns/op ≈ cores kept busy).
func BenchmarkProve(b *testing.B) {
	for _, s := range specs() {
		b.Run(s.name(), func(b *testing.B) { benchProve(b, s) })
	}
}

func benchProve(b *testing.B, s spec) {
	skipIf(b, s)
	sys := mustLoad(b, s)
	var p proof
	var err error
	span := cputime.Start()
	for b.Loop() {
		if p, err = sys.prove(sys.full); err != nil {
			b.Fatalf("%s: prove: %v", s.name(), err)
		}
	}
	cpu, _ := span.Stop()
	elapsed := b.Elapsed()
	// Outside the timer: the last proof must verify, or the figures
	// above measured a broken prover.
	if err := sys.verify(p, sys.public); err != nil {
		b.Fatalf("%s: proof does not verify: %v", s.name(), err)
	}
	size, err := proofSize(p)
	if err != nil {
		b.Fatalf("%s: %v", s.name(), err)
	}
	sys.keepProof(p)
	nc := float64(sys.ccs.GetNbConstraints())
	b.ReportMetric(nc, "constraints")
	b.ReportMetric(nc*float64(b.N)/elapsed.Seconds(), "constraints/s")
	b.ReportMetric(float64(size), "proof-B")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkVerify measures verification: one op = one verification of a
// valid proof against the public witness.
func BenchmarkVerify(b *testing.B) {
	for _, s := range specs() {
		b.Run(s.name(), func(b *testing.B) { benchVerify(b, s) })
	}
}

func benchVerify(b *testing.B, s spec) {
	skipIf(b, s)
	sys := mustLoad(b, s)
	p, err := sys.proofFor()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := sys.verify(p, sys.public); err != nil {
			b.Fatalf("%s: verify: %v", s.name(), err)
		}
	}
}

// skipIf skips s when the current profile excludes it, and logs the PLONK
// SRS note.
func skipIf(b *testing.B, s spec) {
	b.Helper()
	if r := skipReason(s); r != "" {
		b.Skip(r)
	}
	if s.backend == plonkName {
		b.Log(plonkSRSNote)
	}
}

// cacheNotes are the cache notes already logged: where the cache is (with
// the leftovers it removed) or why it is off, once per process and
// directory.
var cacheNotes sync.Map

// mustLoad returns s's system (from the per-process map, the disk cache, or
// compiled and set up now), failing the benchmark when it cannot be built,
// and logs where it came from.
func mustLoad(b *testing.B, s spec) *system {
	b.Helper()
	t0 := time.Now()
	sys, err := load(s)
	if err != nil {
		b.Fatal(err)
	}
	if d := time.Since(t0); d > time.Second {
		b.Logf("system ready in %v (once per process; never inside a timed loop)", d.Round(time.Millisecond))
	}
	c, note := theCache()
	if _, logged := cacheNotes.LoadOrStore(note, true); !logged {
		b.Log(note)
	}
	if c != nil && sys.cacheNote != "" {
		b.Log(sys.cacheNote)
	}
	return sys
}
