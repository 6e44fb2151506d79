package reftool

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/ioengine"
)

// FioLookup finds fio on PATH. The error wraps ErrNotInstalled when it is
// absent.
func FioLookup() (string, error) { return Lookup("fio", "fio") }

// FioOptions is how FioArgs runs a job.
type FioOptions struct {
	// Path is the file fio works on.
	Path string
	// Direct is fio's direct=1 (O_DIRECT); false on a filesystem without
	// a real O_DIRECT.
	Direct bool
	// GtodReduce is fio's gtod_reduce=1: fio then does not time I/Os (no
	// latency figures). Without it --lat_percentiles=1 is set, so that fio
	// prints the total latency's percentiles (reporting only: the I/O is
	// unchanged).
	GtodReduce bool
	// NumberIOs > 0 makes the run count-based instead of time-based: each
	// of the job's NumJobs moves io_size = its share of NumberIOs times bs
	// (fio's number_ios would stop after one pass over size). fio counts
	// the ramp's I/Os in io_size but not in its figures, so such a run
	// reports somewhat fewer I/Os than NumberIOs.
	NumberIOs int64
}

// FioArgs returns fio's command line for j (InfraBuilder/docker-fio's
// benchmark.sh options: libaio, randrepeat=0, verify=0, the job's size,
// ramp, runtime, pattern, block size, queue depth, rwmixread and, with
// NumJobs > 1, threads at offset_increment) with o, and JSON output for
// ParseFioJSON.
func FioArgs(j ioengine.Job, o FioOptions) []string {
	d := "0"
	if o.Direct {
		d = "1"
	}
	ms := func(t time.Duration) string { return strconv.FormatInt(t.Milliseconds(), 10) + "ms" }
	args := []string{
		"--name=" + j.Name, "--randrepeat=0", "--verify=0", "--ioengine=libaio", "--direct=" + d,
		"--filename=" + strings.ReplaceAll(o.Path, ":", `\:`), // fio splits names at ':'
		"--size=" + strconv.FormatInt(j.Size, 10), "--ramp_time=" + ms(j.Ramp),
	}
	if o.NumberIOs > 0 {
		per := (o.NumberIOs + int64(max(j.NumJobs, 1)) - 1) / int64(max(j.NumJobs, 1))
		args = append(args, "--io_size="+strconv.FormatInt(per*int64(j.BlockSize), 10))
	} else {
		args = append(args, "--time_based", "--runtime="+ms(j.Runtime))
	}
	if o.GtodReduce {
		args = append(args, "--gtod_reduce=1")
	} else {
		args = append(args, "--lat_percentiles=1")
	}
	args = append(args, "--readwrite="+string(j.RW), "--bs="+strconv.Itoa(j.BlockSize), "--iodepth="+strconv.Itoa(j.IODepth))
	if j.RW == ioengine.RandRW {
		args = append(args, "--rwmixread="+strconv.Itoa(j.RWMixRead))
	}
	if j.NumJobs > 1 {
		args = append(args, "--thread", "--numjobs="+strconv.Itoa(j.NumJobs),
			"--offset_increment="+strconv.FormatInt(j.OffsetIncrement, 10))
	}
	return append(args, "--output-format=json")
}

// FioOutput is the part of fio's --output-format=json that the suite uses
// (checked against fio 3.33; see testdata/fio/capture.sh).
type FioOutput struct {
	Version string   `json:"fio version"`
	Jobs    []FioJob `json:"jobs"`
}

// FioJob is one entry of fio's "jobs" array: one job instance (numjobs=4
// gives four entries unless group_reporting is set).
type FioJob struct {
	Name  string `json:"jobname"`
	Error int    `json:"error"`
	Read  FioIO  `json:"read"`
	Write FioIO  `json:"write"`
	// UsrCPU and SysCPU are percentages of JobRuntime (ms).
	UsrCPU     float64 `json:"usr_cpu"`
	SysCPU     float64 `json:"sys_cpu"`
	JobRuntime int64   `json:"job_runtime"`
}

// FioIO is one direction of a job.
type FioIO struct {
	IOBytes  int64   `json:"io_bytes"`
	BWBytes  int64   `json:"bw_bytes"` // bytes/s
	IOPS     float64 `json:"iops"`
	Runtime  int64   `json:"runtime"` // ms, ramp excluded
	TotalIOs int64   `json:"total_ios"`
	ShortIOs int64   `json:"short_ios"`
	DropIOs  int64   `json:"drop_ios"`
	Slat     FioLat  `json:"slat_ns"`
	Clat     FioLat  `json:"clat_ns"`
	Lat      FioLat  `json:"lat_ns"` // submission to completion
}

// FioLat is a latency block of fio's JSON, in nanoseconds. N is 0 when fio
// did not time the I/Os (gtod_reduce=1). Percentile is present for clat by
// default and for lat with --lat_percentiles=1; keys are like "99.000000".
type FioLat struct {
	Min        int64              `json:"min"`
	Max        int64              `json:"max"`
	Mean       float64            `json:"mean"`
	Stddev     float64            `json:"stddev"`
	N          int64              `json:"N"`
	Percentile map[string]float64 `json:"percentile"`
}

// ParseFioJSON parses fio's --output-format=json. Text that fio prints
// before the JSON document (warnings) is skipped. It is an error when the
// output holds no JSON object, when it has no jobs, or when a job reports
// a non-zero error.
func ParseFioJSON(out []byte) (*FioOutput, error) {
	i := bytes.IndexByte(out, '{')
	if i < 0 {
		return nil, fmt.Errorf("reftool: fio output has no JSON object (%d bytes: %.80q)", len(out), out)
	}
	var o FioOutput
	if err := json.Unmarshal(out[i:], &o); err != nil {
		return nil, fmt.Errorf("reftool: parsing fio JSON: %w", err)
	}
	if len(o.Jobs) == 0 {
		return nil, fmt.Errorf("reftool: fio JSON has no jobs")
	}
	for _, j := range o.Jobs {
		if j.Error != 0 {
			return nil, fmt.Errorf("reftool: fio job %q failed with error %d", j.Name, j.Error)
		}
	}
	return &o, nil
}

// FioDir summarises one direction over all jobs the way fio's group status
// line ("READ: bw=...") does: totals divided by the longest job runtime.
// For a single job, IOPS and BytesPerSec equal that job's iops and bw_bytes.
type FioDir struct {
	IOs         int64
	Bytes       int64
	Runtime     time.Duration // longest job runtime, ramp excluded
	IOPS        float64
	BytesPerSec float64
	// LatN is how many I/Os fio timed (0 with gtod_reduce=1); LatMean is
	// their mean total latency (lat_ns, submission to completion).
	LatN    int64
	LatMean time.Duration
	// LatP99 is lat_ns's 99th percentile; HasP99 is false when fio did not
	// print it (no --lat_percentiles=1, or more than one job, whose
	// percentiles cannot be combined).
	LatP99 time.Duration
	HasP99 bool
}

// FioSummary is a whole fio run in the suite's terms.
type FioSummary struct {
	Read, Write FioDir
	// CPU is the jobs' CPU time, the sum of (usr_cpu+sys_cpu)% of each
	// job_runtime.
	CPU  time.Duration
	Jobs int
}

// IOs returns the I/Os of both directions.
func (s FioSummary) IOs() int64 { return s.Read.IOs + s.Write.IOs }

// IOPS returns both directions' I/Os over the longest runtime.
func (s FioSummary) IOPS() float64 {
	rt := max(s.Read.Runtime, s.Write.Runtime)
	if rt <= 0 {
		return 0
	}
	return float64(s.IOs()) / rt.Seconds()
}

// BytesPerSec returns both directions' bytes over the longest runtime.
func (s FioSummary) BytesPerSec() float64 {
	rt := max(s.Read.Runtime, s.Write.Runtime)
	if rt <= 0 {
		return 0
	}
	return float64(s.Read.Bytes+s.Write.Bytes) / rt.Seconds()
}

// CPUPerIO returns the CPU time per I/O, or 0 with no I/O.
func (s FioSummary) CPUPerIO() time.Duration {
	if s.IOs() == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.IOs())
}

// Summary combines the jobs of o.
func (o *FioOutput) Summary() FioSummary {
	s := FioSummary{Jobs: len(o.Jobs)}
	var cpuMs float64
	for _, j := range o.Jobs {
		cpuMs += (j.UsrCPU + j.SysCPU) / 100 * float64(j.JobRuntime)
	}
	s.CPU = time.Duration(math.Round(cpuMs * float64(time.Millisecond)))
	s.Read = summarise(o.Jobs, func(j *FioJob) *FioIO { return &j.Read })
	s.Write = summarise(o.Jobs, func(j *FioJob) *FioIO { return &j.Write })
	return s
}

func summarise(jobs []FioJob, dir func(*FioJob) *FioIO) FioDir {
	var d FioDir
	var latSum float64
	for i := range jobs {
		io := dir(&jobs[i])
		d.IOs += io.TotalIOs
		d.Bytes += io.IOBytes
		d.Runtime = max(d.Runtime, time.Duration(io.Runtime)*time.Millisecond)
		d.LatN += io.Lat.N
		latSum += io.Lat.Mean * float64(io.Lat.N)
	}
	if d.Runtime > 0 {
		d.IOPS = float64(d.IOs) / d.Runtime.Seconds()
		d.BytesPerSec = float64(d.Bytes) / d.Runtime.Seconds()
	}
	if d.LatN > 0 {
		d.LatMean = time.Duration(math.Round(latSum / float64(d.LatN)))
	}
	if len(jobs) == 1 && d.LatN > 0 {
		if v, ok := dir(&jobs[0]).Lat.Percentile["99.000000"]; ok {
			d.LatP99, d.HasP99 = time.Duration(v), true
		}
	}
	return d
}
