package zk_bench

import (
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/zkcircuit"
)

// sha256Lens are the message sizes of the sha256 circuit per profile. The
// byte lookup tables of gnark's SHA-256 gadget cost a fixed ~130k R1CS
// constraints and each 64-byte block ~35k more: 32 B (one block) is 165,922,
// 64 B (two blocks) 200,599, 1 KiB (seventeen blocks) 729,685.
func sha256Lens() []int {
	return config.Pick([]int{64}, []int{64}, []int{64, 256, 1024})
}

// specs lists every system the benchmarks run, in order, for the current
// profile. Every entry is listed in every profile; skipReason says when
// one skips.
func specs() []spec {
	var out []spec
	for _, backend := range []string{groth16Name, plonkName} {
		for _, n := range sha256Lens() {
			out = append(out, spec{circuit: sha256Name, msgLen: n, backend: backend})
		}
		out = append(out, spec{circuit: rsa2048Name, msgLen: zkcircuit.TLS12ServerKeyExchangeLen, backend: backend})
	}
	return out
}

// skipReason returns why s does not run in the current profile, or "".
func skipReason(s spec) string {
	p := config.MustProfile()
	if s.backend == plonkName && p != config.Report {
		return "PLONK runs only with TEEBENCH_PROFILE=report: on 2 cores its setup takes about 90 s " +
			"and one proof about 35 s per circuit (3x the constraints of Groth16)"
	}
	if s.circuit == sha256Name && p == config.Smoke {
		return "the smoke profile sets up one Groth16 system only (a setup costs about a minute of 2 cores): " +
			"rsa2048, which also proves SHA-256 in-circuit; sha256 runs in the quick and report profiles"
	}
	return ""
}
