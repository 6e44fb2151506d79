package catalog

import "time"

// Package is one benchmark package of the suite, as the runner
// (internal/runner) plans and runs it.
type Package struct {
	// Name is the directory and import-path tail (cpu_bench ...).
	Name string
	// Tag is the build tag the package needs ("" for none): without it the
	// package has no benchmarks, and a run lists it in its skip list.
	Tag string
	// Runs are the invocations of one package run: a -bench pattern and a
	// -benchtime ("" for the package's own). A user's BENCH or BENCHTIME
	// replaces them with one run.
	Runs []Run
	// Measured is how long one run of the package took (-count 1, the test
	// binary already built), per profile, where a run has been measured;
	// see Measured's source in DurationSource.
	Measured map[string]time.Duration
}

// Run is one invocation of a package's test binary.
type Run struct {
	Bench     string
	Benchtime string
}

// DurationSource says where the Measured durations come from: the
// `ok <pkg> <seconds>` lines that `go test` wrote into a quick-profile
// result file of this repository on a 2-core VM (AMD EPYC, 2 vCPUs). The
// runner prefers the `# run duration:` lines of the newest earlier run of
// the same profile in its output directory, which measure the machine at
// hand; no smoke or report run is on record here, so those profiles plan
// without an estimate until a run has recorded one.
const DurationSource = "results/vm-none-20261130T060105Z.txt, quick, 2 vCPUs"

// Packages is the suite's benchmark packages in the order a run runs them.
var Packages = []Package{
	{Name: "cpu_bench", Runs: []Run{{Bench: "."}},
		Measured: map[string]time.Duration{"quick": 90 * time.Second}},
	{Name: "io_bench", Runs: []Run{{Bench: "."}},
		Measured: map[string]time.Duration{"quick": 151 * time.Second}},
	// One op is one request: -benchtime 5000x is the report's `ab -n 5000`;
	// the open loop and the TLS handshakes run at their own benchtime.
	{Name: "net_bench", Runs: []Run{{Bench: "^BenchmarkGateway(Multi)?$", Benchtime: "5000x"}, {Bench: "^Benchmark(GatewayRate|TLSHandshake)$"}},
		Measured: map[string]time.Duration{"quick": (117 + 37) * time.Second}},
	// zk_bench: 10 s with its circuits cached (TEEBENCH_CACHE); a first
	// run compiles them (118 s in results/vm-none-20261128T192405Z.txt).
	{Name: "zk_bench", Runs: []Run{{Bench: "."}},
		Measured: map[string]time.Duration{"quick": 118 * time.Second}},
	{Name: "llm_bench", Runs: []Run{{Bench: "."}},
		Measured: map[string]time.Duration{"quick": 21 * time.Second}},
	{Name: "gpu_bench", Tag: "gpu", Runs: []Run{{Bench: "."}}},
}

// PackageNames returns the names of Packages in order.
func PackageNames() []string {
	var s []string
	for _, p := range Packages {
		s = append(s, p.Name)
	}
	return s
}

// Lookup returns the package named name.
func Lookup(name string) (Package, bool) {
	for _, p := range Packages {
		if p.Name == name {
			return p, true
		}
	}
	return Package{}, false
}
