package llmserver

import (
	"math"
	"runtime"

	"github.com/teebench/teebench/internal/workers"
)

// Weight types (Config.DType).
const (
	// F32 stores weights as float32 (the default, also spelled "").
	F32 = "f32"
	// BF16 stores weights as bfloat16 (the high half of a float32, rounded
	// to nearest even); activations, the KV cache and every sum stay
	// float32, as in serving engines.
	BF16 = "bf16"
)

// matrix is a row-major [rows][cols] weight matrix held in one of the
// weight types: exactly one of f32 and bf16 is set.
type matrix struct {
	rows, cols int
	f32        []float32
	bf16       []uint16
}

func newMatrix(rows, cols int, dtype string) matrix {
	m := matrix{rows: rows, cols: cols}
	if dtype == BF16 {
		m.bf16 = make([]uint16, rows*cols)
	} else {
		m.f32 = make([]float32, rows*cols)
	}
	return m
}

// set stores v at flat index i (rounded when the matrix is bfloat16).
func (w *matrix) set(i int, v float32) {
	if w.bf16 != nil {
		w.bf16[i] = f32ToBF16(v)
	} else {
		w.f32[i] = v
	}
}

// len is the number of weights.
func (w *matrix) len() int { return w.rows * w.cols }

// rowTo writes row o as float32 into dst.
func (w *matrix) rowTo(dst []float32, o int) {
	if w.bf16 == nil {
		copy(dst, w.f32[o*w.cols:(o+1)*w.cols])
		return
	}
	for i, b := range w.bf16[o*w.cols : (o+1)*w.cols] {
		dst[i] = bf16ToF32(b)
	}
}

// f32ToBF16 rounds v to bfloat16, to nearest even (v is never NaN here).
func f32ToBF16(v float32) uint16 {
	u := math.Float32bits(v)
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

func bf16ToF32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// epilogue is what matmul does with each dot product.
type epilogue int

const (
	store   epilogue = iota // y = x·w
	add                     // y += x·w (the residual connection)
	geluOut                 // y = gelu(x·w)
)

// kernels are the dot products matmul uses: the AVX2 ones where the CPU
// has them, else (and always for the reference model of the tests) the
// scalar Go ones.
type kernels struct {
	f32  func(a, b []float32) float32
	bf16 func(x []float32, w []uint16) float32
}

var (
	scalarKernels = kernels{dot, dotBF16}
	simdKernels   = kernels{dotSIMD, dotBF16SIMD}
)

// matmul computes y[T x out] (op)= x[T x in] * w^T where w is [out x in].
// Output rows are split among GOMAXPROCS workers (one pass over the
// weights, also at T = 1). Each weight row is loaded once per block of 64
// input rows, so with few rows (decoding) the cost is one pass over the
// weights, and with many (prefill) it is compute. GELU is applied to a
// chunk's outputs after its dot products, in a loop of its own: between
// two dot products it would stall the stream of weights for its latency.
func matmul(y, x []float32, w *matrix, T int, k kernels, op epilogue) {
	in, out := w.cols, w.rows
	parallelFor(out, T*in*out, func(lo, hi int) {
		for t0 := 0; t0 < T; t0 += 64 {
			t1 := min(t0+64, T)
			for o := lo; o < hi; o++ {
				for t := t0; t < t1; t++ {
					var s float32
					if w.bf16 != nil {
						s = k.bf16(x[t*in:(t+1)*in], w.bf16[o*in:(o+1)*in])
					} else {
						s = k.f32(x[t*in:(t+1)*in], w.f32[o*in:(o+1)*in])
					}
					if op == add {
						y[t*out+o] += s
					} else {
						y[t*out+o] = s
					}
				}
			}
			if op == geluOut {
				for t := t0; t < t1; t++ {
					for o := lo; o < hi; o++ {
						y[t*out+o] = gelu(y[t*out+o])
					}
				}
			}
		}
	})
}

// parallelFor runs fn over [0, n) on up to GOMAXPROCS goroutines (the
// caller's among them) when the work (in multiply-adds) is large enough to
// pay for them, on the package's workers.Team, which stays hot between the
// dozens of loops of a decode step. Each goroutine owns a contiguous share
// of the rows and takes about 32 chunks of it in order (one stream for the
// prefetchers); one done early takes chunks from the ends of the others'
// shares, so a core slowed by other processes does not hold up the pass.
func parallelFor(n, work int, fn func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), n)
	if p <= 1 || work < 1<<18 {
		fn(0, n)
		return
	}
	team.For(p, n, max(1, n/(32*p)), fn)
}

// team runs parallelFor's loops.
var team workers.Team

// dot is the scalar reference dot product.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotBF16 is the scalar reference dot product of float32 x and bfloat16 w.
func dotBF16(x []float32, w []uint16) float32 {
	w = w[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * bf16ToF32(w[i])
		s1 += x[i+1] * bf16ToF32(w[i+1])
		s2 += x[i+2] * bf16ToF32(w[i+2])
		s3 += x[i+3] * bf16ToF32(w[i+3])
	}
	for ; i < len(x); i++ {
		s0 += x[i] * bf16ToF32(w[i])
	}
	return (s0 + s1) + (s2 + s3)
}

func axpy(dst, x []float32, a float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += a * x[i]
	}
}

// fillParallel draws every matrix of ws (with standard deviations std)
// from per-block generators: block j of matrix i is seeded from (seed, i,
// j), so the weights depend on the seed only, not on the number of
// goroutines that draw them. Values are an Irwin-Hall approximation of a
// normal distribution (sum of four 16-bit uniforms, standardised) from
// SplitMix64, a few nanoseconds per weight.
func fillParallel(seed uint64, ws []*matrix, std []float64) {
	const block = 1 << 16
	type job struct{ m, lo, hi int }
	var jobs []job
	for i, w := range ws {
		for lo := 0; lo < w.len(); lo += block {
			jobs = append(jobs, job{i, lo, min(lo+block, w.len())})
		}
	}
	parallelFor(len(jobs), len(jobs)*block, func(lo, hi int) {
		for _, j := range jobs[lo:hi] {
			w, sd := ws[j.m], float32(std[j.m])
			state := seed ^ uint64(j.m)<<40 ^ uint64(j.lo/block)
			splitmix64(&state)
			if w.bf16 != nil {
				dst := w.bf16[j.lo:j.hi]
				for i := range dst {
					dst[i] = f32ToBF16(approxNormal(splitmix64(&state)) * sd)
				}
			} else {
				dst := w.f32[j.lo:j.hi]
				for i := range dst {
					dst[i] = approxNormal(splitmix64(&state)) * sd
				}
			}
		}
	})
}

func splitmix64(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// approxNormal maps 64 random bits to an approximately standard normal
// value: the sum of four uniform 16-bit integers, centred and divided by
// its standard deviation (2 * sqrt((65536^2 - 1) / 12)).
func approxNormal(u uint64) float32 {
	s := int64(u&0xffff) + int64(u>>16&0xffff) + int64(u>>32&0xffff) + int64(u>>48)
	return float32(s-2*65535) * (1 / 37837.23)
}
