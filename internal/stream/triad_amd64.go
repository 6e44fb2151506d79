package stream

import "golang.org/x/sys/cpu"

// hasAVX2 says whether triadAVX2 can run here.
var hasAVX2 = cpu.X86.HasAVX2

// triadAVX2 does a[i] = b[i] + s*c[i] for i < n with 256-bit vectors, 16
// elements per iteration; n is a positive multiple of 16.
//
//go:noescape
func triadAVX2(a, b, c *float64, n int, s float64)
