package pace

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// meanVar returns the mean and variance of n gaps, in seconds.
func meanVar(s Schedule, n int) (mean, variance float64) {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = s.Next().Seconds()
		mean += xs[i]
	}
	mean /= float64(n)
	for _, x := range xs {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(n-1)
}

func TestSchedules(t *testing.T) {
	const rate, n = 200.0, 100000
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
	poisson, _ := Poisson(rate, rng())
	bursty, _ := Gamma(rate, 0.5, rng())
	smooth, _ := Gamma(rate, 8, rng())
	constant, _ := Constant(rate)
	tests := []struct {
		name    string
		s       Schedule
		wantVar float64 // variance of the gaps: 1/(shape*rate^2)
	}{
		{"constant", constant, 0},
		{"poisson", poisson, 1 / (rate * rate)},
		{"gamma shape 0.5", bursty, 1 / (0.5 * rate * rate)},
		{"gamma shape 8", smooth, 1 / (8 * rate * rate)},
	}
	for _, tc := range tests {
		m, v := meanVar(tc.s, n)
		if math.Abs(m*rate-1) > 0.02 {
			t.Errorf("%s: mean gap %v s, want 1/rate = %v s", tc.name, m, 1/rate)
		}
		if tc.wantVar == 0 && v > 1e-18 || tc.wantVar > 0 && math.Abs(v/tc.wantVar-1) > 0.06 {
			t.Errorf("%s: gap variance %g, want %g", tc.name, v, tc.wantVar)
		}
	}
}

func TestOffsetsAndBadInput(t *testing.T) {
	c, _ := Constant(4)
	got := Offsets(c, 3)
	want := []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Offsets = %v, want %v", got, want)
			break
		}
	}
	a, _ := Poisson(10, nil)
	b, _ := Poisson(10, nil)
	if a.Next() != b.Next() {
		t.Error("Poisson with nil rng is not reproducible")
	}
	for _, r := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if _, err := Constant(r); err == nil {
			t.Errorf("Constant(%v): no error", r)
		}
		if _, err := Poisson(r, nil); err == nil {
			t.Errorf("Poisson(%v): no error", r)
		}
	}
	if _, err := Gamma(10, 0, nil); err == nil {
		t.Error("Gamma shape 0: no error")
	}
}
