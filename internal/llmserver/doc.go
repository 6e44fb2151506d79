// Package llmserver is llm_bench's embedded default target: an
// OpenAI-compatible HTTP server (/v1/models, streaming /v1/completions and
// /v1/chat/completions with usage) backed by a real, small decoder-only
// transformer written in Go, so the LLM benchmark runs with no GPU and no
// downloads.
//
// The model (Model) has deterministic random weights drawn from a seed, a
// byte-level vocabulary (256 byte tokens plus EOS), a per-sequence KV cache
// and greedy decoding. The predefined sizes: Tiny (about 1M parameters),
// Small (about 25M parameters, 100 MB of float32 weights) and Medium
// (about 101M parameters, 403 MB, far above any last-level cache), plus
// MediumBF16, Medium's weights rounded to bfloat16 (201 MB) with float32
// activations and accumulation, as serving engines run. Tiny and Small
// draw their weights from one sequential PCG stream; Medium draws them in
// parallel (Config.ParallelInit) so that 400 MB take well under a second
// of CPU.
//
// The matrix-vector products are AVX2+FMA assembly (kernels_amd64.s;
// scalar Go on other CPUs and in the tests' reference model), their
// output rows split across GOMAXPROCS goroutines also at batch 1, so a
// decode pass at batch 1 streams every weight from DRAM once and is bound
// by memory bandwidth, as real CPU inference is. Three things make that
// hold as in a serving engine: the goroutines are a workers.Team that
// stays hot between the ~60 loops of a decode step (starting goroutines
// per loop cost a quarter of the pass, a wake-up of an idle vCPU each);
// each goroutine streams its own contiguous share of a matrix's rows, in
// order, taking from the others' ends only when done (hardware
// prefetchers follow one stream; chunks handed out alternately cost a
// stream restart each); and the KV cache is paged (Seq), so attention
// reads and the new token's keys do not miss the TLB on every position.
// On the 2-core EPYC VM this was written on, quiet, Medium's
// BenchmarkForward decode read its weights at a median 92% of the
// all-core STREAM triad's mean rate over the same stretch of time
// (bw-util-%; 6 runs, benchstat's interval ±20%; three other runs 77, 84
// and 86%), and MediumBF16, half the bytes, decoded
// 1.8x as fast as Medium (speedup-vs-f32: fastest passes, alternating),
// which only a memory-bound decode can do. Memory encryption then shows
// directly in TPOT and ITL. The compute is real: nothing sleeps; prefill
// is compute-bound and grows with the prompt.
//
// An Engine batches concurrent requests (continuous batching: one forward
// pass per step over every running sequence). Output is restricted to
// tokens that are valid text on their own (printable ASCII, newline, EOS),
// so each streamed chunk carries exactly one token. The prompt's tokens are
// its UTF-8 bytes; chat messages are joined by a fixed template.
//
// llm_bench starts it with StartLoopback; tests of internal/llmclient use it
// as a real server.
package llmserver
