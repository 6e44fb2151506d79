// Package llmserver is llm_bench's embedded default target: an
// OpenAI-compatible HTTP server (/v1/models, streaming /v1/completions and
// /v1/chat/completions with usage) backed by a real, small decoder-only
// transformer written in Go, so the LLM benchmark runs with no GPU and no
// downloads.
//
// The model (Model) has deterministic random weights drawn from a seed, a
// byte-level vocabulary (256 byte tokens plus EOS), a per-sequence KV cache
// and greedy decoding. Two sizes are predefined: Tiny (about 1M parameters)
// and Small (about 25M parameters, 100 MB of float32 weights, far beyond any
// CPU cache, so every decode pass streams all weights from DRAM). The
// kernels are plain scalar Go (no SIMD), about 3 GMAC/s per core, i.e. one
// core consumes about 12 GB/s of weights. On the 2-core EPYC VM this was
// written on, a dot product over weights streamed from DRAM ran only about
// 6% slower than over weights in cache, so decoding is mostly compute-bound
// there; memory encryption shows where it pushes a core's DRAM bandwidth
// below that rate or adds latency. Prefill time grows with the prompt
// length and per-token time with the model size, so a CPU TEE's overhead
// shows up in TTFT and TPOT alike. The compute is real: nothing sleeps.
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
