//go:build !amd64

package stream

// hasAVX2 is false off amd64: triad runs the Go loop.
const hasAVX2 = false

func triadAVX2(a, b, c *float64, n int, s float64) {
	panic("stream: no AVX2 triad on this architecture")
}
