//go:build gpu

// Package gpu_bench (build tag gpu) measures the GPU side of the reference
// report (section VI: memory, bandwidth, INT8 TOPS) and the mechanism
// behind section VII's overhead: in confidential-computing (CC) mode every
// CPU-GPU transfer is encrypted and staged through bounce buffers
// (docs/methods.md §5, §8).
//
//	go test -tags gpu -run '^$' -bench . ./gpu_bench
//
// TestMain adds NVML's inventory to the environment manifest (gpu:,
// gpu-mem:, gpu-pcie:, gpu-driver:, gpu-cuda:, gpu-cc: on|off, gpu-cc-env:,
// gpu-cc-ready: ...; see internal/gpuinfo). The benchmarks reach the CUDA
// driver and cuBLAS through purego (internal/cuda), so building needs no
// CUDA toolkit; NVML needs cgo.
//
//   - BenchmarkCopy/dir=h2d|d2h/mem=pinned|pageable/size=4KiB..1GiB and
//     dir=d2d/mem=device: one op = one cuMemcpy of size bytes, timed with
//     CUDA events around b.N copies on the default stream, in B/s = size /
//     time. d2d also reports devmem-B/s = 2·size / time, the read + write
//     traffic that bandwidthTest prints for d2d and that the HBM bandwidth
//     of section VI compares with. In CC mode pinned host memory is not
//     supported: those cases skip and say so.
//   - BenchmarkGEMM/dtype=int8|fp16|bf16/n=4096|8192: one op = one n×n×n
//     cublasGemmEx (TN layout; int8→int32, fp16→fp16 and bf16→bf16 with
//     fp32 accumulation), in TOPS = 2n³/time. Before timing, each
//     configuration is checked element by element against a CPU reference
//     at a small non-square size, and at full size on sampled elements
//     (again after timing); inputs are random.
//   - BenchmarkLaunch/sync=false|true: one op = one launch of a one-thread
//     PTX kernel (loaded with cuModuleLoadData, no nvcc), queued
//     back-to-back or followed by cuCtxSynchronize (round trip), in ns/op;
//     the kernel counts its runs and the count is checked.
//
// Mechanism benchmarks (mech_test.go), which explain the LLM overheads:
//
//   - BenchmarkCopyLatency/dir=h2d|d2h/mem=pinned|pageable/size=4KiB: one
//     op = one synchronous 4 KiB copy, waited for, wall clock ns/op.
//   - BenchmarkCopyStreams/streams=1|2/dirs=h2d|h2d+h2d|h2d+d2h/mem=.../size=64MiB:
//     each stream (own thread, own non-blocking stream) copies size bytes
//     per op; B/s is all streams' bytes over the wall time. CC serialises
//     the encrypted copies, so two streams stop beating one.
//   - BenchmarkLoad/size=1GiB|4GiB|16GiB: one op = upload size bytes of
//     pageable host memory in 256 MiB copies (a model load), ns/op and B/s;
//     sizes by profile, skipped when free device or host memory is short.
//
// Without an NVIDIA driver every benchmark skips with "no NVIDIA driver
// (libcuda.so.1 / libnvidia-ml.so.1 not found)". cuBLAS is looked up as
// libcublas.so.13/.so.12 on the loader path; testdata/run_on_gpu.sh sets
// LD_LIBRARY_PATH from the PyTorch installation and compares every figure
// with torch on the same card.
package gpu_bench
