//go:build gpu

// Package gpu_bench (build tag gpu) reads the GPU inventory and
// confidential-computing state through NVML and measures CPU-GPU copy
// bandwidth and GEMM TOPS through the CUDA driver (section VI of the
// reference report).
package gpu_bench
