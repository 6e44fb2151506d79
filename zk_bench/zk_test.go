package zk_bench

import (
	"testing"
	"time"

	"github.com/teebench/teebench/internal/cputime"
)

// BenchmarkSetup reports the one-time cost of each system: compile-ns
// (frontend.Compile), setup-ns (groth16.Setup or plonk.Setup), srs-ns (PLONK's
// in-process test SRS) and the constraint count. ns/op is compile + setup
// (+ srs). Compile and setup run once per process: the first repetition
// reports them, later -count repetitions skip; for a confidence interval on
// setup, run the process several times.
func BenchmarkSetup(b *testing.B) {
	for _, s := range specs() {
		b.Run(s.name(), func(b *testing.B) { benchSetup(b, s) })
	}
}

func benchSetup(b *testing.B, s spec) {
	skipIf(b, s)
	sys := mustLoad(b, s)
	sys.mu.Lock()
	if sys.reporter == nil {
		sys.reporter = b
	}
	mine := sys.reporter == b
	sys.mu.Unlock()
	if !mine {
		b.Skip("compile and setup run once per process; an earlier repetition reported them")
	}
	total := sys.compile + sys.setup + sys.srs
	b.ReportMetric(float64(total.Nanoseconds()), "ns/op")
	b.ReportMetric(float64(sys.compile.Nanoseconds()), "compile-ns")
	b.ReportMetric(float64(sys.setup.Nanoseconds()), "setup-ns")
	if s.backend == plonkName {
		b.ReportMetric(float64(sys.srs.Nanoseconds()), "srs-ns")
	}
	b.ReportMetric(float64(sys.ccs.GetNbConstraints()), "constraints")
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

// mustLoad returns s's system, failing the benchmark when it cannot be built.
func mustLoad(b *testing.B, s spec) *system {
	b.Helper()
	t0 := time.Now()
	sys, err := load(s)
	if err != nil {
		b.Fatal(err)
	}
	if d := time.Since(t0); d > time.Second {
		b.Logf("compiled and set up in %v (once per process; never inside a timed loop)", d.Round(time.Millisecond))
	}
	return sys
}
