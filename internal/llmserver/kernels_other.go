//go:build !amd64

package llmserver

// simd is false: only amd64 has assembly kernels; other architectures use
// the scalar Go kernels.
const simd = false

func dotSIMD(a, b []float32) float32 { return dot(a, b) }

func dotBF16SIMD(x []float32, w []uint16) float32 { return dotBF16(x, w) }
