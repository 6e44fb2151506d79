// Package llm_bench is an OpenAI-compatible streaming load generator with
// vLLM bench serve's metric definitions (section VII of the reference report).
package llm_bench
