// Package cpu_bench measures CPU-bound work: the 7-Zip-method compression
// rating and its thread scaling (sections V and VIII of the reference report),
// and the memory probes behind the "Memory Encryption Impact" table of
// section IV (STREAM bandwidth, memory latency, SHA-256 speed).
package cpu_bench
