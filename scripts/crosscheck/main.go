// Command crosscheck shows how close each Go-native figure is to its
// reference tool on this machine (or in this TEE):
//
//	go run ./scripts/crosscheck [-rounds N] [-pkgs io_bench,net_bench,cpu_bench] [-pairs fio,wrk,ab,stream,7zip] [-o FILE] [-strict]
//
// It runs the suite's existing benchmarks, nothing else, as a rounds plan
// of the suite's runner (internal/runner: Session.Rounds); crosscheck
// only declares the groups to run and judges their figures. Each package's test
// binary is built once (or taken from $TEEBENCH_BINDIR/<pkg>.test, as
// scripts/bench.sh does) and every run goes in a process group of its own,
// read as test2json events and bounded by TEEBENCH_DEADLINE when set; an
// interrupt stops it and what escaped its group. Every round
// runs the Go sub-benchmarks and their reference-tool counterparts one
// after the other, so that both see the same machine state; even rounds
// run the reference first (TEEBENCH_ORDER=reverse for io_bench and
// net_bench, BenchmarkSevenZip before the Go codec; STREAM's C benchmark
// alternates its passes with the Go triad's itself), so that what a run
// leaves behind falls on each side in turn (on the dev VM, in two runs of
// each order, fio's write_iops was 0.85-0.87 of the Go engine's when it
// ran right after it and 0.90-1.01 when it ran first; the host still
// writing back the Go engine's data is a likely cause):
//
//	fio     io_bench   BenchmarkFio/job=*/engine=go vs engine=fio, and vs engine=fio-ownfile (standalone
//	                   fio on a file it lays out itself), in IOPS, B/s, mean latency, job by job,
//	                   and CPU per I/O without a goal (the whole Go process's CPU; fio's job
//	                   threads' usr+sys from its JSON, without its main and helper threads)
//	wrk     net_bench  BenchmarkGateway/path=direct/keepalive=on/c=*/client=go vs client=wrk (req/s),
//	                   both for wrk's time (config.WrkDuration: -benchtime 3s in the quick profile)
//	ab      net_bench  BenchmarkGateway/path=direct/keepalive=off/c=*/client=go vs client=ab (req/s)
//	stream  cpu_bench  BenchmarkStream/kernel=triad/impl=go vs impl=c, threads 1 and 2 (B/s)
//	7zip    cpu_bench  BenchmarkCompress|Decompress/codec=lzma/dict=22 vs BenchmarkSevenZip (compress-, decompress-MIPS)
//
// It prints one table: per figure and reference the Go median, the reference median,
// their ratio (Go / reference) with a 95% bootstrap interval (6 rounds or
// more; with 2 to 5 rounds, in braces, the range of the rounds' own
// ratios, Go over reference in the same round), the Mann-Whitney p, and whether the ratio of the medians meets
// the goal: fio within ±5% (two-sided: a faster engine that disagrees is as
// wrong as a slower one), wrk ≥ 0.9 and ab ≥ 1.0 (one-sided: a load
// generator may cost less than the reference), STREAM triad ≥ 0.9; 7-Zip
// has no goal (a different LZMA encoder; shown for information), nor has
// fio's CPU per I/O (what the engines' loops cost, beside the figures it
// explains). A verdict is followed by "(interval spans goal)" when the
// ratio's interval (or range) lies partly inside the goal and partly
// outside: the rounds do not settle it, and another run may give the other
// verdict.
//
// Every run's output is appended verbatim to a Go benchmark result file
// (-o, default results/crosscheck-<host>-<tee>-<UTC time>.txt) after the
// manifest of internal/benchenv, so `go run ./scripts/report FILE` shows the
// same pairs in its cross-check tables, per arm; skipped benchmarks go to
// FILE's .skips.tsv (internal/skips).
//
// Exit status: 0 when it ran, whether or not the goals were met (missed
// goals are printed); 1 when a benchmark failed, or with -strict when a goal
// was missed or a reference was not measured; 2 for bad flags; 130 when
// SIGINT or SIGTERM stopped it (every process it started is stopped, the
// rows measured so far are kept and judged).
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
