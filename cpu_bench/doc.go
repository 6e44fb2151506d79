// Package cpu_bench measures CPU-bound work: the 7-Zip-method compression
// rating and its thread scaling (sections V and VIII of the reference report),
// and the memory probes behind the "Memory Encryption Impact" table of
// section IV (STREAM bandwidth, memory latency, SHA-256 speed).
//
// # Benchmarks
//
// BenchmarkCompress/codec=<zstd|lzma>/dict=<22..25>/threads=<N> and
// BenchmarkDecompress/...: each of N goroutines compresses (decompresses) its
// own buffer of 2^dict + 64 KiB bytes made by 7-Zip's benchmark generator
// (internal/sevenzip: the same bytes 7-Zip's thread i compresses). One op =
// one buffer; MB/s counts uncompressed bytes; usage-% is process CPU time /
// wall time x 100 (7-Zip's Usage column). zstd is klauspost/compress at its
// default level with the window set to the dictionary; lzma is
// ulikunitz/xz/lzma with that dictionary capacity. For lzma the lines also
// carry compress-MIPS / decompress-MIPS: 7-Zip's rating formulas applied to
// the Go codec's measured rate (same arithmetic as `7z b`, different
// encoder, so not equal to 7-Zip's MIPS). threads=N means N independent
// single-threaded codecs; 7-Zip's -mmtN instead runs (N+1)/2 LZMA encoders
// of two threads each, then N single-threaded decoders (docs/methods.md §2).
//
// BenchmarkSevenZip/threads=<N>: the reference tool, `7zz b -mmtN` (7z or
// 7za when that is what is installed; skipped when none is). One op = one
// pass. MIPS is the Tot: rating (the report's "Total Rating"),
// compress-MIPS / decompress-MIPS the Avr: ratings ("Compress MIPS"),
// compress-B/s / decompress-B/s the Avr: speeds (KiB/s x 1024) and usage-%
// the Tot: usage ("CPU Usage").
//
// BenchmarkStream/kernel=<copy|scale|add|triad>/impl=go/threads=<N>: STREAM's
// kernels on three float64 arrays, each at least 4x the last-level cache (and
// at least STREAM's 10^7 elements), bytes counted as STREAM does. One op = one
// pass; B/s is the mean rate, best-B/s STREAM's "Best Rate". The triad runs
// 256-bit vectors where the CPU has AVX2, as C compilers vectorise STREAM's
// loop (internal/stream; the elements are bit for bit the Go loop's).
// BenchmarkStream/kernel=triad/impl=c/threads=<N> runs testdata/stream_triad.c
// (built with gcc -O3 -march=native -fopenmp like STREAM's Makefile, loaded
// with purego, so no cgo; skipped without gcc or OpenMP) on the same arrays,
// alternating pass by pass with the Go triad, and reports go/c-ratio = Go
// best rate / C best rate (the speed target is >= 0.8).
//
// BenchmarkMemLatency/size=<64MiB|1GiB>: dependent loads along a random
// cycle through every 64-byte line; one op = one load, so ns/op is the load
// latency.
//
// BenchmarkSHA256/size=<64B|1MiB|64MiB>: crypto/sha256 of one buffer per op
// (the report's "hash speed"), MB/s.
//
// BenchmarkAESGCM/size=<4KiB|8KiB|256KiB>/impl=<go|openssl>: one core's AES-256-GCM seal rate, the CPU side of confidential-GPU copies, with go/openssl-ratio (aesgcm_test.go).
//
// BenchmarkWakeup/mech=<chan|futex|spin>: a ping-pong between two goroutines
// locked to OS threads pinned to different CPUs; one op = one round trip.
// chan (Go channels) and futex (raw futex wait/wake) put the waiting thread
// to sleep, so each round trip is two cross-CPU wake-ups; spin busy-waits
// and measures only the cache-line transfer. In a TDX guest each IPI and
// idle HLT is a TD exit, which is what erodes thread scaling: chan and futex
// should grow in a TD, spin should not.
//
// Mechanism benchmarks (they explain the overheads above rather than
// reproduce a table of the report):
//
// BenchmarkExit/op=<cpuid-leaf-0|cpuid-hypervisor-leaf|pci-config-read|getpid|clock_gettime>:
// one op = one CPUID (a small assembly function, amd64 only; elsewhere
// these cases skip), one 4-byte pread of a PCI config space, one getpid
// system call or vDSO clock read, ns/op. What leaves the guest:
//
//	                       plain VM   TDX guest (TD)              SEV-SNP guest
//	cpuid-leaf-0           VM exit    TDX module, not the host    #VC, CPUID page: no exit
//	cpuid-hypervisor-leaf  VM exit    #VE + TDVMCALL to the host  #VC, CPUID page: no exit
//	pci-config-read        VM exit    #VE + TDVMCALL to the host  #VC + VMGEXIT to the host
//	getpid, clock_gettime  no exit    no exit                     no exit
//
// pci-config-read (the first device of /sys/bus/pci/devices, port I/O or
// ECAM MMIO in the kernel) is the exit row that means the same on every
// TEE; cpuid-hypervisor-leaf measures an exit on TDX only. getpid is the
// control. The config lines cpuid-hypervisor: (the hypervisor's CPUID
// signature) and clocksource: (manifest) go with them.
//
// BenchmarkPageTouch/page=<4KiB|2MiB>/mode=<first|second>: one op = mmap an
// anonymous region (the profile's 64 MiB / 256 MiB / 1 GiB), touch every
// page once (first: fault, zeroing and, in a TD, the secure-EPT mapping) or
// a second time (second: resident, the control), munmap; only the touches
// are timed, ns/page per page touched. In an SEV-SNP guest the first touch
// also pays the host's RMP update, and acceptance is PVALIDATE.
// page=4KiB/mode=unaccepted runs only when /proc/meminfo lists Unaccepted
// memory (manifest: mem-unaccepted:, accept-memory:) and reports
// accepted-B/op beside ns/page.
//
// BenchmarkQuote (build tag tdx or snp): one op = one piece of attestation
// evidence from the TEE the binary was built for (tee.Tagged's Attest: a
// TDX quote, an SEV-SNP extended report), ns/op; the same name under both
// tags.
//
// # Profiles (TEEBENCH_PROFILE)
//
//	smoke:  threads 1, dict 22, 7zz -md22 -mtic=30, STREAM 8 MiB arrays, 64MiB latency only
//	quick:  threads 1, 2, 4 ... NumCPU, dict 22, 7zz -md22, full-size STREAM and latency
//	report: threads 1, 2, 4, 8, 16, 32 (more than the CPUs is allowed), dict 22..25,
//	        7zz b -mmtN exactly as the report ran it
//
// STREAM always sweeps 1, 2, 4 ... NumCPU threads (1 under smoke).
//
// # Scaling efficiency
//
// The report's "Scaling Efficiency" is Tot(N) / (N x Tot(1)). Compute it from
// a result file with internal/scaling: FromResults(f, "SevenZip", "MIPS") for
// 7-Zip, FromResults(f, "Compress/codec=lzma/dict=22", "B/s") for a Go codec
// (benchfmt turns MB/s into B/s), or scaling.Efficiency on two numbers.
package cpu_bench
