package catalog

import (
	"slices"
	"strings"
)

// Family is one benchmark family (a Benchmark function of the suite) and
// the metric that answers "did it get faster or slower?".
type Family struct {
	// Name is the benchmark's name without "Benchmark", e.g. "Stream".
	Name string
	// Primary lists the candidate primary metrics in order, as benchfmt
	// tidies units ("ns/op" → "sec/op", "MB/s" → "B/s"): the first one a
	// benchmark reported is its primary metric. Fio's depends on the job
	// (see PrimaryUnit).
	Primary []string
	// LoadGenerator marks a family whose b.N loop drives a load generator
	// (requests, tokens, handshakes): its sec/op is the loop's time per
	// iteration, not a result, and is never its primary metric.
	LoadGenerator bool
}

// Families declares the primary metric of every benchmark family of the
// suite. A pull-request comment counts one regression or improvement per
// benchmark, on this metric only; the other units of a benchmark (a
// throughput's sec/op twin, best-of-N B/s, CPU per request) are shown but
// not counted. TestEveryBenchmarkHasAFamily keeps the list complete.
var Families = []Family{
	// cpu_bench
	{Name: "Stream", Primary: []string{"B/s"}},
	{Name: "MemLatency", Primary: []string{"sec/op"}},
	{Name: "SevenZip", Primary: []string{"MIPS"}},
	{Name: "Compress", Primary: []string{"B/s"}},
	{Name: "Decompress", Primary: []string{"B/s"}},
	{Name: "SHA256", Primary: []string{"B/s", "sec/op"}},
	{Name: "AESGCM", Primary: []string{"B/s"}},
	{Name: "Wakeup", Primary: []string{"sec/op"}},
	{Name: "Exit", Primary: []string{"sec/op"}},
	{Name: "PageTouch", Primary: []string{"sec/page", "sec/op"}},
	{Name: "Quote", Primary: []string{"sec/op"}},
	// io_bench: the primary metric follows the job (fioPrimary).
	{Name: "Fio", Primary: []string{"IOPS", "read-IOPS", "B/s", "lat-mean-sec"}},
	// net_bench: the load generators' results are requests per second;
	// the open loop offers a fixed rate, so its result is the latency.
	{Name: "Gateway", Primary: []string{"req/s"}, LoadGenerator: true},
	{Name: "GatewayMulti", Primary: []string{"req/s"}, LoadGenerator: true},
	{Name: "GatewayRate", Primary: []string{"lat-p99-sec", "lat-mean-sec"}, LoadGenerator: true},
	{Name: "TLSHandshake", Primary: []string{"handshakes/s"}, LoadGenerator: true},
	// llm_bench and the embedded model
	{Name: "Serve", Primary: []string{"tok/s", "req/s"}, LoadGenerator: true},
	{Name: "Forward", Primary: []string{"sec/token"}},
	// zk_bench: one proof, setup or verification per b.N iteration.
	{Name: "Prove", Primary: []string{"sec/op"}},
	{Name: "Setup", Primary: []string{"sec/op"}},
	{Name: "Verify", Primary: []string{"sec/op"}},
	// gpu_bench and the CUDA mock
	{Name: "GEMM", Primary: []string{"TOPS"}},
	{Name: "Copy", Primary: []string{"B/s"}},
	{Name: "CopyStreams", Primary: []string{"B/s"}},
	{Name: "Load", Primary: []string{"B/s"}},
	{Name: "CopyLatency", Primary: []string{"sec/op"}},
	{Name: "Launch", Primary: []string{"sec/op"}},
	{Name: "CallOverhead", Primary: []string{"sec/op"}},
}

// FamilyOf returns the declared family of a benchmark name such as
// "Fio/job=read_iops/engine=go" (with or without the "Benchmark" prefix and
// the GOMAXPROCS suffix).
func FamilyOf(name string) (Family, bool) {
	base := strings.TrimPrefix(name, "Benchmark")
	base, _, _ = strings.Cut(base, "/")
	if i := strings.LastIndexByte(base, '-'); i > 0 && strings.Trim(base[i+1:], "0123456789") == "" {
		base = base[:i]
	}
	for _, f := range Families {
		if f.Name == base {
			return f, true
		}
	}
	return Family{}, false
}

// PrimaryUnit returns the primary metric of the benchmark name among the
// units it reported. For a family without a declaration it falls back to
// sec/op (Go's own metric), and ok is false; a load generator never falls
// back to sec/op. unit is "" when no candidate was reported.
func PrimaryUnit(name string, units []string) (unit string, ok bool) {
	f, ok := FamilyOf(name)
	cands := f.Primary
	switch {
	case !ok:
		cands = []string{"sec/op"}
	case f.Name == "Fio":
		cands = fioPrimary(name)
	}
	for _, c := range cands {
		if slices.Contains(units, c) {
			return c, ok
		}
	}
	return "", ok
}

// fioPrimary returns the candidates of an fio job by its name: the
// latency jobs (read_latency, lat_qd1_read ...) by their mean completion
// latency, the bandwidth jobs (read_bw, write_seq ...) by bytes per second,
// the random-I/O jobs by IOPS (rw_mix by its read IOPS).
func fioPrimary(name string) []string {
	job := ""
	for _, part := range strings.Split(name, "/") {
		if v, ok := strings.CutPrefix(part, "job="); ok {
			job = v
		}
	}
	switch {
	case strings.Contains(job, "lat"):
		return []string{"lat-mean-sec", "sec/op"}
	case strings.HasSuffix(job, "_bw"), strings.HasSuffix(job, "_seq"):
		return []string{"B/s", "IOPS"}
	case strings.HasSuffix(job, "_mix"):
		return []string{"read-IOPS", "IOPS", "B/s"}
	}
	return []string{"IOPS", "read-IOPS", "B/s"}
}
