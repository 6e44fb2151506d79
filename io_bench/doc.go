// Package io_bench runs the nine fio jobs of the reference report (section
// II, storage) and two queue-depth-1 mechanism jobs, eleven in all, on a Go
// I/O engine, and on fio itself as the reference.
//
// The jobs are InfraBuilder/docker-fio's benchmark.sh (docs/methods.md §1):
// read_iops, write_iops (4K random, iodepth 64), read_bw, write_bw (128K
// random, iodepth 64), read_latency, write_latency (4K random, iodepth 4),
// read_seq, write_seq (1M sequential, iodepth 16, 4 jobs offset_increment
// apart) and rw_mix (4K random, 75% reads, iodepth 64), all with libaio,
// direct=1, a ramp and a time-based runtime.
//
// Two mechanism jobs follow them (not in the report): lat_qd1_read and
// lat_qd1_write, 4K random reads (writes) at iodepth 1, timed like the
// latency jobs (lat-mean-ns, lat-p99-ns on both engines). With one I/O in
// flight, each I/O's latency is the whole path of one request, without
// queueing: in a TD the bounce-buffer (swiotlb) copy of the data and the
// exits of the virtio notification and interrupt, which the report's
// storage overhead is made of. Compare them with cpu_bench's
// BenchmarkExit and BenchmarkPageTouch on the same machines.
//
// # Benchmarks
//
//	BenchmarkFio/job=<name>/engine=go    the job on internal/ioengine
//	BenchmarkFio/job=<name>/engine=fio   the same job run by fio --output-format=json
//	BenchmarkFio/job=<name>/engine=fio-ownfile   standalone fio: the same, on a file fio lays out itself
//
// engine=fio and engine=fio-ownfile skip with the reason when fio is not
// installed. The test file is laid out as fio lays out its own (buffered
// writes after fallocate, fsync, page cache dropped; ioengine.PrepareFile):
// its state moves write IOPS a lot (1.6x on ext4 here between an O_DIRECT
// fill and fio's own layout), and engine=fio-ownfile shows whether the
// shared file still differs from what plain fio gets. Both engines
// use one test file, created once by BenchmarkFio and removed at its end
// (also when a job fails, and on SIGINT/SIGTERM), so that
//
//	go test -run '^$' -bench Fio -count 6 ./io_bench > io.txt
//	go tool benchstat -col /engine io.txt
//
// puts the engines side by side.
//
// One op is one I/O. A call with b.N == 1 (the testing package's first
// call, and every call under -benchtime 1x) runs the job as fio does:
// time-based, for the profile's ramp and runtime. When that was shorter
// than -benchtime, the testing package asks for b.N > 1 and the call does
// exactly b.N I/Os after the ramp (engine=go; engine=fio gets io_size =
// b.N x bs, and fio counts the ramp's I/Os in it). Either way ns/op is the
// measured window divided by the I/Os, i.e. 1/IOPS, and the figures come
// from that window only, never from the ramp.
//
// Speed target: engine=go >= 0.9x engine=fio IOPS on read_iops and B/s on
// read_seq. The storage of a shared machine drifts, so compare the engines
// interleaved rather than with -count (which runs one engine's repeats
// back to back):
//
//	go test -c -o io.test ./io_bench
//	for i in 1 2 3 4 5 6; do ./io.test -test.run '^$' -test.bench 'Fio/job=(read_iops|read_seq)/'; done > t.txt
//	go tool benchstat -col /engine t.txt
//
// # Units
//
//   - IOPS and B/s: I/Os and bytes over the window. For the sequential
//     jobs (4 workers) fio's figures follow its group status line: totals
//     over the longest job runtime. fio's B/s comes from its io_bytes and
//     its IOPS from total_ios, which fio counts slightly differently.
//   - read-IOPS, write-IOPS: rw_mix's two directions.
//   - lat-mean-ns, lat-p99-ns: per-I/O latency from submission to
//     completion (fio's lat, not clat), in internal/latency. engine=go
//     times every job; fio times I/Os only without gtod_reduce=1, so
//     engine=fio reports latency for read_latency and write_latency only
//     (their p99 with --lat_percentiles=1, which changes fio's report,
//     not its I/O).
//   - cpu-ns/op: CPU time (user+system) per I/O. engine=go: getrusage of
//     the whole test process over the window; engine=fio: the jobs'
//     usr_cpu+sys_cpu share of job_runtime, from fio's JSON, which counts
//     the job threads only (not fio's main and helper threads). So the two
//     engines' values differ in scope: on read_seq here fio's JSON gave
//     63 us/I/O while the whole fio process used about 96 us/I/O over its
//     I/O time, about what engine=go reports. Compare each engine across
//     environments (baseline vs TEE), where the scope is the same. In a TEE
//     the CPU side of I/O (bounce buffers, exits) is what grows.
//
// # Configuration
//
// TEEBENCH_IO_DIR is the directory on the filesystem under test (default:
// the system temp dir). Before any I/O the benchmark fails with a clear
// error when it is missing, not a writable directory, or lacks room for
// the file. A file system without O_DIRECT, or tmpfs/ramfs (which accept
// O_DIRECT on recent kernels but are memory), runs buffered and says so
// with the config lines `io-direct: false` and `io-direct-note: ...`.
// `io-fs:` names the file system, `io-dev:` the block device that holds
// the test file as the kernel names it (vda, nvme0n1p1, zram0, dm-0; a
// "major:minor" number where there is no block device, as on tmpfs), so
// that a result file says which device its I/O figures are of.
//
// TEEBENCH_PROFILE sizes the jobs: smoke 16 MiB, 200 ms ramp, 500 ms
// runtime; quick (default) 256 MiB, 1 s, 3 s; report 2 GiB, 2 s, 15 s
// (offset_increment 500M, as the report). The file is laid out the way fio
// lays it out for the sequential jobs: size + 3 x offset_increment.
package io_bench
