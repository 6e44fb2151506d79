package ioengine

import (
	"fmt"
	"time"

	"github.com/teebench/teebench/internal/latency"
)

// RW is fio's readwrite pattern.
type RW string

// The patterns of the report's jobs.
const (
	Read      RW = "read"      // sequential reads
	Write     RW = "write"     // sequential writes
	RandRead  RW = "randread"  // random reads
	RandWrite RW = "randwrite" // random writes
	RandRW    RW = "randrw"    // random mixed reads and writes (RWMixRead)
)

func (rw RW) random() bool { return rw == RandRead || rw == RandWrite || rw == RandRW }

// Job is one fio job, in fio's terms. Each of NumJobs workers works on its
// own region [i*OffsetIncrement, i*OffsetIncrement+Size) of the file.
type Job struct {
	Name      string
	RW        RW
	BlockSize int   // bytes per I/O (fio bs)
	IODepth   int   // I/Os in flight per worker (fio iodepth)
	NumJobs   int   // workers (fio numjobs); 0 means 1
	Size      int64 // bytes per worker region (fio size)
	// OffsetIncrement is the distance between worker regions (fio
	// offset_increment).
	OffsetIncrement int64
	// RWMixRead is the percentage of reads for RandRW (fio rwmixread).
	RWMixRead int
	// Ramp runs the job before measuring (fio ramp_time); I/Os that
	// complete during it are not counted.
	Ramp time.Duration
	// Runtime is the measured time of a time-based run (fio runtime with
	// time_based). When NumberIOs > 0 it is ignored.
	Runtime time.Duration
	// NumberIOs, when > 0, ends the run after that many I/Os completed
	// after the ramp, split evenly between workers (fio number_ios).
	NumberIOs int64
}

func (j Job) workers() int {
	if j.NumJobs <= 0 {
		return 1
	}
	return j.NumJobs
}

// FileSize returns the file size the job needs (as fio lays it out): the
// last worker's region end.
func (j Job) FileSize() int64 {
	return int64(j.workers()-1)*j.OffsetIncrement + j.Size
}

// Validate reports the first invalid parameter, naming the job and the
// parameter.
func (j Job) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("ioengine: job %q: %s", j.Name, fmt.Sprintf(format, a...))
	}
	switch j.RW {
	case Read, Write, RandRead, RandWrite, RandRW:
	default:
		return bad("readwrite %q: want read, write, randread, randwrite or randrw", j.RW)
	}
	switch {
	case j.BlockSize <= 0 || j.BlockSize%4096 != 0:
		return bad("bs %d: want a positive multiple of 4096 (O_DIRECT alignment)", j.BlockSize)
	case j.IODepth <= 0:
		return bad("iodepth %d: want >= 1", j.IODepth)
	case j.Size < int64(j.BlockSize) || j.Size%int64(j.BlockSize) != 0:
		return bad("size %d: want a positive multiple of bs %d", j.Size, j.BlockSize)
	case j.OffsetIncrement < 0 || j.OffsetIncrement%int64(j.BlockSize) != 0:
		return bad("offset_increment %d: want >= 0 and a multiple of bs %d", j.OffsetIncrement, j.BlockSize)
	case j.RW == RandRW && (j.RWMixRead < 0 || j.RWMixRead > 100):
		return bad("rwmixread %d: want 0..100", j.RWMixRead)
	case j.Ramp < 0:
		return bad("ramp_time %v: want >= 0", j.Ramp)
	case j.NumberIOs < 0:
		return bad("number_ios %d: want >= 0", j.NumberIOs)
	case j.NumberIOs == 0 && j.Runtime <= 0:
		return bad("runtime %v: want > 0 for a time-based run (or set number_ios)", j.Runtime)
	}
	return nil
}

// Result is what a run measured after the ramp.
type Result struct {
	Reads, Writes         int64         // I/Os completed in the window
	ReadBytes, WriteBytes int64         // bytes they moved
	Elapsed               time.Duration // the measured window
	CPU                   time.Duration // process CPU time (user+system) in the window
	// Lat holds every counted I/O's latency from submission to completion;
	// ReadLat and WriteLat the same split by direction.
	Lat, ReadLat, WriteLat *latency.Recorder
	Direct                 bool // whether the file was opened with O_DIRECT
}

// IOs returns the number of I/Os counted.
func (r *Result) IOs() int64 { return r.Reads + r.Writes }

func (r *Result) rate(n int64) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(n) / r.Elapsed.Seconds()
}

// IOPS returns I/Os per second over the window; ReadIOPS and WriteIOPS
// split it by direction.
func (r *Result) IOPS() float64 { return r.rate(r.IOs()) }

// ReadIOPS returns reads per second over the window.
func (r *Result) ReadIOPS() float64 { return r.rate(r.Reads) }

// WriteIOPS returns writes per second over the window.
func (r *Result) WriteIOPS() float64 { return r.rate(r.Writes) }

// BytesPerSec returns the bandwidth (reads plus writes) over the window.
func (r *Result) BytesPerSec() float64 { return r.rate(r.ReadBytes + r.WriteBytes) }

// CPUPerIO returns the process CPU time per counted I/O.
func (r *Result) CPUPerIO() time.Duration {
	if r.IOs() == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.IOs())
}
