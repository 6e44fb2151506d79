package io_bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/ioengine"
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

// Specs returns the nine jobs of InfraBuilder/docker-fio's benchmark.sh
// (METHODS.md §1) at sizes s, in the script's order, then the two
// mechanism jobs lat_qd1_read and lat_qd1_write: 4 KiB random reads
// (writes) at iodepth 1, the cost of one I/O without queueing (in a TD,
// the bounce-buffer copy and the exits of each I/O), timed as the latency
// jobs are.
func Specs(s Sizes) []Spec {
	job := func(name string, rw ioengine.RW, bs, depth int) ioengine.Job {
		return ioengine.Job{Name: name, RW: rw, BlockSize: bs, IODepth: depth, Size: s.Size, Ramp: s.Ramp, Runtime: s.Runtime}
	}
	seq := func(j ioengine.Job) ioengine.Job {
		j.NumJobs, j.OffsetIncrement = 4, s.OffsetIncrement
		return j
	}
	mix := job("rw_mix", ioengine.RandRW, 4<<10, 64)
	mix.RWMixRead = 75
	return []Spec{
		{job("read_iops", ioengine.RandRead, 4<<10, 64), true},
		{job("write_iops", ioengine.RandWrite, 4<<10, 64), true},
		{job("read_bw", ioengine.RandRead, 128<<10, 64), true},
		{job("write_bw", ioengine.RandWrite, 128<<10, 64), true},
		{job("read_latency", ioengine.RandRead, 4<<10, 4), false},
		{job("write_latency", ioengine.RandWrite, 4<<10, 4), false},
		{seq(job("read_seq", ioengine.Read, 1<<20, 16)), true},
		{seq(job("write_seq", ioengine.Write, 1<<20, 16)), true},
		{mix, true},
		{job("lat_qd1_read", ioengine.RandRead, 4<<10, 1), false},
		{job("lat_qd1_write", ioengine.RandWrite, 4<<10, 1), false},
	}
}

// FioArgs returns fio's command line for spec on path: benchmark.sh's
// options, with direct=0 when the filesystem has no real O_DIRECT, and
// --lat_percentiles=1 on the timed jobs so that fio prints the total
// latency's p99 (reporting only: the I/O is unchanged). With numberIOs > 0
// the run is not time-based: each job moves io_size = its share of
// numberIOs times bs (fio's number_ios would stop after one pass over
// size). fio counts the ramp's I/Os in io_size but not in its figures, so
// such a run reports somewhat fewer I/Os than numberIOs.
func FioArgs(spec Spec, path string, direct bool, numberIOs int64) []string {
	j := spec.Job
	d := "0"
	if direct {
		d = "1"
	}
	ms := func(t time.Duration) string { return strconv.FormatInt(t.Milliseconds(), 10) + "ms" }
	args := []string{
		"--name=" + j.Name, "--randrepeat=0", "--verify=0", "--ioengine=libaio", "--direct=" + d,
		"--filename=" + strings.ReplaceAll(path, ":", `\:`), // fio splits names at ':'
		"--size=" + strconv.FormatInt(j.Size, 10), "--ramp_time=" + ms(j.Ramp),
	}
	if numberIOs > 0 {
		// number_ios stops at the end of one pass over size; io_size loops.
		per := (numberIOs + int64(max(j.NumJobs, 1)) - 1) / int64(max(j.NumJobs, 1))
		args = append(args, "--io_size="+strconv.FormatInt(per*int64(j.BlockSize), 10))
	} else {
		args = append(args, "--time_based", "--runtime="+ms(j.Runtime))
	}
	if spec.GtodReduce {
		args = append(args, "--gtod_reduce=1")
	} else {
		args = append(args, "--lat_percentiles=1")
	}
	args = append(args, "--readwrite="+string(j.RW), "--bs="+strconv.Itoa(j.BlockSize), "--iodepth="+strconv.Itoa(j.IODepth))
	if j.RW == ioengine.RandRW {
		args = append(args, fmt.Sprintf("--rwmixread=%d", j.RWMixRead))
	}
	if j.NumJobs > 1 {
		args = append(args, "--thread", "--numjobs="+strconv.Itoa(j.NumJobs),
			"--offset_increment="+strconv.FormatInt(j.OffsetIncrement, 10))
	}
	return append(args, "--output-format=json")
}
