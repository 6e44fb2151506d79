// Package latency is the suite's one latency recorder, used by io_bench,
// net_bench and llm_bench alike.
//
// A Recorder keeps an HDR histogram (github.com/HdrHistogram/hdrhistogram-go,
// 1 ns to 1 h, 3 significant digits) plus the exact count, sum, minimum and
// maximum. Optionally (NewExact) it also keeps every sample, which ab's
// floor-index percentiles need.
//
// Percentile definitions, written down once:
//
//   - Percentile(p) is the HDR histogram's ValueAtQuantile(p): the smallest
//     recorded value v such that at least p% of the samples are <= v, reported
//     as the highest value equivalent to v at 3 significant digits (so it may
//     exceed the exact sample by at most 0.1%). This is the definition of fio's
//     clat percentiles, wrk2 and vegeta, up to the histogram's resolution.
//     Percentile(100) is the exact maximum.
//   - ABPercentile(p) is ApacheBench's: sort the samples, take the 0-based
//     element floor(n*p/100) with no interpolation (p99 of 5000 samples is
//     sorted[4950]); p=100 is the last element (docs/methods.md §3). It needs NewExact.
//   - ABCSVPercentile(p) is ApacheBench's rule for its `-e file.csv` table
//     (integer p from 0 to 100, times to 0.001 ms): sorted[floor(0.5 + n*p/100)],
//     i.e. the rank rounded half up, with p=0 the first and p=100 the last
//     element (ab.c output_results, httpd 2.4). ab does not clamp the index
//     (for n <= 50, p=99 reads one past its samples); here it is clamped to
//     the last sample. p99 of 5000 samples is sorted[4950], as the text rule.
//   - NumpyPercentile(p) is numpy.percentile's default, which vLLM's bench
//     serve prints: linear interpolation between the closest ranks, at rank
//     h = (n-1)*p/100 of the sorted samples (docs/methods.md §4). It needs NewExact.
//   - Mean is the exact arithmetic mean of the recorded values, Min and Max the
//     exact extremes.
//
// A Recorder is not safe for concurrent use: give each goroutine its own and
// Merge them at the end (no lock on the hot path), or guard one with a mutex.
package latency

import (
	"fmt"
	"math"
	"slices"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

const (
	lowest  = 1                          // ns
	highest = int64(time.Hour)           // ns
	sigfigs = 3                          // significant decimal digits
	maxTime = time.Duration(highest - 1) // values above are clamped
)

// Recorder records durations. The zero value is not usable; call New or
// NewExact.
type Recorder struct {
	h        *hdr.Histogram
	n        int64
	sum      float64 // ns
	sumsq    float64 // ns^2
	min, max time.Duration
	exact    []time.Duration // nil unless NewExact
	keep     bool
	clamped  int64
}

// New returns a Recorder that keeps a histogram only.
func New() *Recorder {
	return &Recorder{h: hdr.New(lowest, highest, sigfigs)}
}

// NewExact returns a Recorder that also keeps every sample, for
// ABPercentile and Samples. Memory grows with the number of samples.
func NewExact() *Recorder {
	r := New()
	r.keep = true
	return r
}

// Record adds one duration. Values below 1 ns are recorded as 1 ns in the
// histogram (but exactly in Mean/Min/Max), values above 1 h are clamped and
// counted in Clamped.
func (r *Recorder) Record(d time.Duration) {
	if r.n == 0 || d < r.min {
		r.min = d
	}
	if r.n == 0 || d > r.max {
		r.max = d
	}
	r.n++
	r.sum += float64(d)
	r.sumsq += float64(d) * float64(d)
	v := int64(d)
	if v < lowest {
		v = lowest
	}
	if v >= highest {
		v = int64(maxTime)
		r.clamped++
	}
	_ = r.h.RecordValue(v) // cannot fail: v is in range
	if r.keep {
		r.exact = append(r.exact, d)
	}
}

// Merge adds all of o's samples to r. Exact samples are merged only when
// both keep them; otherwise r stops being exact.
func (r *Recorder) Merge(o *Recorder) {
	if o == nil || o.n == 0 {
		return
	}
	if r.n == 0 || o.min < r.min {
		r.min = o.min
	}
	if r.n == 0 || o.max > r.max {
		r.max = o.max
	}
	r.n += o.n
	r.sum += o.sum
	r.sumsq += o.sumsq
	r.clamped += o.clamped
	r.h.Merge(o.h)
	if r.keep && o.keep {
		r.exact = append(r.exact, o.exact...)
	} else {
		r.keep, r.exact = false, nil
	}
}

// Reset forgets every sample (used to drop a ramp-up period).
func (r *Recorder) Reset() {
	r.h.Reset()
	r.n, r.sum, r.sumsq, r.min, r.max, r.clamped = 0, 0, 0, 0, 0, 0
	if r.keep {
		r.exact = r.exact[:0]
	}
}

// Count returns the number of samples.
func (r *Recorder) Count() int64 { return r.n }

// Clamped returns how many samples exceeded the histogram's 1 h range.
// Report adds them as a `<what>-clamped` metric, and a histogram percentile
// that falls among them is an error rather than a figure of 1 h.
func (r *Recorder) Clamped() int64 { return r.clamped }

// Mean returns the exact mean, or 0 with no samples.
func (r *Recorder) Mean() time.Duration {
	if r.n == 0 {
		return 0
	}
	return time.Duration(math.Round(r.sum / float64(r.n)))
}

// Stddev returns the sample standard deviation (n-1), as ab prints it.
func (r *Recorder) Stddev() time.Duration {
	if r.n < 2 {
		return 0
	}
	m := r.sum / float64(r.n)
	v := (r.sumsq - float64(r.n)*m*m) / float64(r.n-1)
	if v < 0 {
		v = 0
	}
	return time.Duration(math.Sqrt(v))
}

// Min returns the exact minimum.
func (r *Recorder) Min() time.Duration { return r.min }

// Max returns the exact maximum.
func (r *Recorder) Max() time.Duration { return r.max }

// Percentile returns the HDR percentile p in [0, 100] (see the package doc).
func (r *Recorder) Percentile(p float64) time.Duration {
	if r.n == 0 {
		return 0
	}
	if p >= 100 {
		return r.max
	}
	v := time.Duration(r.h.ValueAtQuantile(p))
	if v > r.max {
		v = r.max
	}
	return v
}

// ABPercentile returns ApacheBench's floor-index percentile (see the package
// doc). It returns an error when the Recorder does not keep exact samples.
func (r *Recorder) ABPercentile(p float64) (time.Duration, error) {
	if !r.keep {
		return 0, fmt.Errorf("latency: ABPercentile needs a recorder made by NewExact")
	}
	s := r.Samples()
	return ABPercentile(s, p), nil
}

// NumpyPercentile returns numpy.percentile's linear-interpolation
// percentile of the exact samples (see the package doc). It returns an error
// when the Recorder does not keep exact samples.
func (r *Recorder) NumpyPercentile(p float64) (time.Duration, error) {
	if !r.keep {
		return 0, fmt.Errorf("latency: NumpyPercentile needs a recorder made by NewExact")
	}
	return NumpyPercentile(r.Samples(), p), nil
}

// NumpyPercentile applies numpy.percentile's default rule to sorted samples:
// with h = (n-1)*p/100, x[floor h] + (h - floor h)*(x[floor h + 1] - x[floor h]).
// np.percentile([1,2,3,4], 99) = 3.97. It returns 0 for no samples.
func NumpyPercentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	h := float64(n-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	if lo < 0 {
		return sorted[0]
	}
	return sorted[lo] + time.Duration(math.Round((h-float64(lo))*float64(sorted[lo+1]-sorted[lo])))
}

// Samples returns a sorted copy of the exact samples, or nil when the
// Recorder does not keep them.
func (r *Recorder) Samples() []time.Duration {
	if !r.keep {
		return nil
	}
	s := slices.Clone(r.exact)
	slices.Sort(s)
	return s
}

// ABPercentile applies ab's rule to sorted samples: sorted[floor(n*p/100)]
// for p < 100 and the last sample for p >= 100. It returns 0 for no samples.
func ABPercentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p >= 100 {
		return sorted[n-1]
	}
	i := int(math.Floor(float64(n) * p / 100))
	if i >= n {
		i = n - 1
	}
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

// ABCSVPercentile applies the rule of ab's -e CSV table to sorted samples:
// sorted[floor(0.5 + n*p/100)] clamped to the last sample, sorted[0] for
// p <= 0 and the last sample for p >= 100. It returns 0 for no samples.
func ABCSVPercentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	i := int(math.Floor(0.5 + float64(n)*p/100))
	return sorted[min(i, n-1)]
}

// Metricer is the part of testing.B that Report needs.
type Metricer interface {
	ReportMetric(n float64, unit string)
}

// Rule is a percentile definition (see the package doc).
type Rule int

const (
	// HDR is the histogram's percentile (Percentile); the default.
	HDR Rule = iota
	// Numpy is numpy.percentile's linear interpolation (NumpyPercentile),
	// vLLM's rule; it needs NewExact.
	Numpy
	// AB is ApacheBench's floor index (ABPercentile); it needs NewExact.
	AB
	// ABCSV is the rank rounded half up of ab's -e CSV table
	// (ABCSVPercentile); it needs NewExact.
	ABCSV
)

// Report writes the named statistics as benchmark metrics in the suite's
// unit convention, `<what>-<stat>-ns`: stat is one of mean, min, max, stddev,
// median, or pNN / pNN.N (HDR percentile). Report(b, "lat", "mean", "p50",
// "p99") reports lat-mean-ns, lat-p50-ns and lat-p99-ns. Nothing is
// reported when there are no samples (a benchmark never reports zeros it did
// not measure).
func (r *Recorder) Report(b Metricer, what string, stats ...string) error {
	return r.ReportRule(b, HDR, what, stats...)
}

// ReportRule is Report with percentiles by the given rule. All statistics
// are checked before any is reported.
func (r *Recorder) ReportRule(b Metricer, rule Rule, what string, stats ...string) error {
	if r.n == 0 {
		return fmt.Errorf("latency: no samples for %s", what)
	}
	vals := make([]time.Duration, len(stats))
	for i, s := range stats {
		v, err := r.StatRule(rule, s)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	for i, s := range stats {
		b.ReportMetric(float64(vals[i].Nanoseconds()), what+"-"+s+"-ns")
	}
	if r.clamped > 0 {
		// Said, not hidden: these samples sit at the histogram's top.
		b.ReportMetric(float64(r.clamped), what+"-clamped")
	}
	return nil
}

// Stat returns a statistic by name: mean, min, max, stddev, median or
// pNN[.N], percentiles by the HDR rule.
func (r *Recorder) Stat(s string) (time.Duration, error) { return r.StatRule(HDR, s) }

// StatRule is Stat with percentiles (and median) by the given rule.
func (r *Recorder) StatRule(rule Rule, s string) (time.Duration, error) {
	switch s {
	case "mean":
		return r.Mean(), nil
	case "min":
		return r.Min(), nil
	case "max":
		return r.Max(), nil
	case "stddev":
		return r.Stddev(), nil
	case "median":
		s = "p50"
	}
	var p float64
	if len(s) > 1 && s[0] == 'p' {
		if _, err := fmt.Sscanf(s[1:], "%g", &p); err == nil && p >= 0 && p <= 100 {
			switch rule {
			case Numpy:
				return r.NumpyPercentile(p)
			case AB:
				return r.ABPercentile(p)
			case ABCSV:
				if !r.keep {
					return 0, fmt.Errorf("latency: the ab CSV rule needs a recorder made by NewExact")
				}
				return ABCSVPercentile(r.Samples(), p), nil
			}
			v := r.Percentile(p)
			if r.clamped > 0 && v >= maxTime {
				return 0, fmt.Errorf("latency: %s is beyond the histogram's %v range (%d of %d samples clamped)", s, maxTime+1, r.clamped, r.n)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("latency: unknown statistic %q (want mean, min, max, stddev, median or pNN)", s)
}
