// Package pace decides when the requests of a load are sent; the load
// generators (internal/loadgen for HTTP, internal/llmclient for
// OpenAI-compatible streaming servers) decide what a request is and what
// is measured about it. llmclient.Run paces both its loops with Run;
// loadgen.Open paces with Open. loadgen.Closed keeps a dispatch of its
// own, because ab's closed loop is protocol as much as pace (its first
// request runs alone, each worker keeps its connection, and plain http
// runs on event loops rather than a goroutine per request).
//
// A load is either a closed loop or an open loop:
//
//   - Closed: n requests, c in flight; each finished request is at once
//     followed by the next (ab -c, vLLM --max-concurrency with
//     --request-rate inf). Requests are handed out in index order.
//   - Open: requests start at fixed offsets from the start, whatever the
//     answers do, so a stalled server shows up in the latencies instead of
//     slowing the load down (coordinated omission; wrk2, vegeta, vLLM
//     --request-rate). An optional cap on the requests in flight makes
//     later requests wait, in order, for a free slot; their offsets are
//     kept, so the waiting counts in a latency measured from the intended
//     time.
//
// The open loop's offsets come from a Schedule of gaps: Constant (wrk2's
// fixed rate), Poisson (vLLM's default) or Gamma (vLLM's --burstiness:
// shape < 1 is burstier than Poisson). Offsets sums the gaps as they come;
// Arrivals also rescales them as vLLM bench serve does, so that the last
// request is due at exactly n/rate. Load describes either loop the way
// vLLM's command line does, and Run runs it.
//
// A load of thousands of concurrent connections needs as many open files;
// RaiseOpenFiles raises RLIMIT_NOFILE for the process and the tools it
// starts afterwards.
package pace
