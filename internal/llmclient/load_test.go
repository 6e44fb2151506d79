package llmclient

import (
	"context"
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

func TestRandomDataset(t *testing.T) {
	d := Random{InputLen: 100, OutputLen: 20, RangeRatio: 0.25, PrefixLen: 5, IgnoreEOS: true, Seed: 1}
	reqs, err := d.Requests(200)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		in := r.PromptLen - 5
		if in < 75 || in > 125 || r.OutputLen < 15 || r.OutputLen > 25 || !r.IgnoreEOS {
			t.Fatalf("request %d: input %d output %d", i, in, r.OutputLen)
		}
		if len(r.Prompt) != r.PromptLen { // ASCII: one byte per token
			t.Fatalf("request %d: %d bytes for %d tokens", i, len(r.Prompt), r.PromptLen)
		}
		if r.Prompt[:5] != reqs[0].Prompt[:5] {
			t.Fatal("prefix not shared")
		}
	}
	again, _ := d.Requests(200)
	if again[7] != reqs[7] {
		t.Error("not reproducible from the seed")
	}
	fixed, _ := Random{InputLen: 8, OutputLen: 3}.Requests(5)
	for _, r := range fixed {
		if r.PromptLen != 8 || r.OutputLen != 3 {
			t.Errorf("range ratio 0: %d/%d", r.PromptLen, r.OutputLen)
		}
	}
	w, _ := Random{InputLen: 4, OutputLen: 1, Vocab: Words}.Requests(1)
	if w[0].Prompt[0] != ' ' || len(w[0].Prompt) < 8 {
		t.Errorf("words prompt %q", w[0].Prompt)
	}
	for _, bad := range []Random{{InputLen: 0, OutputLen: 1}, {InputLen: 1, OutputLen: 1, RangeRatio: 1}} {
		if _, err := bad.Requests(1); err == nil {
			t.Errorf("%+v: want error", bad)
		}
	}
}

// A cancelled run stops dispatching and marks the unsent requests.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := NewClient("http://127.0.0.1:1", "m") // never contacted
	reqs := make([]Request, 5)
	for _, l := range []Load{{Concurrency: 2}, {Rate: 1}} {
		start := time.Now()
		outs, _, err := Run(ctx, c, reqs, l)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			if o.Success || o.Reason != ReasonCanceled {
				t.Errorf("%+v request %d: %+v", l, i, o)
			}
		}
		if time.Since(start) > time.Second {
			t.Errorf("%+v: cancelled run took %v", l, time.Since(start))
		}
	}
}
