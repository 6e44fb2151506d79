// Package net_bench measures gateway load as in section III of the reference
// report: direct HTTP against a TLS-terminating proxy, a concurrency sweep
// with ApacheBench semantics, the multi-client test and open-loop latency.
package net_bench
