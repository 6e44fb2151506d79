// Package scaling computes thread-scaling efficiency as the reference report
// defines it for its 7-Zip tables: Tot(N) / (N x Tot(1)), where Tot is a
// rate (7-Zip's Total Rating, or any higher-is-better rate such as the B/s
// of cpu_bench's Go compression benchmarks) measured with N threads.
//
// Efficiency is the formula; Series applies it to a sweep; FromResults reads
// a Go benchmark result file (the suite's output) and builds the sweep for
// one benchmark, so the report renderer can print the "Scaling Efficiency"
// column from the same files benchstat reads.
package scaling

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/teebench/teebench/internal/benchname"
)

// Efficiency returns rateN / (n x rate1) as a fraction (0.799 = 79.9%).
// Values above 1 are super-linear scaling. rate1 must be positive and n at
// least 1.
func Efficiency(rateN, rate1 float64, n int) (float64, error) {
	if n < 1 {
		return 0, fmt.Errorf("scaling: thread count %d: want >= 1", n)
	}
	if !(rate1 > 0) {
		return 0, fmt.Errorf("scaling: single-thread rate %v: want > 0", rate1)
	}
	return rateN / (float64(n) * rate1), nil
}

// Point is one thread count of a sweep.
type Point struct {
	Threads int
	// Rate is the value measured with Threads threads (the median when
	// the sweep came from several runs).
	Rate float64
	// Efficiency is Rate / (Threads x Rate at 1 thread).
	Efficiency float64
}

// Series returns the sweep in ascending thread order with each point's
// efficiency. It needs a positive rate at 1 thread.
func Series(rates map[int]float64) ([]Point, error) {
	r1, ok := rates[1]
	if !ok {
		return nil, fmt.Errorf("scaling: no 1-thread value in the sweep (have threads %v)", keys(rates))
	}
	pts := make([]Point, 0, len(rates))
	for _, n := range keys(rates) {
		e, err := Efficiency(rates[n], r1, n)
		if err != nil {
			return nil, err
		}
		pts = append(pts, Point{Threads: n, Rate: rates[n], Efficiency: e})
	}
	return pts, nil
}

func keys(m map[int]float64) []int {
	k := make([]int, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	sort.Ints(k)
	return k
}

// FromResults reads Go benchmark results from r and returns the scaling
// series of one benchmark. name is the benchmark's name without the
// "Benchmark" prefix, the threads=N part and the -GOMAXPROCS suffix, e.g.
// "SevenZip" or "Compress/codec=zstd/dict=22"; unit is the rate's unit as
// benchfmt tidies it ("MIPS", "B/s"; MB/s becomes B/s). Several results for
// the same thread count (go test -count) are reduced to their median.
func FromResults(r io.Reader, name, unit string) ([]Point, error) {
	samples := map[int][]float64{}
	rd := benchfmt.NewReader(r, "results")
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		base, threads, ok := splitThreads(res.Name)
		if !ok || base != name {
			continue
		}
		if v, ok := res.Value(unit); ok {
			samples[threads] = append(samples[threads], v)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("scaling: reading results: %w", err)
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("scaling: no %s results with a threads=N part and unit %q", name, unit)
	}
	rates := map[int]float64{}
	for n, s := range samples {
		rates[n] = Median(s)
	}
	return Series(rates)
}

// splitThreads returns the benchmark name without its threads=N part and
// GOMAXPROCS suffix, and N (names parsed by benchname.Parse).
func splitThreads(n benchfmt.Name) (string, int, bool) {
	base, params := benchname.Parse(n)
	out := []string{base}
	threads := -1
	for _, p := range params {
		if p.Key == "threads" {
			t, err := strconv.Atoi(p.Value)
			if err != nil {
				return "", 0, false
			}
			threads = t
			continue
		}
		if p.Key == "" {
			out = append(out, p.Value)
		} else {
			out = append(out, p.Key+"="+p.Value)
		}
	}
	if threads < 0 {
		return "", 0, false
	}
	return strings.Join(out, "/"), threads, true
}

// Median returns the median of s (the mean of the middle two for an even
// count) without reordering s; the report uses it too.
func Median(s []float64) float64 {
	c := append([]float64(nil), s...)
	sort.Float64s(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}
