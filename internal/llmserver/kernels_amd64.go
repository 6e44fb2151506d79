package llmserver

import "golang.org/x/sys/cpu"

// simd says whether the AVX2+FMA kernels of kernels_amd64.s can run here.
var simd = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotF32AVX2 returns the dot product of n float32 values at x and w; n is a
// positive multiple of 8.
//
//go:noescape
func dotF32AVX2(x, w *float32, n int) float32

// dotBF16AVX2 returns the dot product of n float32 values at x and n
// bfloat16 values at w, accumulated in float32; n is a positive multiple
// of 8.
//
//go:noescape
func dotBF16AVX2(x *float32, w *uint16, n int) float32

// dotSIMD is dot with the AVX2 kernel.
func dotSIMD(a, b []float32) float32 {
	return simdDot(a, b, dotF32AVX2, func(v float32) float32 { return v })
}

// dotBF16SIMD is dotBF16 with the AVX2 kernel.
func dotBF16SIMD(x []float32, w []uint16) float32 {
	return simdDot(x, w, dotBF16AVX2, bf16ToF32)
}

// simdDot returns the dot product of x and w (weights of type W, widen
// making a float32 of one): kernel takes the largest multiple of 8
// products, the last len(x)%8 are added in Go.
func simdDot[W float32 | uint16](x []float32, w []W, kernel func(*float32, *W, int) float32, widen func(W) float32) float32 {
	w = w[:len(x)]
	n := len(x) &^ 7
	var s float32
	if n > 0 {
		s = kernel(&x[0], &w[0], n)
	}
	for i := n; i < len(x); i++ {
		s += x[i] * widen(w[i])
	}
	return s
}
