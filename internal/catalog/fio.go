package catalog

// FioRow is one report row a fio job gives: a unit and its label in the
// published report's terms.
type FioRow struct {
	Unit  string
	Label string
}

// FioJob is one fio job of the suite: the nine jobs of InfraBuilder's
// docker-fio benchmark.sh (docs/methods.md §1) in the script's order, then
// the mechanism jobs.
type FioJob struct {
	// Name is the job's name, the `job=` of BenchmarkFio.
	Name string
	// RW is fio's --rw: randread, randwrite, read, write or randrw.
	RW string
	// BlockSize is fio's --bs in bytes, IODepth its --iodepth.
	BlockSize, IODepth int
	// NumJobs is fio's --numjobs (with --offset_increment), 0 for one job.
	NumJobs int
	// RWMixRead is fio's --rwmixread of a randrw job, else 0.
	RWMixRead int
	// GtodReduce is fio's gtod_reduce=1: fio does not time the I/Os, so
	// engine=fio has no latency figures for the job.
	GtodReduce bool
	// Mechanism marks a job that is not one of the published nine: it
	// explains an overhead (the report's "Why" section) rather than
	// reproducing a published figure.
	Mechanism bool
	// Rows are the report rows of the job, in order.
	Rows []FioRow
}

// FioJobs are the suite's fio jobs, in the order they run.
var FioJobs = []FioJob{
	{Name: "read_iops", RW: "randread", BlockSize: 4 << 10, IODepth: 64, GtodReduce: true,
		Rows: []FioRow{{"IOPS", "Random read IOPS (4K QD64)"}}},
	{Name: "write_iops", RW: "randwrite", BlockSize: 4 << 10, IODepth: 64, GtodReduce: true,
		Rows: []FioRow{{"IOPS", "Random write IOPS (4K QD64)"}}},
	{Name: "read_bw", RW: "randread", BlockSize: 128 << 10, IODepth: 64, GtodReduce: true,
		Rows: []FioRow{{"B/s", "Random read bandwidth (128K QD64)"}}},
	{Name: "write_bw", RW: "randwrite", BlockSize: 128 << 10, IODepth: 64, GtodReduce: true,
		Rows: []FioRow{{"B/s", "Random write bandwidth (128K QD64)"}}},
	{Name: "read_latency", RW: "randread", BlockSize: 4 << 10, IODepth: 4,
		Rows: []FioRow{{"lat-mean-sec", "Avg read latency (4K QD4)"}, {"lat-p99-sec", "p99 read latency (4K QD4)"}}},
	{Name: "write_latency", RW: "randwrite", BlockSize: 4 << 10, IODepth: 4,
		Rows: []FioRow{{"lat-mean-sec", "Avg write latency (4K QD4)"}, {"lat-p99-sec", "p99 write latency (4K QD4)"}}},
	{Name: "read_seq", RW: "read", BlockSize: 1 << 20, IODepth: 16, NumJobs: 4, GtodReduce: true,
		Rows: []FioRow{{"B/s", "Sequential read (1M QD16 x4)"}}},
	{Name: "write_seq", RW: "write", BlockSize: 1 << 20, IODepth: 16, NumJobs: 4, GtodReduce: true,
		Rows: []FioRow{{"B/s", "Sequential write (1M QD16 x4)"}}},
	{Name: "rw_mix", RW: "randrw", BlockSize: 4 << 10, IODepth: 64, RWMixRead: 75, GtodReduce: true,
		Rows: []FioRow{{"read-IOPS", "Mixed 75/25 read IOPS (4K QD64)"}, {"write-IOPS", "Mixed 75/25 write IOPS (4K QD64)"}}},
	{Name: "lat_qd1_read", RW: "randread", BlockSize: 4 << 10, IODepth: 1, Mechanism: true,
		Rows: []FioRow{{"lat-mean-sec", "QD1 4K random read"}, {"lat-p99-sec", "QD1 4K random read p99"}, {"cpu-sec/op", "QD1 4K random read CPU per I/O"}}},
	{Name: "lat_qd1_write", RW: "randwrite", BlockSize: 4 << 10, IODepth: 1, Mechanism: true,
		Rows: []FioRow{{"lat-mean-sec", "QD1 4K random write"}, {"lat-p99-sec", "QD1 4K random write p99"}, {"cpu-sec/op", "QD1 4K random write CPU per I/O"}}},
}

// FioJobNamed returns the job of that name.
func FioJobNamed(name string) (FioJob, bool) {
	for _, j := range FioJobs {
		if j.Name == name {
			return j, true
		}
	}
	return FioJob{}, false
}
