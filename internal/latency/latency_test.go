package latency

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestABPercentileFloorIndex(t *testing.T) {
	// ab: p99 of 5000 requests is sorted[4950] (0-based, floor, no interpolation).
	s := make([]time.Duration, 5000)
	for i := range s {
		s[i] = time.Duration(i) * time.Microsecond
	}
	for p, want := range map[float64]int{50: 2500, 66: 3300, 99: 4950, 100: 4999, 0: 0} {
		if got := ABPercentile(s, p); got != s[want] {
			t.Errorf("ABPercentile(p%v) = %v, want sorted[%d] = %v", p, got, want, s[want])
		}
	}
	if got := ABPercentile(nil, 99); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestABCSVPercentileRoundedRank(t *testing.T) {
	// ab -e: sorted[floor(0.5 + n*p/100)]; with 10 samples p5 is sorted[1]
	// where the text rule (floor) gives sorted[0]; p99 would be sorted[10],
	// past the end in ab, clamped to the last here.
	s := make([]time.Duration, 10)
	for i := range s {
		s[i] = time.Duration(i+1) * time.Millisecond
	}
	for p, want := range map[float64]int{0: 0, 4: 0, 5: 1, 14: 1, 15: 2, 50: 5, 94: 9, 99: 9, 100: 9} {
		if got := ABCSVPercentile(s, p); got != s[want] {
			t.Errorf("ABCSVPercentile(p%v) = %v, want sorted[%d] = %v", p, got, want, s[want])
		}
	}
	big := make([]time.Duration, 5000)
	for i := range big {
		big[i] = time.Duration(i)
	}
	if got := ABCSVPercentile(big, 99); got != big[4950] {
		t.Errorf("p99 of 5000 = %v, want sorted[4950]", got)
	}
	if got := ABCSVPercentile(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestRecorderAgainstExactSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := NewExact()
	var all []time.Duration
	var sum time.Duration
	for range 20000 {
		d := time.Duration(rng.ExpFloat64() * float64(2*time.Millisecond))
		r.Record(d)
		all = append(all, d)
		sum += d
	}
	slices.Sort(all)
	if r.Count() != 20000 || r.Min() != all[0] || r.Max() != all[len(all)-1] {
		t.Fatalf("count/min/max = %d %v %v", r.Count(), r.Min(), r.Max())
	}
	if got, want := r.Mean(), sum/20000; got-want > 1 || want-got > 1 {
		t.Errorf("mean %v, want %v", got, want)
	}
	for _, p := range []float64{50, 90, 99, 99.9} {
		// HDR: smallest v with at least p% of samples <= v, within 0.1%.
		exact := all[int(float64(len(all))*p/100+0.999999)-1]
		got := r.Percentile(p)
		if rel := float64(got-exact) / float64(exact); rel < -0.001 || rel > 0.001 {
			t.Errorf("p%v = %v, exact %v (rel %.5f)", p, got, exact, rel)
		}
		ab, err := r.ABPercentile(p)
		if err != nil || ab != ABPercentile(all, p) {
			t.Errorf("ABPercentile(p%v) = %v, %v", p, ab, err)
		}
	}
	if r.Percentile(100) != r.Max() {
		t.Errorf("p100 %v != max %v", r.Percentile(100), r.Max())
	}
}

func TestMergeAndReset(t *testing.T) {
	a, b := NewExact(), NewExact()
	for i := 1; i <= 100; i++ {
		a.Record(time.Duration(i) * time.Millisecond)
		b.Record(time.Duration(100+i) * time.Millisecond)
	}
	a.Merge(b)
	if a.Count() != 200 || a.Min() != time.Millisecond || a.Max() != 200*time.Millisecond {
		t.Fatalf("merged count/min/max = %d %v %v", a.Count(), a.Min(), a.Max())
	}
	if got, _ := a.ABPercentile(50); got != 101*time.Millisecond {
		t.Errorf("merged ab p50 = %v", got)
	}
	h := New()
	h.Record(time.Second)
	a.Merge(h)
	if _, err := a.ABPercentile(50); err == nil {
		t.Error("merging a histogram-only recorder must drop exactness")
	}
	a.Reset()
	if a.Count() != 0 || a.Mean() != 0 {
		t.Errorf("after reset: %d %v", a.Count(), a.Mean())
	}
}

type metrics map[string]float64

func (m metrics) ReportMetric(v float64, unit string) { m[unit] = v }

func TestReport(t *testing.T) {
	r := New()
	if err := r.Report(metrics{}, "lat", "mean"); err == nil {
		t.Error("no samples must be an error, not a zero")
	}
	r.Record(3 * time.Millisecond)
	r.Record(5 * time.Millisecond)
	m := metrics{}
	if err := r.Report(m, "ttft", "mean", "max", "p50"); err != nil {
		t.Fatal(err)
	}
	if m["ttft-mean-ns"] != 4e6 || m["ttft-max-ns"] != 5e6 || m["ttft-p50-ns"] < 2.99e6 || m["ttft-p50-ns"] > 3.01e6 {
		t.Errorf("metrics %v", m)
	}
	if err := r.Report(m, "x", "p101"); err == nil {
		t.Error("unknown statistic accepted")
	}
	if r.Stddev() != time.Duration(1414213) {
		t.Errorf("stddev %v", r.Stddev())
	}
}

// NumpyPercentile matches numpy.percentile (linear), e.g.
// np.percentile([1,2,3,4], 99) = 3.97 and np.percentile([10,20,30,40,50], 90) = 46.
func TestNumpyPercentile(t *testing.T) {
	for _, tc := range []struct {
		x    []time.Duration
		p    float64
		want time.Duration
	}{
		{[]time.Duration{1000, 2000, 3000, 4000}, 99, 3970},
		{[]time.Duration{10, 20, 30, 40, 50}, 90, 46},
		{[]time.Duration{10, 20, 30, 40, 50}, 50, 30},
		{[]time.Duration{10, 20, 30, 40}, 50, 25}, // np.median of even n
		{[]time.Duration{10, 20, 30, 40, 50}, 0, 10},
		{[]time.Duration{10, 20, 30, 40, 50}, 100, 50},
		{[]time.Duration{7}, 99, 7},
		{nil, 99, 0},
	} {
		if got := NumpyPercentile(tc.x, tc.p); got != tc.want {
			t.Errorf("NumpyPercentile(%v, %g) = %v, want %v", tc.x, tc.p, got, tc.want)
		}
	}
}

func TestStatRules(t *testing.T) {
	r := NewExact()
	for _, ms := range []int{10, 20, 30, 40} {
		r.Record(time.Duration(ms) * time.Millisecond)
	}
	for _, tc := range []struct {
		rule Rule
		stat string
		want time.Duration
	}{
		{Numpy, "median", 25 * time.Millisecond}, // np.median([10,20,30,40])
		{AB, "p50", 30 * time.Millisecond},       // sorted[floor(4*50/100)]
		{ABCSV, "p40", 30 * time.Millisecond},    // sorted[floor(0.5+4*40/100)]; AB gives 20
		{Numpy, "p99", 39700 * time.Microsecond}, // np.percentile(..., 99)
	} {
		got, err := r.StatRule(tc.rule, tc.stat)
		if err != nil || got != tc.want {
			t.Errorf("StatRule(%v, %s) = %v, %v; want %v", tc.rule, tc.stat, got, err, tc.want)
		}
	}
	h := New()
	h.Record(time.Millisecond)
	if err := h.ReportRule(metrics{}, Numpy, "x", "p99"); err == nil {
		t.Error("numpy rule on a histogram-only recorder must fail, not report")
	}
}

// Samples beyond the histogram's range are said, never read as 1 h.
func TestClampedIsReported(t *testing.T) {
	r := New()
	for i := 0; i < 98; i++ {
		r.Record(time.Millisecond)
	}
	r.Record(2 * time.Hour)
	r.Record(3 * time.Hour)
	m := metrics{}
	if err := r.Report(m, "lat", "mean", "p50"); err != nil {
		t.Fatal(err)
	}
	if m["lat-clamped"] != 2 {
		t.Errorf("lat-clamped = %v, want 2 (metrics %v)", m["lat-clamped"], m)
	}
	if _, err := r.Stat("p99.5"); err == nil || !strings.Contains(err.Error(), "2 of 100 samples clamped") {
		t.Errorf("p99.5 among clamped samples: err = %v", err)
	}
	if got := r.Max(); got != 3*time.Hour {
		t.Errorf("max = %v, want the exact 3h", got)
	}
}
