// Package net_bench measures gateway load as in section III of the reference
// report: direct HTTP against a TLS-terminating proxy, a concurrency sweep
// with ApacheBench semantics, the multi-client test and open-loop latency.
//
// # Target
//
// With no configuration the benchmarks start an embedded target on loopback
// (internal/gateway): a backend answering GET /prpc/Version with a small JSON
// body (path=direct), and a TLS-terminating TCP proxy in front of it with a
// self-signed certificate made at start (path=tls-proxy), which the clients
// verify. TEEBENCH_NET_URL points every benchmark at a real gateway instead
// (path=direct for an http URL, path=tls-proxy for https); its certificate is
// verified against the system roots unless TEEBENCH_NET_INSECURE=1. Each
// target is probed once first: an unreachable URL fails within 5 s with an
// error naming it, and a verification failure says so. (ab and wrk never
// verify certificates.) The embedded target runs in a child process, this
// test binary re-executed (TestGatewayChild), so that client=go, ab and wrk
// each run in their own process against the same target process.
//
// # Benchmarks
//
// One op is one request, so `-benchtime 5000x` is `ab -n 5000`.
//
//   - BenchmarkGateway/path=<direct|tls-proxy>/keepalive=<off|on>/c=<N>/client=<go|ab|wrk>:
//     the report's gateway table (`ab -n 5000 -c C`; quick profile c = 50, 200,
//     report profile c = 200, 500, 1000, 2000) and its TProxy overhead table.
//     client=go is internal/loadgen's closed loop with ab's semantics
//     (HTTP/1.0, a new connection and TLS handshake per request unless
//     keep-alive, connect time including the handshake, ab's floor-index
//     percentiles; for plain http on Linux an epoll event loop as ab's and
//     wrk's, for https a goroutine per connection). client=ab and
//     client=wrk run the real tools against the same target (wrk only
//     with keep-alive, for a fixed duration: 1 s smoke,
//     3 s quick, 15 s report, with ns/op set to its time per request), and
//     skip when the tool is not installed. When b.N < c, c is lowered to b.N
//     (ab refuses c > n).
//   - BenchmarkGatewayMulti/path=.../clients=K/c=C/client=<go|ab>: the report's
//     multi-process test, K clients of concurrency C at once (51 x 40 in the
//     report profile, 6 x 10 quick, 2 x 2 smoke). One op is one request per
//     client: each client runs b.N requests, so -benchtime 5000x is 51 x
//     `ab -n 5000 -c 40` (255,000 requests; the log prints the total). req/s
//     is the sum of the clients' own req/s, the report's "Total QPS";
//     slowest-client-ns the slowest client's time; target-cpu-% the
//     report's "CPU Usage".
//   - BenchmarkGatewayRate/path=.../rate=R: open-loop latency at a constant
//     arrival rate below saturation, each request a new connection, latency
//     from the intended send time (no coordinated omission); HDR percentiles.
//   - BenchmarkTLSHandshake/kex=<x25519mlkem768|x25519|p256>/cert=<ecdsa-p256|rsa-2048>/resume=<off|on>:
//     a mechanism benchmark for the TLS proxy's overhead: one op = one new
//     TLS 1.3 connection to the embedded target's handshake endpoint (in a
//     child process, always embedded), one at a time; handshakes/s and
//     server-cpu-ns/handshake (the target process's CPU time per
//     connection). Loopback crosses no NIC and no bounce buffer, so in a TD
//     it is the CPU cost of TLS alone.
//
// # Units
//
//   - req/s: ab's "Requests per second" (done / time from start to the last
//     answer); wrk's Requests/sec.
//   - lat-mean-ns: client=go the exact mean of the per-request total time;
//     client=ab ab's "Time per request (mean)" = c * time taken / done, the
//     report's "Avg Latency" (in a closed loop the same quantity by Little's
//     law, and printed with 3 decimals where ab's Total mean has whole ms);
//     client=wrk wrk's Latency Avg.
//   - lat-p50-ns, lat-p99-ns: client=go ab's floor-index percentiles of the
//     total time; client=ab the rows of ab's `-e` table (0.001 ms, rank
//     rounded half up: latency.ABCSV; ab's text prints whole ms); client=wrk
//     wrk's own percentiles at 1 µs from a done() script (reftool.WrkScript;
//     its text prints 3 digits). BenchmarkGatewayMulti client=ab reports no
//     percentiles (the clients' tables cannot be pooled).
//   - connect-mean-ns: the mean TCP connect + TLS handshake time (ab's
//     Connect mean, whole ms); with lat-mean-ns it splits the TLS proxy's
//     overhead into handshake and the rest (the report's "TLS handshake
//     accounts for 70%").
//   - connect-max-ns: the largest TCP connect + TLS handshake time (ab's
//     Connect max); wrk does not measure it.
//   - errors/op: requests without a 2xx answer / requests, each counted
//     once: failed connects, reads and writes, malformed answers and
//     non-2xx answers (5xx count). For ab: its Connect, Receive and
//     Exceptions failures plus its Non-2xx responses, not its Length
//     failures. For wrk: (socket errors + answers of status 400 and above)
//     / requests.
//   - length-changes/op (client=go and client=ab): answers, of any status,
//     whose body length differs from the first answer's (ab's Length
//     check) / requests. Not an error and never marks the row: a server
//     whose answers carry a counter or an id changes length every time.
//     wrk compares no lengths and has no such metric.
//   - target-cpu-% (BenchmarkGatewayMulti, embedded target only): the target
//     process's CPU time over the run's wall time, 100 = one core, the
//     report's "CPU Usage".
//   - slowest-client-ns (BenchmarkGatewayMulti): the slowest client's time
//     for its b.N requests, by its own clock (loadgen's, ab's Time taken).
//   - cpu-ns/op: CPU time of this process plus its waited-for children (ab,
//     wrk) per request: with the embedded target, client plus target, so the
//     clients' efficiency can be compared even on a shared machine.
//
// RLIMIT_NOFILE is raised to what the concurrency needs (4 descriptors per
// connection through the embedded proxy), for this process and for ab, wrk
// and the embedded target it starts (the Go runtime would otherwise give
// them back the original soft limit, often 1024); when the hard limit is
// too low the row fails, naming its concurrency and the limit (a configured
// concurrency that cannot run is no absence by design). ab or wrk output
// that lacks the
// fields read here (another version, a wrk without Lua) skips with the
// reason.
//
// Speed targets, checked as ratios in one run against the same target:
// client=go >= 1.0x ab's req/s at path=direct/keepalive=off/c=200 with 5000
// requests, and >= 0.8x wrk's req/s with keepalive=on. wrk runs for a fixed
// time (3 s quick), so the keep-alive comparison gives the Go client the same
// time rather than 5000 requests (a 0.2 s run is dominated by its start):
//
//	go test -run '^$' -bench 'Gateway$/path=direct/keepalive=off/c=200/' -benchtime 5000x -count 6 ./net_bench > off.txt
//	go test -run '^$' -bench 'Gateway$/path=direct/keepalive=on/c=200/' -benchtime 3s -count 6 ./net_bench > on.txt
//	go tool benchstat -col /client off.txt on.txt
//
// Before each timed run every client gets the same 250 ms pause and a GC, so
// that none pays for the previous run's closing connections. On a shared
// machine req/s mostly measures how much CPU each process got; cpu-ns/op
// (client plus target) is the steadier efficiency figure.
//
// # Where the code is
//
// The workload is set up in the package's own files: gateway.go starts the
// target (the embedded backend and TLS proxy in a child process, or
// TEEBENCH_NET_URL) and runs the multi-client rows, clients.go holds the
// three clients (go: internal/loadgen; ab and wrk: internal/reftool),
// cases.go the sub-benchmark names, tlshandshake.go the handshake server
// and client. The Benchmark functions, and the tests, are in _test.go files.
package net_bench
