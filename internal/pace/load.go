package pace

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Load is how requests are offered to a server, in vLLM bench serve's
// terms. Exactly one of Concurrency and Rate is set.
type Load struct {
	// Concurrency > 0 is a closed loop: that many requests in flight, each
	// finished request immediately followed by the next (vLLM:
	// --request-rate inf --max-concurrency N).
	Concurrency int
	// Rate > 0 is an open loop of Rate requests per second on average,
	// with Gamma-distributed gaps (vLLM: --request-rate R). +Inf sends
	// every request at once.
	Rate float64
	// Burstiness is the Gamma shape (vLLM --burstiness; 0 means 1, i.e. a
	// Poisson process; < 1 is burstier; +Inf gives constant gaps 1/Rate).
	Burstiness float64
	// MaxConcurrency > 0 caps in-flight requests of the open loop; the
	// schedule is kept and later requests wait, in order, for a free slot
	// (vLLM --max-concurrency).
	MaxConcurrency int
	// Seed drives the arrival schedule.
	Seed uint64
}

// Validate checks that the load is well formed.
func (l Load) Validate() error {
	switch {
	case l.Concurrency < 0 || l.Rate < 0 || l.Burstiness < 0 || l.MaxConcurrency < 0 || math.IsNaN(l.Rate) || math.IsNaN(l.Burstiness):
		return fmt.Errorf("pace: load %+v: negative or NaN parameter", l)
	case (l.Concurrency > 0) == (l.Rate > 0):
		return fmt.Errorf("pace: load %+v: set exactly one of Concurrency and Rate", l)
	case l.Concurrency > 0 && (l.MaxConcurrency > 0 || l.Burstiness > 0):
		return fmt.Errorf("pace: load %+v: MaxConcurrency and Burstiness apply to Rate only", l)
	}
	return nil
}

// Arrivals returns the send time of each of n requests, relative to the
// start, as vLLM bench serve computes them: gap_i ~ Gamma(shape=burstiness,
// scale=1/(rate*burstiness)) (Gamma; the first request also waits one
// gap), the gaps summed, and the sums rescaled so that the last arrival is
// exactly n/rate. Rate +Inf gives all zeros, burstiness +Inf constant gaps
// (Constant); burstiness 0 means 1.
func Arrivals(n int, rate, burstiness float64, seed uint64) ([]time.Duration, error) {
	if burstiness == 0 {
		burstiness = 1
	}
	if !(rate > 0) || !(burstiness > 0) {
		return nil, fmt.Errorf("pace: arrivals need rate > 0 and burstiness > 0 (got %g, %g)", rate, burstiness)
	}
	at := make([]time.Duration, n)
	if n == 0 || math.IsInf(rate, 1) {
		return at, nil
	}
	var (
		s   Schedule
		err error
	)
	if math.IsInf(burstiness, 1) {
		s, err = Constant(rate)
	} else {
		s, err = Gamma(rate, burstiness, rand.New(rand.NewPCG(seed, 0xa771a1)))
	}
	if err != nil {
		return nil, fmt.Errorf("pace: arrivals: %w", err)
	}
	cum := make([]float64, n)
	var t float64
	for i := range cum {
		t += s.Next().Seconds()
		cum[i] = t
	}
	scale := 1.0
	if t > 0 {
		scale = (float64(n) / rate) / t
	}
	for i, c := range cum {
		at[i] = time.Duration(math.Round(c * scale * float64(time.Second)))
	}
	return at, nil
}

// Closed runs a closed loop: n requests over c workers, at most c in
// flight, each worker calling send for the next request as soon as its
// previous one returned. Requests are handed out in index order. When ctx
// is done no further request is started; Closed waits for those in flight
// and returns how many were started: requests 0 .. started-1, the others
// never were.
func Closed(ctx context.Context, n, c int, send func(i int)) (started int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(c, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				send(i)
			}
		})
	}
	wg.Wait()
	return min(int(next.Load()), n)
}

// Open runs an open loop: request i is started, in its own goroutine, at
// start + at[i] (at must not decrease), where start is the time Open
// began; send gets that intended time. maxInFlight > 0 caps the requests
// in flight: a request due while the cap is reached waits, in order, for a
// free slot (its intended time stays the same). When ctx is done no
// further request is started; Open waits for those in flight and returns
// the start and how many were started: requests 0 .. started-1.
func Open(ctx context.Context, at []time.Duration, maxInFlight int, send func(i int, intended time.Time)) (start time.Time, started int) {
	var sem chan struct{}
	if maxInFlight > 0 {
		sem = make(chan struct{}, maxInFlight)
	}
	var wg sync.WaitGroup
	var timer *time.Timer
	start = time.Now()
	for started < len(at) {
		i, intended := started, start.Add(at[started])
		if wait := time.Until(intended); wait > 0 {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
			}
		}
		if ctx.Err() != nil {
			break
		}
		if sem != nil {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
		}
		wg.Go(func() {
			if sem != nil {
				defer func() { <-sem }()
			}
			send(i, intended)
		})
		started++
	}
	wg.Wait()
	return start, started
}

// Run runs n requests under load l: a closed loop of l.Concurrency
// (Closed), or an open loop at the Arrivals of l.Rate, l.Burstiness and
// l.Seed, capped at l.MaxConcurrency (Open; the schedule is drawn before
// the clock starts). It returns how many requests were started (0 ..
// started-1; fewer than n only when ctx ended the run) and the time from
// the first dispatch until the last request returned.
func Run(ctx context.Context, l Load, n int, send func(i int)) (started int, elapsed time.Duration, err error) {
	if err := l.Validate(); err != nil {
		return 0, 0, err
	}
	if l.Concurrency > 0 {
		start := time.Now()
		started = Closed(ctx, n, l.Concurrency, send)
		return started, time.Since(start), nil
	}
	at, err := Arrivals(n, l.Rate, l.Burstiness, l.Seed)
	if err != nil {
		return 0, 0, err
	}
	start, started := Open(ctx, at, l.MaxConcurrency, func(i int, _ time.Time) { send(i) })
	return started, time.Since(start), nil
}
