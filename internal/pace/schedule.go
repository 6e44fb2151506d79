package pace

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// A Schedule produces the gaps between consecutive arrivals of an open-loop
// load: Constant is wrk2's and vegeta's fixed rate, Poisson is vLLM's
// default (`--burstiness 1`), Gamma is vLLM's `--burstiness` knob.
//
// A Schedule is not safe for concurrent use.
type Schedule interface {
	// Next returns the gap between the previous arrival and the next one.
	Next() time.Duration
}

// ScheduleFunc adapts a function to the Schedule interface.
type ScheduleFunc func() time.Duration

// Next calls f.
func (f ScheduleFunc) Next() time.Duration { return f() }

// Constant returns a Schedule with a fixed gap of 1/rate seconds. rate is
// in arrivals per second and must be positive and finite.
func Constant(rate float64) (Schedule, error) {
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	gap := seconds(1 / rate)
	return ScheduleFunc(func() time.Duration { return gap }), nil
}

// Poisson returns the arrivals of a Poisson process of the given rate:
// exponentially distributed gaps with mean 1/rate. rng makes the sequence
// reproducible (vLLM seeds it with --seed); nil uses a fixed seed of 0.
func Poisson(rate float64, rng *rand.Rand) (Schedule, error) {
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	rng = orSeed0(rng)
	return ScheduleFunc(func() time.Duration { return seconds(rng.ExpFloat64() / rate) }), nil
}

// Gamma returns gaps drawn from Gamma(shape, scale = 1/(rate*shape)), so
// their mean is 1/rate whatever the shape. This is vLLM's `--burstiness`:
// shape 1 is a Poisson process, shape < 1 is burstier, and a large shape
// approaches Constant. shape must be positive and finite.
func Gamma(rate, shape float64, rng *rand.Rand) (Schedule, error) {
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	if !(shape > 0) || math.IsInf(shape, 0) {
		return nil, fmt.Errorf("pace: gamma shape %v: want a positive finite number", shape)
	}
	rng = orSeed0(rng)
	scale := 1 / (rate * shape)
	return ScheduleFunc(func() time.Duration { return seconds(gammaSample(rng, shape) * scale) }), nil
}

// Offsets returns the first n arrival times of s relative to the start: the
// first arrival is at 0, the i-th at the sum of the first i gaps.
func Offsets(s Schedule, n int) []time.Duration {
	out := make([]time.Duration, n)
	var t time.Duration
	for i := range out {
		if i > 0 {
			t += s.Next()
		}
		out[i] = t
	}
	return out
}

func checkRate(rate float64) error {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return fmt.Errorf("pace: rate %v arrivals/s: want a positive finite number", rate)
	}
	return nil
}

func orSeed0(rng *rand.Rand) *rand.Rand {
	if rng == nil {
		return rand.New(rand.NewPCG(0, 0))
	}
	return rng
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// gammaSample draws from Gamma(shape, 1) by Marsaglia and Tsang's method
// (ACM TOMS 26(3), 2000), with the U^(1/shape) boost for shape < 1.
func gammaSample(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := rng.Float64()
		for u == 0 {
			u = rng.Float64()
		}
		return gammaSample(rng, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
