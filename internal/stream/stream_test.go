package stream

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStreamKernels checks each kernel's arithmetic on a small array split
// over 3 threads.
func TestStreamKernels(t *testing.T) {
	want := map[string][3]float64{ // a, b, c after the kernel, from 1, 2, 0.5
		"copy":  {1, 2, 1},
		"scale": {1, 1.5, 0.5},
		"add":   {1, 2, 3},
		"triad": {3.5, 2, 0.5},
	}
	for _, k := range Kernels {
		s := NewArrays(1001, 3)
		s.Pass(k, 3)
		for _, j := range []int{0, 500, 1000} {
			if got := [3]float64{s.A[j], s.B[j], s.C[j]}; got != want[k.Name] {
				t.Errorf("%s: element %d = %v, want %v", k.Name, j, got, want[k.Name])
			}
		}
	}
	if Triad.Name != "triad" {
		t.Errorf("Triad is %q", Triad.Name)
	}
}

func TestParseCacheSize(t *testing.T) {
	for in, want := range map[string]int64{"32768K": 32 << 20, "2M": 2 << 20, "512": 512} {
		if got, err := ParseCacheSize(in); err != nil || got != want {
			t.Errorf("ParseCacheSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseCacheSize("lots"); err == nil {
		t.Error("no error for a bad size")
	}
}

// TestMeter checks that the all-core triad meter returns positive,
// finite rates, the best no lower than the mean, and forgets on Reset.
func TestMeter(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 240 MB or more")
	}
	var m Meter
	defer m.Release()
	if m.Mean() != 0 || m.Best() != 0 {
		t.Error("rates before any pass")
	}
	m.Pass()
	m.Pass()
	if mean, best := m.Mean(), m.Best(); !(mean > 0 && mean < 1e15 && best >= mean) || m.Passes() != 2 {
		t.Errorf("after 2 passes: %d passes, mean %g B/s, best %g B/s", m.Passes(), mean, best)
	}
	m.Reset()
	if m.Passes() != 0 || m.Mean() != 0 {
		t.Error("Reset kept the passes")
	}
}

// TestTriadMatchesScalar checks the triad kernel (AVX2 where the CPU has
// it) element by element against the scalar loop, bit for bit, on lengths
// around its block and vector sizes and on unaligned slices.
func TestTriadMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 15, 16, 17, 33, 1000, triadBlock - 1, triadBlock, triadBlock + 17, 3*triadBlock + 5} {
		for _, off := range []int{0, 1} {
			b, c := make([]float64, n+off), make([]float64, n+off)
			for i := range b {
				b[i], c[i] = r.NormFloat64()*1e3, r.NormFloat64()
			}
			got, want := make([]float64, n+off), make([]float64, n+off)
			triad(got[off:], b[off:], c[off:])
			for j := off; j < n+off; j++ {
				want[j] = b[j] + float64(Scalar*c[j]) // the conversion rounds the product: no FMA
			}
			for j := range got {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Fatalf("n=%d off=%d: a[%d] = %v, want %v (b=%v c=%v)", n, off, j, got[j], want[j], b[j], c[j])
				}
			}
		}
	}
}
