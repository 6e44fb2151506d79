package pace

import (
	"math"
	"testing"
	"time"
)

func TestArrivals(t *testing.T) {
	// Rescaled so the last arrival is n/rate; increasing; seeded.
	at, err := Arrivals(50, 10, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if at[49] != 5*time.Second {
		t.Errorf("last arrival %v, want 5s", at[49])
	}
	for i := 1; i < len(at); i++ {
		if at[i] < at[i-1] {
			t.Fatalf("arrivals not increasing at %d", i)
		}
	}
	again, _ := Arrivals(50, 10, 1, 3)
	other, _ := Arrivals(50, 10, 1, 4)
	if again[10] != at[10] || other[10] == at[10] {
		t.Error("arrivals are not determined by the seed")
	}
	// Burstiness +Inf: constant gaps of 1/rate.
	c, _ := Arrivals(4, 2, math.Inf(1), 0)
	for i, want := range []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second} {
		if c[i] != want {
			t.Errorf("constant arrival %d = %v, want %v", i, c[i], want)
		}
	}
	// Rate +Inf: everything at once.
	z, _ := Arrivals(3, math.Inf(1), 1, 0)
	if z[2] != 0 {
		t.Errorf("infinite rate: %v", z)
	}
	// Lower burstiness gives more variable gaps.
	cv := func(b float64) float64 {
		a, _ := Arrivals(20000, 100, b, 9)
		var s, ss float64
		prev := time.Duration(0)
		for _, x := range a {
			g := float64(x - prev)
			prev = x
			s += g
			ss += g * g
		}
		m := s / float64(len(a))
		return math.Sqrt(ss/float64(len(a))-m*m) / m
	}
	if c1, c01 := cv(1), cv(0.1); math.Abs(c1-1) > 0.05 || c01 < 2.5 {
		t.Errorf("coefficient of variation: burstiness 1 → %.2f (want 1), 0.1 → %.2f (want ~3.2)", c1, c01)
	}
	if _, err := Arrivals(3, 0, 1, 0); err == nil {
		t.Error("rate 0: want error")
	}
}

func TestLoadValidate(t *testing.T) {
	for _, l := range []Load{{}, {Concurrency: 1, Rate: 1}, {Concurrency: -1}, {Concurrency: 2, MaxConcurrency: 1}, {Rate: math.NaN()}} {
		if l.Validate() == nil {
			t.Errorf("%+v: want error", l)
		}
	}
	for _, l := range []Load{{Concurrency: 1}, {Rate: 3, Burstiness: 0.5, MaxConcurrency: 2}, {Rate: math.Inf(1)}} {
		if err := l.Validate(); err != nil {
			t.Errorf("%+v: %v", l, err)
		}
	}
}
