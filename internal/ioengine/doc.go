// Package ioengine is the suite's fio-like I/O engine: io_bench runs the
// reference report's nine fio jobs and two queue-depth-1 mechanism jobs on
// it and compares it with fio itself.
//
// A Job describes one fio job in fio's own terms (readwrite, bs, iodepth,
// numjobs, offset_increment, rwmixread, ramp_time, runtime or number_ios,
// direct). Run executes it on a test file and returns the I/O counts, the
// per-I/O latency (submit to completion, in the suite's latency recorder)
// and the process CPU time spent during the measured window.
//
// # How it keeps up with fio
//
// Each of the job's numjobs workers is one goroutine with its own Linux
// native AIO context, driven by raw io_setup / io_submit / io_getevents
// system calls (golang.org/x/sys/unix, no cgo): the same kernel interface
// as fio's libaio engine, which the reference report used. A worker keeps
// iodepth I/Os in flight with fio's default system calls: it reaps one
// completion per io_getevents (iodepth_batch_complete_min=1, and _max equal
// to it), made as a raw system call when every worker has a P, so the
// wait does not bounce the goroutine through the scheduler, and submits
// each successor with its own io_submit (iodepth_batch_submit=1). Both
// matter where system calls are dear: reaping every available completion
// at once ran 1.6-2.5x as many 4 KiB I/Os at depth 64 as fio on a 2-core
// VM, and one io_submit per batch lost about 10%. Buffers are anonymous
// mmap memory (page aligned, as O_DIRECT needs, and invisible to the garbage
// collector); the hot loop does not allocate, and yields its P once a
// millisecond, so that the runtime's sysmon does not keep preempting it (on
// one CPU that cost about 30% of the IOPS; see yieldEvery). Random offsets
// follow a full-period permutation of the blocks, so like fio's random map
// every block is touched once per pass.
//
// Goroutines doing blocking pread/pwrite were the alternative: with
// iodepth=64 they need 64 OS threads parked in the kernel and a
// thread hand-off per I/O, which on a 2-core machine costs more CPU per
// I/O than one thread reaping from an AIO context.
//
// # Test files
//
// PrepareFile creates the test file in a fresh directory on the filesystem
// under test, after checking that the directory is writable, that it has
// room for the file, and whether O_DIRECT really bypasses the page cache
// there (tmpfs and ramfs accept O_DIRECT on recent kernels but are memory:
// they are reported as Direct=false). The file and its directory are
// removed by File.Remove, and also when the process receives SIGINT or
// SIGTERM while the file exists.
package ioengine
