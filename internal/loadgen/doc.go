// Package loadgen generates HTTP load for net_bench. It has two modes:
//
//   - Closed loop (Closed): ApacheBench's semantics (docs/methods.md §3). N
//     requests over C connections with at most C in flight, HTTP/1.0,
//     keep-alive off by default so every request is a new TCP connection and,
//     for https, a new TLS handshake; per request the connect time (TCP + TLS),
//     the waiting time (end of write to first byte) and the total time are
//     recorded, and failures are counted by ab's categories plus non-2xx
//     answers. Percentiles of Result.Total follow ab's floor-index rule
//     (latency.ABPercentile).
//   - Open loop (Open): requests start at the times of a pace.Schedule
//     (internal/pace: Constant, Poisson or Gamma gaps) whatever the server does, and latency is
//     measured from the intended send time, so stalls are not hidden
//     (coordinated omission; wrk2, vegeta). Phase times come from
//     net/http/httptrace.
//
// Every run is bounded: by its request count, by a per-request timeout
// (DefaultTimeout) and by the caller's context, and a run stopped early
// returns what it measured so far. Probe checks a target once before a
// benchmark and fails within ProbeTimeout with an error naming the URL, or
// saying that TLS verification failed.
package loadgen
