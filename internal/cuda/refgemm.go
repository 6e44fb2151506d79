package cuda

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// The GEMM layout used throughout is cuBLAS's "TN" form, the one integer
// tensor-core kernels require (docs/apis.md §5):
//
//	cublasGemmEx(h, OP_T, OP_N, m, n, k, 1, A, lda=k, B, ldb=k, 0, C, ldc=m)
//
// A holds m rows of k contiguous elements (a k×m column-major matrix), B
// holds n rows of k contiguous elements, and C is m×n column-major:
//
//	C[i + j*m] = Σ_p A[i*k + p] · B[j*k + p]

// GEMMOps is the operation count of one m×n×k GEMM: a multiply and an add
// per term, 2·m·n·k. TOPS = GEMMOps · iterations / seconds / 1e12.
func GEMMOps(m, n, k int) float64 { return 2 * float64(m) * float64(n) * float64(k) }

// RandomMatrix returns rows×k random elements of type d, encoded as the GPU
// reads them: int8 uniform in [-128, 127], fp16 and bf16 uniform in [-1, 1)
// rounded to the type. The values are never all zero.
func RandomMatrix(d DType, rows, k int, rng *rand.Rand) []byte {
	n := rows * k
	buf := make([]byte, n*d.InSize())
	switch d {
	case Int8:
		for i := 0; i < n; i += 8 {
			var w [8]byte
			binary.LittleEndian.PutUint64(w[:], rng.Uint64())
			copy(buf[i:], w[:])
		}
	case FP16:
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint16(buf[2*i:], Float32ToHalf(2*rng.Float32()-1))
		}
	case BF16:
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint16(buf[2*i:], Float32ToBF16(2*rng.Float32()-1))
		}
	default:
		panic(fmt.Sprintf("cuda: invalid DType %d", int(d)))
	}
	return buf
}

// RefDot returns the exact value of C[i + j*m] for inputs a and b (TN
// layout, inner dimension k), computed in float64 (exact for int8 up to
// k = 2^37), and the sum of the terms' magnitudes, which bounds the
// accumulation error of any summation order.
func RefDot(d DType, k int, a, b []byte, i, j int) (want, mag float64) {
	ai, bj := i*k, j*k
	if d == Int8 {
		var s, m int64
		for p := 0; p < k; p++ {
			t := int64(int8(a[ai+p])) * int64(int8(b[bj+p]))
			s += t
			if t < 0 {
				t = -t
			}
			m += t
		}
		return float64(s), float64(m)
	}
	for p := 0; p < k; p++ {
		t := d.In(a, ai+p) * d.In(b, bj+p)
		want += t
		mag += math.Abs(t)
	}
	return want, mag
}

// AccEps is the relative accumulation error allowed for float GEMMs, as a
// fraction of the sum of the terms' magnitudes. float32 accumulation of k
// terms in blocked or pairwise order stays well below it (a plain serial
// sum has error ≤ k·2^-24 of that sum, about 2^-11 at k = 8192, but
// tensor cores sum in short blocks); a wrong layout or a missing term is
// off by a sizeable fraction of |C| and fails.
const AccEps = 0x1p-14

// Tolerance returns the largest allowed |got - want| for one output element
// of type d with the exact value want and term-magnitude sum mag: zero for
// int8, otherwise the output rounding plus AccEps·mag.
func (d DType) Tolerance(want, mag float64) float64 {
	i := d.info()
	if i.outEps == 0 {
		return 0
	}
	return 2*i.outEps*math.Abs(want) + AccEps*mag + 0x1p-24
}

// CheckAt checks one output element got = C[i + j*m] against the CPU
// reference and returns an error naming the element when it is off.
func CheckAt(d DType, k int, a, b []byte, i, j int, got float64) error {
	want, mag := RefDot(d, k, a, b, i, j)
	tol := d.Tolerance(want, mag)
	if diff := math.Abs(got - want); !(diff <= tol) {
		return fmt.Errorf("%v GEMM k=%d: C[%d,%d] = %g, want %g (|diff| %g > tolerance %g)", d, k, i, j, got, want, diff, tol)
	}
	return nil
}

// CheckGEMM checks every element of the m×n column-major result c of type
// d against the CPU reference for inputs a (m×k) and b (n×k). It reports
// the first few mismatches and how many there were.
func CheckGEMM(d DType, m, n, k int, a, b, c []byte) error {
	if len(a) != m*k*d.InSize() || len(b) != n*k*d.InSize() || len(c) != m*n*d.OutSize() {
		return fmt.Errorf("%v GEMM %dx%dx%d: buffer sizes A=%d B=%d C=%d bytes do not match", d, m, n, k, len(a), len(b), len(c))
	}
	var first error
	bad := 0
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			if err := CheckAt(d, k, a, b, i, j, d.Out(c, i+j*m)); err != nil {
				if first == nil {
					first = err
				}
				bad++
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d elements wrong; first: %w", bad, m*n, first)
	}
	return nil
}

// RefGEMM computes the whole m×n result on the CPU and encodes it as type
// d's output (int32 for int8, rounded to fp16/bf16 otherwise). Tests use it
// to exercise CheckGEMM; it is O(m·n·k), so keep the sizes small.
func RefGEMM(d DType, m, n, k int, a, b []byte) []byte {
	c := make([]byte, m*n*d.OutSize())
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			v, _ := RefDot(d, k, a, b, i, j)
			d.putOut(c, i+j*m, v)
		}
	}
	return c
}

// putOut stores v as output element i of type d (int32 for int8, rounded
// to fp16 or bf16 otherwise).
func (d DType) putOut(buf []byte, i int, v float64) {
	switch d {
	case Int8:
		binary.LittleEndian.PutUint32(buf[4*i:], uint32(int32(v)))
	case FP16:
		binary.LittleEndian.PutUint16(buf[2*i:], Float32ToHalf(float32(v)))
	case BF16:
		binary.LittleEndian.PutUint16(buf[2*i:], Float32ToBF16(float32(v)))
	default:
		panic(fmt.Sprintf("cuda: invalid DType %d", int(d)))
	}
}
