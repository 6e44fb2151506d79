// Package cuda reaches the NVIDIA CUDA driver API (libcuda.so.1) and cuBLAS
// (libcublas.so.12/13) through github.com/ebitengine/purego, so that
// gpu_bench needs neither the CUDA toolkit nor cgo at build time.
//
// The bindings (OpenLibrary, Context, Event, Timer, BLAS, Module, Launch) are
// compiled only under the build tag gpu. Everything else is plain Go and
// tested on any machine: the GEMM element types and their cuBLAS type codes
// (DType), the float16/bfloat16 conversions, the CPU reference GEMM and
// tolerances that every GPU result is checked against before it is timed
// (RefDot, CheckAt, CheckGEMM), the result-code names, and the tiny PTX
// kernel of the launch benchmark. Under the gpu tag, the tests also drive
// every binding through a mock driver built from testdata/mockcuda.c with
// gcc (host memory for device memory, a CPU cublasGemmEx), since no GPU
// is needed to check argument passing and symbol resolution.
//
// Symbols are resolved through cuGetProcAddress_v2 with the CUDA 12.0 ABI
// (docs/apis.md §5): cuda.h #defines map names such as cuMemAlloc to versioned
// exports (cuMemAlloc_v2), and cuGetProcAddress picks the export that
// matches the signatures written here. Drivers older than CUDA 12 fall back
// to dlsym with the versioned names.
//
// CUDA contexts are current per OS thread: a caller locks its goroutine to
// its thread (runtime.LockOSThread) and calls Context.Bind before any other
// call, in every goroutine that uses the context.
package cuda
