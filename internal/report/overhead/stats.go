package overhead

import (
	"math"
	"math/rand/v2"
	"slices"

	"golang.org/x/perf/benchmath"

	"github.com/teebench/teebench/internal/report/results"
	"github.com/teebench/teebench/internal/scaling"
)

// Dir says which direction of a figure is better, and so which overhead
// convention applies to it (docs/methods.md §0).
type Dir int

const (
	// Neutral figures describe the workload (constraints, usage); their
	// change is shown as (on-off)/off without calling it better or worse.
	Neutral Dir = iota
	// Higher is throughput: overhead = (off-on)/off.
	Higher
	// Lower is latency or cost: overhead = (on-off)/off.
	Lower
)

// Confidence is the confidence level of every interval in the report.
const Confidence = 0.95

// Cell is one arm's summary of one benchmark and unit.
type Cell struct {
	// N is the number of samples; 0 means the arm did not measure it.
	N int
	benchmath.Summary
}

// Delta is the comparison of one arm against the baseline arm.
type Delta struct {
	// OK is false when either arm has no samples.
	OK bool
	benchmath.Comparison
	// Benchstat is benchstat's delta column for the same data:
	// "~" when not significant, else "+12.00%" (new/old - 1).
	Benchstat string
	// Overhead is the overhead in percent in the report's convention:
	// throughput (off-on)/off, latency (on-off)/off; NaN when not computable.
	Overhead float64
	// Significant reports P <= Alpha.
	Significant bool
	// Lo and Hi bound a 95% percentile-bootstrap interval of Overhead
	// (BootstrapN resamples of each arm); both NaN when an arm has fewer
	// than 6 samples.
	Lo, Hi float64
}

// BootstrapN is the number of resamples of the overhead interval.
const BootstrapN = 1000

// OverheadCI is a percentile bootstrap of the overhead of the medians:
// each arm is resampled with replacement, the overhead of the two resample
// medians recorded, and the 2.5% and 97.5% quantiles returned. The random
// source has a fixed seed so that a report is reproducible.
func OverheadCI(off, on []float64, dir Dir) (lo, hi float64) {
	if len(off) < 6 || len(on) < 6 {
		return math.NaN(), math.NaN()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	a, b := make([]float64, len(off)), make([]float64, len(on))
	res := make([]float64, 0, BootstrapN)
	for range BootstrapN {
		for i := range a {
			a[i] = off[rng.IntN(len(off))]
		}
		for i := range b {
			b[i] = on[rng.IntN(len(on))]
		}
		if v := Overhead(scaling.Median(a), scaling.Median(b), dir); !math.IsNaN(v) && !math.IsInf(v, 0) {
			res = append(res, v)
		}
	}
	if len(res) < BootstrapN/2 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(res)
	return res[int(0.025*float64(len(res)))], res[int(math.Ceil(0.975*float64(len(res))))-1]
}

// Stat is one benchmark and unit summarised over all arms.
type Stat struct {
	ID   results.ID
	Unit string
	Dir  Dir
	// Cells are indexed like Dataset.Arms.
	Cells []Cell
	// Deltas are indexed like Dataset.Arms; Deltas[0] is unused.
	Deltas []Delta
}

// Overhead returns the overhead in percent of on versus off in the report's
// convention for dir.
func Overhead(off, on float64, dir Dir) float64 {
	if off == 0 {
		return math.NaN()
	}
	if dir == Higher {
		return (off - on) / off * 100
	}
	return (on - off) / off * 100
}

// Compare summarises two samples and compares them the way benchstat does
// (the unit's assumption, default AssumeNothing: median, order-statistic CI,
// Mann-Whitney U test).
func Compare(a benchmath.Assumption, off, on []float64, dir Dir) (Cell, Cell, Delta) {
	c0, s0 := Summarize(a, off)
	c1, s1 := Summarize(a, on)
	if s0 == nil || s1 == nil {
		return c0, c1, Delta{Overhead: math.NaN()}
	}
	cmp := a.Compare(s0, s1)
	d := Delta{
		OK:          true,
		Comparison:  cmp,
		Benchstat:   cmp.FormatDelta(c0.Center, c1.Center),
		Overhead:    Overhead(c0.Center, c1.Center, dir),
		Significant: cmp.P <= cmp.Alpha,
	}
	d.Lo, d.Hi = OverheadCI(off, on, dir)
	return c0, c1, d
}

func Summarize(a benchmath.Assumption, vs []float64) (Cell, *benchmath.Sample) {
	if len(vs) == 0 {
		return Cell{}, nil
	}
	cp := append([]float64(nil), vs...) // NewSample sorts in place
	s := benchmath.NewSample(cp, &benchmath.DefaultThresholds)
	return Cell{N: len(vs), Summary: a.Summary(s, Confidence)}, s
}

// StatOf summarises one benchmark and unit of d over all arms and compares every
// arm with the baseline (arm 0).
func StatOf(d *results.Dataset, id results.ID, unit string, dir Dir) Stat {
	st := Stat{ID: id, Unit: unit, Dir: dir, Cells: make([]Cell, len(d.Arms)), Deltas: make([]Delta, len(d.Arms))}
	a := d.Units.GetAssumption(unit)
	base := d.Values(id, unit, 0)
	st.Cells[0], _ = Summarize(a, base)
	st.Deltas[0].Overhead = math.NaN()
	for i := 1; i < len(d.Arms); i++ {
		_, c1, dl := Compare(a, base, d.Values(id, unit, i), dir)
		st.Cells[i], st.Deltas[i] = c1, dl
	}
	return st
}

// MinTestN is the number of samples per arm below which the Mann-Whitney
// U test can never reject equality at alpha 0.05 (with 3+3 the smallest
// two-sided p is 0.1).
const MinTestN = 4

// An Outlier is a file of an arm whose samples of a benchmark and unit
// differ significantly from those of the arm's other files.
type Outlier struct {
	// File is the file's path.
	File string
	// Median is the file's median, Others the median of the arm's other
	// files' samples.
	Median, Others float64
	// Comparison is the test's result (it prints "p=0.002 n=6+12").
	Comparison benchmath.Comparison
}

// Outliers returns, of d, the files of arm i whose samples of a benchmark and unit
// differ significantly (Mann-Whitney U, p < 0.05) from those of the arm's
// other files, each with its median and the others': with files from
// several machines of one testbed, a machine that measures apart.
func Outliers(d *results.Dataset, id results.ID, unit string, arm int) []Outlier {
	a := d.Arms[arm]
	if len(a.Files) < 2 {
		return nil
	}
	var out []Outlier
	for _, f := range a.Files {
		mine := d.FileValues(id, unit, arm, f)
		var rest []float64
		for _, g := range a.Files {
			if g != f {
				rest = append(rest, d.FileValues(id, unit, arm, g)...)
			}
		}
		if len(mine) == 0 || len(rest) == 0 {
			continue
		}
		as := d.Units.GetAssumption(unit)
		c0, c1, dl := Compare(as, rest, mine, Neutral)
		if dl.OK && dl.Significant {
			out = append(out, Outlier{File: f, Median: c1.Center, Others: c0.Center, Comparison: dl.Comparison})
		}
	}
	return out
}

// Slowdown is the "TEE/base time ×" factor of two medians: for throughput
// base/TEE, for time-like figures TEE/base, so that +20% of throughput and
// +25% of latency both read 1.25×. NaN for a neutral unit or a zero.
func Slowdown(base, tee float64, dir Dir) float64 {
	switch dir {
	case Higher:
		if tee == 0 {
			return math.NaN()
		}
		return base / tee
	case Lower:
		if base == 0 {
			return math.NaN()
		}
		return tee / base
	}
	return math.NaN()
}
