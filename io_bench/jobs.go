package io_bench

import (
	"time"

	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/ioengine"
	"github.com/teebench/teebench/internal/reftool"
)

// Sizes are the per-profile sizes of the nine jobs.
type Sizes struct {
	Size            int64 // fio --size, bytes
	OffsetIncrement int64 // fio --offset_increment of the sequential jobs
	Ramp, Runtime   time.Duration
}

// ProfileSizes returns the sizes of the current TEEBENCH_PROFILE: smoke
// 16 MiB / 200 ms / 500 ms, quick 256 MiB / 1 s / 3 s, report the
// reference report's 2 GiB / 2 s / 15 s with offset_increment 500M. The
// smaller profiles scale offset_increment with the file (a quarter of it).
func ProfileSizes() Sizes {
	return config.Pick(
		Sizes{Size: 16 << 20, OffsetIncrement: 4 << 20, Ramp: 200 * time.Millisecond, Runtime: 500 * time.Millisecond},
		Sizes{Size: 256 << 20, OffsetIncrement: 64 << 20, Ramp: time.Second, Runtime: 3 * time.Second},
		Sizes{Size: 2 << 30, OffsetIncrement: 500 << 20, Ramp: 2 * time.Second, Runtime: 15 * time.Second},
	)
}

// Spec is one of the report's jobs: the engine's Job plus what only fio
// needs to know.
type Spec struct {
	Job ioengine.Job
	// GtodReduce is fio's gtod_reduce=1: fio then does not time I/Os, so
	// engine=fio has no latency figures for the job (engine=go always
	// times them).
	GtodReduce bool
}

// Specs returns the suite's fio jobs (internal/catalog.FioJobs, the one
// declaration the report reads too) at sizes s: the nine jobs of
// InfraBuilder/docker-fio's benchmark.sh (docs/methods.md §1) in the script's
// order, then the mechanism jobs lat_qd1_read and lat_qd1_write: 4 KiB
// random reads (writes) at iodepth 1, the cost of one I/O without queueing
// (in a TD, the bounce-buffer copy and the exits of each I/O), timed as the
// latency jobs are.
func Specs(s Sizes) []Spec {
	var out []Spec
	for _, c := range catalog.FioJobs {
		j := ioengine.Job{Name: c.Name, RW: ioengine.RW(c.RW), BlockSize: c.BlockSize, IODepth: c.IODepth, RWMixRead: c.RWMixRead,
			Size: s.Size, Ramp: s.Ramp, Runtime: s.Runtime}
		if c.NumJobs > 1 {
			j.NumJobs, j.OffsetIncrement = c.NumJobs, s.OffsetIncrement
		}
		out = append(out, Spec{Job: j, GtodReduce: c.GtodReduce})
	}
	return out
}

// fioArgs returns fio's command line for s on path (reftool.FioArgs, the
// one place fio's options are written).
func fioArgs(s Spec, path string, direct bool, numberIOs int64) []string {
	return reftool.FioArgs(s.Job, reftool.FioOptions{Path: path, Direct: direct, GtodReduce: s.GtodReduce, NumberIOs: numberIOs})
}

// fileSizes returns the room BenchmarkFio needs for specs: size, the
// shared test file (the largest job's fio layout, Job.FileSize), and
// alongside, the largest file engine=fio-ownfile has fio lay out beside
// it (one at a time, each removed after its job; 0 when fio does not run,
// withFio false). Both count in PrepareFile's free-space check: counting
// only the test file let a filesystem with 524 MiB free pass, and then
// every fio-ownfile job failed with ENOSPC.
func fileSizes(specs []Spec, withFio bool) (size, alongside int64) {
	for _, s := range specs {
		size = max(size, s.Job.FileSize())
	}
	if withFio {
		alongside = size
	}
	return size, alongside
}
