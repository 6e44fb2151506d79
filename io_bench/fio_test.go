package io_bench

import (
	"fmt"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/interrupt"
	"github.com/teebench/teebench/internal/ioengine"
	"github.com/teebench/teebench/internal/reftool"
)

// BenchmarkFio runs the jobs of Specs (the report's nine fio jobs, then
// the two QD1 mechanism jobs) on the Go engine (engine=go) and on fio
// itself (engine=fio), on one test file, and on
// standalone fio with a file of its own (engine=fio-ownfile), in that
// order (reversed with TEEBENCH_ORDER=reverse). See the
// package documentation for what one op is and which units each reports.
func BenchmarkFio(b *testing.B) {
	specs := Specs(ProfileSizes())
	fioPath, fioErr := reftool.FioLookup()
	size, own := fileSizes(specs, fioErr == nil)
	f := prepare(b, config.IODir(), size, own)
	benchenv.Scoped(benchenv.KV{Key: "io-fs", Value: f.FS}, benchenv.KV{Key: "io-dev", Value: f.Dev}, benchenv.KV{Key: "io-direct", Value: fmt.Sprint(f.Direct)})
	if !f.Direct {
		// Said as a config line, so that it stays with the results.
		benchenv.Scoped(benchenv.KV{Key: "io-direct-note", Value: f.DirectNote})
		b.Logf("direct: false: %s", f.DirectNote)
	}
	for _, s := range specs {
		b.Run("job="+s.Job.Name, func(b *testing.B) {
			// The Go engine first, unless TEEBENCH_ORDER=reverse.
			for _, e := range config.Ordered([]string{"go", "fio", "fio-ownfile"}) {
				b.Run("engine="+e, func(b *testing.B) {
					if e == "go" {
						benchGo(b, f, s)
						return
					}
					if fioErr != nil {
						b.Skip(fioErr)
					}
					if e == "fio" {
						benchFio(b, f, s, fioPath, f.Path)
					} else {
						benchFioOwnFile(b, f, s, fioPath)
					}
				})
			}
		})
	}
}

// prepare creates the test file and removes it when tb ends, whether it
// passes, fails or is skipped (an interrupt removes it too, see
// ioengine.PrepareFile).
// alongside is the room the benchmark needs beside the test file (see
// fileSizes). The test directories of killed runs that PrepareFile removed
// are logged.
func prepare(tb testing.TB, dir string, size, alongside int64) *ioengine.File {
	tb.Helper()
	f, err := ioengine.PrepareFile(dir, size, alongside)
	if err != nil {
		interrupt.Wait() // an interrupted fill is no failure: the process ends as interrupted
		tb.Fatalf("TEEBENCH_IO_DIR: %v", err)
	}
	for _, d := range f.Removed {
		tb.Logf("removed %s, the test directory of a killed run", d)
	}
	tb.Cleanup(func() {
		if err := f.Remove(); err != nil {
			tb.Error(err)
		}
	})
	return f
}

// countBased reports whether this call must do exactly b.N I/Os: b.N == 1
// is one time-based job (fio's time_based, the profile's runtime); the
// testing package asks for b.N > 1 only when that job was shorter than
// -benchtime, or with -benchtime Nx (then b.N I/Os, fio's number_ios).
func countBased(b *testing.B) int64 {
	if b.N > 1 {
		return int64(b.N)
	}
	return 0
}

func benchGo(b *testing.B, f *ioengine.File, s Spec) {
	j := s.Job
	j.NumberIOs = countBased(b)
	b.ResetTimer()
	r, err := ioengine.Run(f.Context(), f, j)
	b.StopTimer()
	if err != nil {
		interrupt.Wait()
		b.Fatal(err)
	}
	report(b, j, r.Elapsed, r.IOs(), r.IOPS(), r.BytesPerSec(), r.CPUPerIO())
	if j.RW == ioengine.RandRW {
		b.ReportMetric(r.ReadIOPS(), "read-IOPS")
		b.ReportMetric(r.WriteIOPS(), "write-IOPS")
	}
	if err := r.Lat.Report(b, "lat", "mean", "p99"); err != nil {
		b.Fatal(err)
	}
}

// benchFio runs the job on fio with the file at path (f.Path, or a file
// fio lays out itself in f.Dir).
func benchFio(b *testing.B, f *ioengine.File, s Spec, fio, path string) {
	args := fioArgs(s, path, f.Direct, countBased(b))
	b.ResetTimer()
	out, err := reftool.Run(f.Context(), fio, args...)
	b.StopTimer()
	if err != nil {
		interrupt.Wait()
		b.Fatal(err)
	}
	o, err := reftool.ParseFioJSON(out)
	if err != nil {
		b.Fatal(err)
	}
	sum := o.Summary()
	rt := max(sum.Read.Runtime, sum.Write.Runtime)
	report(b, s.Job, rt, sum.IOs(), sum.IOPS(), sum.BytesPerSec(), sum.CPUPerIO())
	if s.Job.RW == ioengine.RandRW {
		b.ReportMetric(sum.Read.IOPS, "read-IOPS")
		b.ReportMetric(sum.Write.IOPS, "write-IOPS")
	}
	// fio times I/Os only without gtod_reduce; never report a latency it
	// did not measure.
	if n := sum.Read.LatN + sum.Write.LatN; n > 0 {
		mean := (float64(sum.Read.LatMean)*float64(sum.Read.LatN) + float64(sum.Write.LatMean)*float64(sum.Write.LatN)) / float64(n)
		b.ReportMetric(mean, "lat-mean-ns")
		switch {
		case sum.Read.HasP99 && sum.Write.LatN == 0:
			b.ReportMetric(float64(sum.Read.LatP99), "lat-p99-ns")
		case sum.Write.HasP99 && sum.Read.LatN == 0:
			b.ReportMetric(float64(sum.Write.LatP99), "lat-p99-ns")
		}
	}
}

// report writes the figures common to both engines. ns/op is the measured
// window per I/O (1/IOPS), whatever b.N was.
func report(b *testing.B, j ioengine.Job, window time.Duration, ios int64, iops, bps float64, cpu time.Duration) {
	if ios == 0 || window <= 0 {
		b.Fatalf("job %s: no I/O measured", j.Name)
	}
	b.ReportMetric(float64(window)/float64(ios), "ns/op")
	b.ReportMetric(iops, "IOPS")
	b.ReportMetric(bps, "B/s")
	b.ReportMetric(float64(cpu), "cpu-ns/op")
}
