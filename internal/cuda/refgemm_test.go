package cuda

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRefGEMMSmallByHand(t *testing.T) {
	// m=2, n=2, k=3. A rows: [1 2 3], [-1 0 4]; B rows: [2 1 0], [1 1 1].
	a := []byte{1, 2, 3, 0xff, 0, 4}
	b := []byte{2, 1, 0, 1, 1, 1}
	c := RefGEMM(Int8, 2, 2, 3, a, b)
	// C is column-major: C[0,0] C[1,0] C[0,1] C[1,1].
	want := []int32{1*2 + 2*1, -1 * 2, 1 + 2 + 3, -1 + 4}
	for i, w := range want {
		if got := int32(binary.LittleEndian.Uint32(c[4*i:])); got != w {
			t.Errorf("C[%d] = %d, want %d", i, got, w)
		}
	}
	if err := CheckGEMM(Int8, 2, 2, 3, a, b, c); err != nil {
		t.Error(err)
	}
}

func TestCheckGEMM(t *testing.T) {
	const m, n, k = 24, 16, 200
	for _, d := range DTypes {
		t.Run(d.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(d)))
			a, b := RandomMatrix(d, m, k, rng), RandomMatrix(d, n, k, rng)
			c := RefGEMM(d, m, n, k, a, b)
			if err := CheckGEMM(d, m, n, k, a, b, c); err != nil {
				t.Fatalf("reference result rejected: %v", err)
			}

			// One changed output element is found and named.
			bad := append([]byte(nil), c...)
			idx := 5 + 3*m // C[5,3]
			// +1 is exact for int8, and far above the fp16/bf16
			// tolerances at these magnitudes (|C| ≈ sqrt(k)/3 ≈ 5: about
			// 0.01 and 0.05).
			d.putOut(bad, idx, d.Out(bad, idx)+1)
			err := CheckGEMM(d, m, n, k, a, b, bad)
			if err == nil || !strings.Contains(err.Error(), "C[5,3]") || !strings.HasPrefix(err.Error(), "1 of 384") {
				t.Errorf("one wrong element: got %v", err)
			}

			// The other layout (A not transposed) is rejected: the check
			// catches a wrong transa/lda.
			wrong := make([]byte, len(c))
			for j := 0; j < n; j++ {
				for i := 0; i < m; i++ {
					var s float64
					for p := 0; p < k; p++ {
						s += d.In(a, (p*m+i)%(m*k)) * d.In(b, j*k+p)
					}
					d.putOut(wrong, i+j*m, s)
				}
			}
			if err := CheckGEMM(d, m, n, k, a, b, wrong); err == nil {
				t.Error("result of the NN layout accepted")
			}

			// All zeros are rejected.
			if err := CheckGEMM(d, m, n, k, a, b, make([]byte, len(c))); err == nil {
				t.Error("zero result accepted")
			}

			if err := CheckGEMM(d, m, n, k, a, b, c[:len(c)-1]); err == nil || !strings.Contains(err.Error(), "buffer sizes") {
				t.Errorf("short C: got %v", err)
			}
		})
	}
}

func TestToleranceAtBenchmarkSize(t *testing.T) {
	// At k = 8192 the fp16/bf16 tolerance must stay well below a typical
	// |C| (about sqrt(k)/3 for uniform [-1,1) inputs), or the check could
	// not tell a right result from a wrong one.
	const k = 8192
	rng := rand.New(rand.NewPCG(3, 4))
	for _, d := range []DType{FP16, BF16} {
		a, b := RandomMatrix(d, 4, k, rng), RandomMatrix(d, 4, k, rng)
		var sumAbs, sumTol float64
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				want, mag := RefDot(d, k, a, b, i, j)
				if want < 0 {
					want = -want
				}
				sumAbs += want
				sumTol += d.Tolerance(want, mag)
			}
		}
		if sumTol > sumAbs/20 {
			t.Errorf("%v: mean tolerance %.3g is more than 5%% of mean |C| %.3g", d, sumTol/16, sumAbs/16)
		}
	}
	if Int8.Tolerance(100, 1000) != 0 {
		t.Error("int8 must be exact")
	}
}

func TestRandomMatrix(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range DTypes {
		buf := RandomMatrix(d, 33, 17, rng)
		if len(buf) != 33*17*d.InSize() {
			t.Fatalf("%v: %d bytes", d, len(buf))
		}
		nonzero, distinct := 0, map[float64]bool{}
		for i := 0; i < 33*17; i++ {
			v := d.In(buf, i)
			if v != 0 {
				nonzero++
			}
			distinct[v] = true
			if d != Int8 && (v < -1 || v > 1) {
				t.Fatalf("%v element %d = %v, outside [-1, 1]", d, i, v)
			}
		}
		if nonzero < 33*17*9/10 || len(distinct) < 100 {
			t.Errorf("%v: %d nonzero, %d distinct of %d: not random", d, nonzero, len(distinct), 33*17)
		}
	}
}

func TestGEMMOps(t *testing.T) {
	if got := GEMMOps(8192, 8192, 8192); got != 2*8192.0*8192*8192 {
		t.Errorf("GEMMOps = %v", got)
	}
}

func TestResultError(t *testing.T) {
	if got := ErrorNotSupported.Error(); got != "CUDA_ERROR_NOT_SUPPORTED (801)" {
		t.Errorf("got %q", got)
	}
	if got := Result(12345).Error(); got != "CUresult 12345" {
		t.Errorf("got %q", got)
	}
	if check("op", Success) != nil {
		t.Error("Success is an error")
	}
	if got := check("cuMemAlloc", ErrorOutOfMemory).Error(); got != "cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (2)" {
		t.Errorf("got %q", got)
	}
	if got := Status(15).Error(); got != "CUBLAS_STATUS_NOT_SUPPORTED (15)" {
		t.Errorf("got %q", got)
	}
}
