// Package zk_bench measures zkTLS-style proving with gnark (section IV of the
// reference report): SHA-256 and RSA-2048 signature verification circuits,
// Groth16 and PLONK on BN254.
//
// # What is proven
//
// Two circuits from internal/zkcircuit:
//
//   - circuit=sha256: knowledge of a secret message whose SHA-256 is public.
//     msg=<n>B is the message length: 64 B in the quick profile, 64 B, 256 B
//     and 1 KiB in report. R1CS constraints on BN254 (gnark v0.16.0): 200,599
//     for 64 B, 306,415 for 256 B, 729,685 for 1 KiB; the gadget's byte
//     lookup tables cost a fixed ~130k and each 64-byte block ~35k.
//   - circuit=rsa2048: an RSA-2048 PKCS#1 v1.5 / SHA-256 signature check, the
//     report's "2048-bit verification". The signed message is a real TLS 1.2
//     ECDHE_RSA ServerKeyExchange (client and server randoms, an X25519
//     share: 100 B, msg=100B), hashed in-circuit; the signature and the
//     transcript are secret, the modulus N public. The key is a real
//     crypto/rsa key generated once per process. About 242k R1CS
//     constraints, of which about 41k are the RSA part.
//
// # Benchmarks
//
// Names are BenchmarkX/circuit=<c>/msg=<n>B/backend=<groth16|plonk>.
//
//   - BenchmarkSetup: compile-ns (frontend.Compile), setup-ns (groth16.Setup
//     or plonk.Setup), srs-ns (PLONK only, see below) and constraints; one op
//     is one fresh compile and setup (never from the cache), measured every
//     time the benchmark runs, so -count gives several samples. It takes
//     minutes per system and runs in the report profile or with
//     TEEBENCH_ZK_SETUP=1; otherwise it skips with that reason.
//   - BenchmarkProve: one op = one proof. constraints/s (constraints proven
//     per second) is the analogue of the report's zkVM speed (cycles proven
//     per second; its "kHz" column is really Hz, docs/methods.md §0 and §6).
//     proof-B is the compressed proof encoding (proof.WriteTo), cpu-ns/op the
//     process CPU time per proof. The last proof is verified after the timed
//     loop; a proof that does not verify fails the benchmark.
//   - BenchmarkVerify: one op = one verification of a valid proof.
//
// Prove and Verify get each system once per process (all sub-benchmarks and
// -count repetitions share it; no timed loop contains compile or setup) from
// an on-disk cache of compiled circuits and proving/verifying keys, under
// os.UserCacheDir()/teebench/zk (TEEBENCH_CACHE moves it). An entry is
// keyed by the circuit's source digest (zkcircuit.Digest), message size,
// curve, backend and the gnark and gnark-crypto versions; each file's
// SHA-256 is checked against the entry's manifest before it is decoded, and
// an entry that fails any check is logged, rebuilt and replaced, never used.
// On a miss the system is compiled and set up in the process (setup
// dominates: about 60 s per 200k-constraint Groth16 circuit on 2 cores) and
// stored. An unusable cache directory turns the cache off, said once in the
// log. Each benchmark logs where its system came from.
//
// # Profiles
//
//   - smoke (CI, -benchtime 1x): Groth16 and rsa2048 only (one setup, about
//     a minute of 2 cores; rsa2048 also proves SHA-256 in-circuit). sha256
//     skips, with the reason.
//   - quick (default): Groth16 only; sha256 with 64 B and rsa2048. About
//     2.5 minutes on an idle 2-core machine.
//   - report: Groth16 and PLONK; sha256 with 64 B, 256 B and 1 KiB, and
//     rsa2048. This needs a larger machine: PLONK has about 3x the
//     constraints of Groth16 (601,601 for sha256 of 64 B, 778,290 for
//     rsa2048), and its setup and proofs take tens of seconds each on 2
//     cores. All systems stay cached until the process ends: quick peaks at
//     about 0.9 GB RSS; report's peak was not measured here.
//
// Sub-benchmarks that a profile excludes call b.Skip with the reason (go test
// prints it with -v); they never report zeros.
//
// PLONK uses gnark's test SRS (test/unsafekzg), generated in-process with a
// known toxic value: every PLONK benchmark logs this, and its time is
// reported as srs-ns, apart from setup-ns. A production prover would load a
// ceremony SRS of the same size, so setup, proving and verification costs
// are representative; the SRS itself is not secure.
//
// # Relation to the reference report
//
// The report proved a program in the SP1 zkVM (a STARK prover); gnark proves
// circuits with pairing-based SNARKs. Absolute figures therefore do not
// compare: the report's 8.3 MB and 25 MB "proof sizes" are STARK shard
// proofs, a Groth16 proof here is 196 B (128 B plus a BSB22 commitment used by
// the lookup tables), and constraints/s is not zkVM cycles/s. What carries over
// is the report's question, TEE overhead: the ratio of Prove's ns/op (its
// "Proof Time") and constraints/s (its "Speed") in a TEE and on a baseline,
// with benchstat's confidence intervals.
//
// # Cores
//
// gnark splits its work into runtime.NumCPU() tasks; GOMAXPROCS caps how many
// run at once. To measure proving across cores:
//
//	go test -run '^$' -bench 'Prove' -cpu 1,2,4,8 ./zk_bench
//
// The -N suffix of each result name is GOMAXPROCS. Setup is shared across
// the -cpu values (it is done once, with whatever GOMAXPROCS the first
// benchmark had).
//
// # Comparing a TEE with a baseline
//
//	go test -run '^$' -bench . -count 5 ./zk_bench > tdx.txt   # in the CVM
//	go test -run '^$' -bench . -count 5 ./zk_bench > base.txt  # on the host
//	go tool benchstat -col tee base.txt tdx.txt
//
// # GPU proving (not done)
//
// gnark has a GPU Groth16 prover (ICICLE: backend/accelerated/icicle, build
// tag icicle) for BN254. It needs the native icicle-gnark libraries, built
// with the CUDA toolkit, which cannot be built or tested here; it is a later
// step, and nothing in this package pretends to cover it. The reference
// report's "TEE GPU" row is therefore not reproduced yet.
package zk_bench
