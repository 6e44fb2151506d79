package llmclient

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/teebench/teebench/internal/loadgen"
)

// Load is how requests are offered to the server. Exactly one of
// Concurrency and Rate is set.
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
	// schedule is kept and later requests queue in the client (vLLM
	// --max-concurrency). Their measurement starts when they are sent.
	MaxConcurrency int
	// Seed drives the arrival schedule.
	Seed uint64
}

// Validate checks that the load is well formed.
func (l Load) Validate() error {
	switch {
	case l.Concurrency < 0 || l.Rate < 0 || l.Burstiness < 0 || l.MaxConcurrency < 0 || math.IsNaN(l.Rate) || math.IsNaN(l.Burstiness):
		return fmt.Errorf("llmclient: load %+v: negative or NaN parameter", l)
	case (l.Concurrency > 0) == (l.Rate > 0):
		return fmt.Errorf("llmclient: load %+v: set exactly one of Concurrency and Rate", l)
	case l.Concurrency > 0 && (l.MaxConcurrency > 0 || l.Burstiness > 0):
		return fmt.Errorf("llmclient: load %+v: MaxConcurrency and Burstiness apply to Rate only", l)
	}
	return nil
}

// Arrivals returns the send time of each of n requests, relative to the
// start, as vLLM bench serve computes them: gap_i ~ Gamma(shape=burstiness,
// scale=1/(rate*burstiness)) (loadgen.Gamma; the first request also waits
// one gap), the gaps summed, and the sums rescaled so that the last arrival
// is exactly n/rate. Rate +Inf gives all zeros, burstiness +Inf constant
// gaps (loadgen.Constant).
func Arrivals(n int, rate, burstiness float64, seed uint64) ([]time.Duration, error) {
	if burstiness == 0 {
		burstiness = 1
	}
	if !(rate > 0) || !(burstiness > 0) {
		return nil, fmt.Errorf("llmclient: arrivals need rate > 0 and burstiness > 0 (got %g, %g)", rate, burstiness)
	}
	at := make([]time.Duration, n)
	if n == 0 || math.IsInf(rate, 1) {
		return at, nil
	}
	var (
		s   loadgen.Schedule
		err error
	)
	if math.IsInf(burstiness, 1) {
		s, err = loadgen.Constant(rate)
	} else {
		s, err = loadgen.Gamma(rate, burstiness, rand.New(rand.NewPCG(seed, 0xa771a1)))
	}
	if err != nil {
		return nil, fmt.Errorf("llmclient: arrivals: %w", err)
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

// Run sends every request under load l and waits for all of them. Outputs
// are in request order; Duration runs from the first dispatch until the
// last response ended (vLLM's benchmark_duration). Cancelling ctx stops
// dispatching; requests in flight end with reason "canceled" or finish.
func Run(ctx context.Context, c *Client, reqs []Request, l Load) ([]Output, time.Duration, error) {
	if err := l.Validate(); err != nil {
		return nil, 0, err
	}
	outs := make([]Output, len(reqs))
	canceled := func(i int) {
		outs[i] = Output{Reason: ReasonCanceled, Err: ctx.Err(), PromptLen: reqs[i].PromptLen}
	}
	var at []time.Duration
	if l.Concurrency <= 0 {
		// The open loop's schedule is drawn before the clock starts.
		var err error
		if at, err = Arrivals(len(reqs), l.Rate, l.Burstiness, l.Seed); err != nil {
			return nil, 0, err
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	if l.Concurrency > 0 {
		var next atomic.Int64
		for range min(l.Concurrency, len(reqs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= len(reqs) {
						return
					}
					if ctx.Err() != nil {
						canceled(i)
						continue
					}
					outs[i] = c.Do(ctx, reqs[i])
				}
			}()
		}
		wg.Wait()
		return outs, time.Since(start), nil
	}

	var sem chan struct{}
	if l.MaxConcurrency > 0 {
		sem = make(chan struct{}, l.MaxConcurrency)
	}
	timer := time.NewTimer(0)
	<-timer.C
	for i := range reqs {
		if wait := time.Until(start.Add(at[i])); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
			}
		}
		if ctx.Err() != nil {
			canceled(i)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sem != nil {
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
				case <-ctx.Done():
					canceled(i)
					return
				}
			}
			outs[i] = c.Do(ctx, reqs[i])
		}()
	}
	wg.Wait()
	return outs, time.Since(start), nil
}
