// Package llm_bench measures LLM serving as `vllm bench serve` does, with
// its metric definitions (section VII of the reference report, from arXiv
// 2409.03992; docs/methods.md §4-5): streaming requests to an OpenAI-compatible
// server, by default the embedded CPU server of internal/llmserver. The
// parts are elsewhere: the requests, their timing and vLLM's metrics are
// internal/llmclient's, when each request is sent is internal/pace's, and
// the server is internal/llmserver; serve.go puts them together (the
// workloads per profile, the targets, one benchmark run) and
// BenchmarkServe, in serve_test.go, runs the sweep.
//
// BenchmarkServe/model=<m>/concurrency=<N> and BenchmarkServe/model=<m>/rate=<r>
// send one streaming /v1/completions request per op over vLLM's random
// dataset (ignore_eos, so each request generates exactly its output length)
// and report:
//
//	tok/s          vLLM's output token throughput (includes prefill and waiting)
//	decode-tok/s   Σ(output tokens - 1) / Σ(E2EL - TTFT) over requests: tokens
//	               generated per second of decoding (at concurrency=1: the paper's TPS)
//	total-tok/s    input + output tokens per second
//	req/s          completed requests per second (max over the sweep: the paper's QPS)
//	ttft-mean-ns, ttft-p99-ns   time to the first chunk
//	tpot-mean-ns, tpot-p99-ns   (E2EL - TTFT)/(output tokens - 1) per request
//	itl-mean-ns, itl-p99-ns     gaps between chunks, pooled over requests
//	e2el-mean-ns, e2el-p99-ns   request latency
//	errors/op      failed requests per request (reasons are logged)
//	goodput-req/s  requests meeting every SLO of TEEBENCH_LLM_GOODPUT, per second
//
// Percentiles are numpy's (linear interpolation), as vLLM prints them.
// concurrency=N is a closed loop with N requests in flight; rate=R an open
// loop with Poisson arrivals (vLLM's --request-rate R --burstiness 1);
// rate=inf sends every request at once (vLLM's default, the server's
// maximum batched throughput). Each
// result's log says whether output tokens were counted by the server (usage)
// or from stream chunks.
//
// With no configuration the target is the embedded server
// (internal/llmserver): a real Go transformer with random weights in four
// sizes, model=tiny (about 1M parameters), model=small (about 25M, 100 MB
// of weights), model=medium (about 101M, 403 MB: a memory-bound decode, as
// real CPU inference) and model=medium-bf16 (the same weights in bfloat16,
// 201 MB); its rows also report weights-B/s and bw-util-% (the decode's
// weight reads over the all-core STREAM triad). TEEBENCH_LLM_URL, TEEBENCH_LLM_MODEL and TEEBENCH_LLM_API_KEY
// point it at vLLM, SGLang or any OpenAI-compatible server instead (the key
// is never printed; the API paths are joined to the URL's path, a /v1 or a
// prefix such as /proxy/v1 included, and its query string is kept). Before
// the rows of such a server the package prints what it says about itself
// as config lines: llm-target (the URL, credentials redacted), llm-model,
// llm-max-model-len (/v1/models) and llm-server-version (vLLM's /version,
// left out where the server has none); see externalTarget. TEEBENCH_PROFILE sizes the runs: smoke is the tiny model
// with short requests; report uses vLLM's random-dataset defaults (1024
// input, 128 output tokens).
//
//	go test -run '^$' -bench Serve ./llm_bench
//	TEEBENCH_LLM_URL=http://gpu:8000 go test -run '^$' -bench Serve -benchtime 200x -count 6 ./llm_bench
package llm_bench
