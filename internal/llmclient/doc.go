// Package llmclient measures OpenAI-compatible streaming servers (vLLM,
// SGLang, llm_bench's embedded llmserver) the way vLLM's `vllm bench serve`
// does, so that results are comparable with the paper reproduced in section
// VII of the reference report (docs/methods.md §4-5).
//
// Client.Do sends one streaming /v1/completions or /v1/chat/completions
// request (with stream_options.include_usage) and times its server-sent
// events: TTFT, the chunk gaps (ITL) and E2EL. Output token counts come from
// the server's usage field, or from counted chunks when it sends none
// (Metrics.TokensFrom says which). A bad server (4xx/5xx, malformed SSE, a
// dropped connection, a stalled stream past Client.Timeout) gives a failed
// Output with a Reason, never a panic or a hang.
//
// Run offers a list of requests under a pace.Load (internal/pace: a closed
// loop of Concurrency requests in flight, or an open loop at Rate with
// vLLM's Gamma arrivals and an optional MaxConcurrency). Random builds vLLM's random
// dataset. Summarize computes vLLM's calculate_metrics (TPOT per request,
// pooled ITL, throughputs, goodput for the SLOs of ParseSLO) and
// Metrics.Report writes them as benchmark metrics.
//
// llm_bench calls it. When requests are sent is internal/pace's business;
// this package keeps the protocol and vLLM's metric definitions.
package llmclient
