package benchenv

import (
	"fmt"
	"math"
	"time"
)

// NoiseDuration is the noise check's default length in all (half a CPU
// loop, half a memory loop): short beside a run, long enough for a spread
// over some twenty samples of each loop.
const NoiseDuration = 5 * time.Second

// noiseSample is the target length of one timed sample of a loop.
const noiseSample = 100 * time.Millisecond

// noiseBuf is the memory loop's buffer: 64 MiB, larger than the last-level
// cache of the CPUs we run on, so that every pass reads from DRAM.
const noiseBuf = 64 << 20

// Spread is the result of one calibration loop: the same fixed work timed
// N times. CV is the coefficient of variation of the sample times in
// percent (standard deviation over mean): the run-to-run noise that any
// overhead measured in that arm has to stand out from.
type Spread struct {
	N        int
	Mean     time.Duration
	Min, Max time.Duration
	CV       float64
}

// Noise is the noise check of one arm: a CPU loop (integer arithmetic, no
// memory traffic) and a memory loop (sequential reads of noiseBuf).
type Noise struct {
	CPU, Mem Spread
}

// NoiseCheck runs the calibration for about total (half per loop) and
// returns the two spreads. It is a fixed workload outside any measured
// region: the runner calls it once before the first package, so that
// steal, frequency changes or a noisy neighbour show as spread in the arm
// that had them.
func NoiseCheck(total time.Duration) Noise {
	half := total / 2
	buf := make([]uint64, noiseBuf/8)
	for i := range buf {
		buf[i] = uint64(i)
	}
	return Noise{
		CPU: spreadOf(timeLoop(half, cpuLoop)),
		Mem: spreadOf(timeLoop(half, func(n int) uint64 { return memLoop(buf, n) })),
	}
}

// sink keeps the loops' results alive.
var sink uint64

// cpuLoop is n rounds of a xorshift generator: integer work in registers.
func cpuLoop(n int) uint64 {
	x := uint64(88172645463325252)
	for i := 0; i < n*1_000_000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// memLoop sums buf n times.
func memLoop(buf []uint64, n int) uint64 {
	var s uint64
	for r := 0; r < n; r++ {
		for _, v := range buf {
			s += v
		}
	}
	return s
}

// timeLoop sizes the work of one sample (doubling n until a sample takes
// half of noiseSample, or of a quarter of budget when that is shorter), then times
// that fixed work until budget is spent (at least 3 samples).
func timeLoop(budget time.Duration, loop func(n int) uint64) []time.Duration {
	target := min(noiseSample, budget/4)
	end := time.Now().Add(budget)
	n := 1
	for {
		t := time.Now()
		sink += loop(n)
		if time.Since(t) >= target/2 || n >= 1<<20 {
			break
		}
		n *= 2
	}
	var ds []time.Duration
	for len(ds) < 3 || time.Now().Before(end) {
		t := time.Now()
		sink += loop(n)
		ds = append(ds, time.Since(t))
	}
	return ds
}

// spreadOf summarizes sample times.
func spreadOf(ds []time.Duration) Spread {
	s := Spread{N: len(ds)}
	if len(ds) == 0 {
		return s
	}
	var sum float64
	s.Min, s.Max = ds[0], ds[0]
	for _, d := range ds {
		sum += float64(d)
		s.Min, s.Max = min(s.Min, d), max(s.Max, d)
	}
	mean := sum / float64(len(ds))
	s.Mean = time.Duration(mean)
	if len(ds) > 1 && mean > 0 {
		var ss float64
		for _, d := range ds {
			ss += (float64(d) - mean) * (float64(d) - mean)
		}
		s.CV = 100 * math.Sqrt(ss/float64(len(ds)-1)) / mean
	}
	return s
}

// RunInfoLines formats the noise check as run-info lines:
//
//	# run noise-cpu: 1.84% cv over 44 samples of 55.8ms (min 54.1ms, max 60.2ms)
//	# run noise-mem: 3.10% cv over 30 samples of 81.2ms (min 76.0ms, max 90.4ms)
//
// (a sample's work is sized to take 50-100 ms). The first field is the spread in percent (NoisePercent reads it back).
func (n Noise) RunInfoLines() []string {
	f := func(s Spread) string {
		return fmt.Sprintf("%.2f%% cv over %d samples of %s (min %s, max %s)", s.CV, s.N,
			s.Mean.Round(100*time.Microsecond), s.Min.Round(100*time.Microsecond), s.Max.Round(100*time.Microsecond))
	}
	return []string{RunInfoLine("noise-cpu", f(n.CPU)), RunInfoLine("noise-mem", f(n.Mem))}
}

// NoisePercent returns the spread in a noise-cpu or noise-mem run-info
// value ("1.84% cv over ..." gives 1.84).
func NoisePercent(value string) (float64, bool) { return StealPercent(value) }
