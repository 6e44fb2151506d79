package benchenv

import (
	"fmt"
	"io"
)

// Unit declares a custom benchmark unit and which direction is better.
type Unit struct {
	Name string
	// Better is "higher" or "lower"; "" declares no direction (a count that
	// describes the workload, such as constraints).
	Better string
	// Assume is "exact" for values that do not vary between runs
	// (benchmath.AssumeExact), "" otherwise.
	Assume string
}

// Units lists every custom unit the suite reports. benchstat knows only
// ns/op, B/op, allocs/op, MB/s and B/s on its own (docs/apis.md §1); everything
// else is declared here once and printed by Main as `Unit` lines.
var Units = []Unit{
	// rates
	{Name: "MIPS", Better: "higher"},
	{Name: "compress-MIPS", Better: "higher"},
	{Name: "decompress-MIPS", Better: "higher"},
	{Name: "compress-B/s", Better: "higher"},
	{Name: "decompress-B/s", Better: "higher"},
	{Name: "best-B/s", Better: "higher"},         // cpu_bench STREAM: fastest pass ("Best Rate"); AESGCM impl=openssl: fastest run
	{Name: "go/c-ratio", Better: "higher"},       // cpu_bench STREAM: Go triad rate / C triad rate
	{Name: "go/openssl-ratio", Better: "higher"}, // cpu_bench AESGCM: best Go seal rate / best openssl speed rate
	{Name: "IOPS", Better: "higher"},
	{Name: "read-IOPS", Better: "higher"},
	{Name: "write-IOPS", Better: "higher"},
	{Name: "read-B/s", Better: "higher"},
	{Name: "write-B/s", Better: "higher"},
	{Name: "req/s", Better: "higher"},
	{Name: "tok/s", Better: "higher"},
	{Name: "decode-tok/s", Better: "higher"}, // llm_bench Serve: the paper's TPS, tokens after the first / decoding time
	{Name: "output-tok/s", Better: "higher"},
	{Name: "total-tok/s", Better: "higher"},
	{Name: "goodput-req/s", Better: "higher"},
	{Name: "constraints/s", Better: "higher"},
	{Name: "handshakes/s", Better: "higher"},
	{Name: "TOPS", Better: "higher"},
	{Name: "devmem-B/s", Better: "higher"}, // gpu_bench d2d copy: device-memory read + write traffic
	{Name: "usage-%"},
	{Name: "weights-B/s", Better: "higher"},    // llm decode: model weight bytes read per second
	{Name: "bw-util-%", Better: "higher"},      // llm decode: weights-B/s over the all-core STREAM triad
	{Name: "speedup-vs-f32", Better: "higher"}, // llm decode: bf16 weights vs their float32 twin, passes alternated
	// latencies (ns, tidied by benchstat to sec)
	{Name: "lat-mean-ns", Better: "lower"},
	{Name: "lat-p50-ns", Better: "lower"},
	{Name: "lat-p90-ns", Better: "lower"},
	{Name: "lat-p99-ns", Better: "lower"},
	{Name: "lat-max-ns", Better: "lower"},
	{Name: "read-lat-mean-ns", Better: "lower"},
	{Name: "read-lat-p99-ns", Better: "lower"},
	{Name: "write-lat-mean-ns", Better: "lower"},
	{Name: "write-lat-p99-ns", Better: "lower"},
	{Name: "connect-mean-ns", Better: "lower"},
	{Name: "connect-max-ns", Better: "lower"},
	{Name: "ttft-mean-ns", Better: "lower"},
	{Name: "ttft-p50-ns", Better: "lower"},
	{Name: "ttft-p99-ns", Better: "lower"},
	{Name: "tpot-mean-ns", Better: "lower"},
	{Name: "tpot-p99-ns", Better: "lower"},
	{Name: "itl-mean-ns", Better: "lower"},
	{Name: "itl-p50-ns", Better: "lower"},
	{Name: "itl-p99-ns", Better: "lower"},
	{Name: "e2el-mean-ns", Better: "lower"},
	{Name: "e2el-p99-ns", Better: "lower"},
	{Name: "compile-ns", Better: "lower"},
	{Name: "setup-ns", Better: "lower"},
	{Name: "srs-ns", Better: "lower"},
	{Name: "cpu-ns/op", Better: "lower"},
	{Name: "slowest-client-ns", Better: "lower"}, // net_bench GatewayMulti: wall time of the slowest client
	{Name: "target-cpu-%", Better: "lower"},      // net_bench GatewayMulti: the target's CPU usage (100 = one core)
	{Name: "ns/token", Better: "lower"},
	{Name: "ns/page", Better: "lower"},                 // cpu_bench PageTouch: time per page touched
	{Name: "server-cpu-ns/handshake", Better: "lower"}, // net_bench TLSHandshake: the server's CPU time
	// errors and sizes
	{Name: "errors/op", Better: "lower"},
	{Name: "requests"},          // net_bench wrk: requests of the run (b.N is not: wrk runs for a fixed time); the sample count of its percentiles
	{Name: "length-changes/op"}, // net_bench: answers whose body length differs from the first's (ab's Length check); not errors
	{Name: "proof-B", Better: "lower", Assume: "exact"},
	{Name: "constraints", Assume: "exact"},
	{Name: "accepted-B/op"}, // cpu_bench PageTouch mode=unaccepted: memory the kernel accepted during the op
}

// WriteUnits prints a `Unit <name> better=... [assume=...]` line for every
// entry of Units that has something to declare.
func WriteUnits(w io.Writer) error {
	for _, u := range Units {
		line := "Unit " + u.Name
		if u.Better != "" {
			line += " better=" + u.Better
		}
		if u.Assume != "" {
			line += " assume=" + u.Assume
		}
		if line == "Unit "+u.Name {
			continue
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
