package net_bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/latency"
	"github.com/teebench/teebench/internal/loadgen"
	"github.com/teebench/teebench/internal/reftool"
)

// A client is one way of loading a path of the target, as sweet's Harness
// is one way of running a benchmark: client=go is loadgen's closed loop
// with ab's semantics, client=ab and client=wrk run the reference tools
// (their command lines and parsers are internal/reftool's).
type client interface {
	// name is the client= element of the benchmark names.
	name() string
	// check returns an error wrapping reftool.ErrNotInstalled when the
	// client's tool is not installed; nil for client=go.
	check() error
	// keepAliveOnly reports whether the client always keeps connections
	// alive (wrk): it has no keepalive=off rows.
	keepAliveOnly() bool
	// bench runs b.N requests (wrk: a fixed time) over c connections on p
	// and reports the metrics net_bench's doc lists. A tool that is not
	// installed skips.
	bench(b *testing.B, tg *target, p path, keepAlive bool, c int)
}

// A multiClient is a client that BenchmarkGatewayMulti can run K times at
// once: one that stops after a count of requests (wrk runs for a time).
type multiClient interface {
	client
	// runN runs n requests over c connections without keep-alive on p, as
	// one of the K clients, and returns what it measured.
	runN(ctx context.Context, p path, n, c int) clientRun
	// reportLatency reports the latency and connect metrics of the K
	// clients' runs (all without error) together.
	reportLatency(b *testing.B, runs []clientRun)
}

// clientRun is what one client of BenchmarkGatewayMulti measured.
type clientRun struct {
	rps           float64
	done, errs    int64
	lengthChanges int64         // answers whose body length differs from the first's
	elapsed       time.Duration // the client's own clock: loadgen's Elapsed, ab's Time taken
	res           *loadgen.Result
	ab            *reftool.AbResult
	err           error
}

// clients are BenchmarkGateway's clients, in the order of its names.
var clients = []client{goClient{}, abClient{}, wrkClient{}}

// multiClients are BenchmarkGatewayMulti's clients.
var multiClients = []multiClient{goClient{}, abClient{}}

// goClient is client=go: loadgen.Closed.
type goClient struct{}

func (goClient) name() string        { return "go" }
func (goClient) check() error        { return nil }
func (goClient) keepAliveOnly() bool { return false }

func (goClient) bench(b *testing.B, tg *target, p path, ka bool, c int) {
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cl := loadgen.Closed{Target: p.lt, N: b.N, C: clampC(b, c, b.N), KeepAlive: ka}
	settle()
	cpu := tg.startCPU()
	b.ResetTimer()
	res, err := cl.Run(ctx)
	b.StopTimer()
	cpu.report(b)
	if err != nil {
		b.Fatal(config.RedactText(fmt.Sprintf("%s: run of %d requests stopped: %v; measured so far: %s", p.lt.URL, b.N, err, summary(res))))
	}
	reportClosed(b, res)
}

func (goClient) runN(ctx context.Context, p path, n, c int) clientRun {
	var m clientRun
	m.res, m.err = loadgen.Closed{Target: p.lt, N: n, C: c}.Run(ctx)
	if m.res != nil {
		m.rps, m.done, m.errs, m.elapsed = m.res.RequestsPerSecond(), m.res.Done, m.res.Errors(), m.res.Elapsed
		m.lengthChanges = m.res.LengthChanges
	}
	return m
}

// reportLatency pools the clients' latencies: ab's rule over all requests.
func (goClient) reportLatency(b *testing.B, runs []clientRun) {
	total, connect := latency.NewExact(), latency.New()
	for _, m := range runs {
		total.Merge(m.res.Total)
		connect.Merge(m.res.Connect)
	}
	if total.Count() == 0 {
		b.Fatalf("no request succeeded")
	}
	if err := total.ReportRule(b, latency.AB, "lat", "mean", "p50", "p99"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(connect.Mean()), "connect-mean-ns")
	b.ReportMetric(float64(connect.Max()), "connect-max-ns")
}

// abClient is client=ab: ApacheBench.
type abClient struct{}

func (abClient) name() string        { return "ab" }
func (abClient) keepAliveOnly() bool { return false }
func (abClient) check() error {
	_, err := reftool.AbLookup()
	return err
}

func (abClient) bench(b *testing.B, tg *target, p path, ka bool, c int) {
	ab := refPath(b, reftool.AbLookup)
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	csv := filepath.Join(b.TempDir(), "ab.csv")
	if note := reftool.AbCredentialNote(p.url); note != "" {
		b.Log(note)
	}
	out, cpu := runRef(ctx, b, tg, ab, reftool.AbArgs(b.N, clampC(b, c, b.N), ka, p.url, csv))
	cpu.report(b)
	r := reftool.Parsed(b, "ab output", out, reftool.ParseAb)
	if r.Complete == 0 {
		b.Fatalf("ab completed no request (%d failed)", r.Failed)
	}
	raw, err := os.ReadFile(csv)
	if err != nil {
		b.Skipf("ab wrote no -e percentile file (%v); this ab lacks -e", err)
	}
	pct := reftool.Parsed(b, "ab -e file", raw, reftool.ParseAbCSV)
	// ns/op from ab's own clock, without starting the ab process.
	b.ReportMetric(float64(r.TimeTaken)/float64(r.Complete), "ns/op")
	reportMs(b, "lat-mean-ns", r.TimePerRequest)
	// percentiles from ab's -e table (0.001 ms; rule latency.ABCSV)
	for _, q := range []int{50, 99} {
		if v, ok := pct.Percentile(q, r.Complete); ok {
			b.ReportMetric(float64(v), fmt.Sprintf("lat-p%d-ns", q))
		} else if b.N > 1 {
			b.Logf("lat-p%d-ns: ab's -e row for %d%% of %d requests lies past its samples; not reported", q, q, r.Complete)
		}
	}
	reportMs(b, "connect-mean-ns", r.Connect.Mean)
	reportMs(b, "connect-max-ns", r.Connect.Max)
	b.ReportMetric(r.RequestsPerSec, "req/s")
	if !reportErrors(b, r.Errors(), r.Complete) {
		return
	}
	reportLengthChanges(b, r.LengthChanges(), r.Complete)
	if r.Errors() > 0 {
		b.Logf("ab: %d errors of %d requests (failed: connect %d, receive %d, exceptions %d; %d non-2xx)",
			r.Errors(), r.Complete, r.FailedConnect, r.FailedReceive, r.FailedExceptions, r.Non2xx)
	}
}

func (abClient) runN(ctx context.Context, p path, n, c int) clientRun {
	var m clientRun
	ab, err := reftool.AbLookup()
	if err != nil {
		m.err = err
		return m
	}
	out, err := reftool.Run(ctx, ab, reftool.AbArgs(n, c, false, p.url, "")...)
	if err != nil {
		m.err = err
		return m
	}
	if m.ab, m.err = reftool.ParseAb(out); m.err == nil {
		m.rps, m.done, m.errs, m.elapsed = m.ab.RequestsPerSec, m.ab.Complete, m.ab.Errors(), m.ab.TimeTaken
		m.lengthChanges = m.ab.LengthChanges()
	}
	return m
}

// reportLatency reports the mean of the clients' "Time per request" and
// connect means, and the largest connect time: ab's per-client
// percentiles cannot be pooled.
func (abClient) reportLatency(b *testing.B, runs []clientRun) {
	var mean, conn, connMax time.Duration
	k := time.Duration(len(runs))
	for _, m := range runs {
		mean += m.ab.TimePerRequest / k
		conn += m.ab.Connect.Mean / k
		connMax = max(connMax, m.ab.Connect.Max)
	}
	reportMs(b, "lat-mean-ns", mean)
	reportMs(b, "connect-mean-ns", conn)
	reportMs(b, "connect-max-ns", connMax)
}

// wrkClient is client=wrk.
type wrkClient struct{}

func (wrkClient) name() string        { return "wrk" }
func (wrkClient) keepAliveOnly() bool { return true }
func (wrkClient) check() error {
	_, err := reftool.WrkLookup()
	return err
}

// bench runs wrk for a duration, not a request count; ns/op is replaced by
// wrk's own time per request.
func (wrkClient) bench(b *testing.B, tg *target, p path, _ bool, c int) {
	wrk := refPath(b, reftool.WrkLookup)
	d := config.WrkDuration()
	script, err := reftool.WrkScriptFile(b.TempDir(), p.url)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+time.Minute)
	defer cancel()
	out, cpu := runRef(ctx, b, tg, wrk, reftool.WrkArgs(min(c, runtime.NumCPU()), c, d, p.url, script))
	r := reftool.Parsed(b, "wrk output", out, reftool.ParseWrk)
	if !r.Exact {
		b.Skipf("wrk printed no lines from its done() script (a wrk without Lua scripting?); its text rounds percentiles to 3 digits")
	}
	if r.Requests == 0 {
		b.Fatalf("wrk completed no request (socket errors: connect %d, read %d, write %d, timeout %d)", r.ErrConnect, r.ErrRead, r.ErrWrite, r.ErrTimeout)
	}
	b.ReportMetric(float64(r.Duration)/float64(r.Requests), "ns/op")
	cpu.reportPer(b, r.Requests)
	// wrk runs for a fixed time, so b.N is not its request count: the
	// percentiles' sample count is reported beside them.
	b.ReportMetric(float64(r.Requests), "requests")
	b.ReportMetric(r.RequestsPerSec, "req/s")
	b.ReportMetric(float64(r.LatencyMean), "lat-mean-ns")
	for _, q := range []int{50, 99} {
		if v, ok := r.Percentiles[q]; ok { // exact, from the done() script; never report an absent one as 0
			b.ReportMetric(float64(v), fmt.Sprintf("lat-p%d-ns", q))
		}
	}
	if reportErrors(b, r.Errors(), r.Requests) && b.N > 1 {
		b.Logf("wrk does not compare body lengths: no length-changes/op")
	}
}

// refPath returns the path of a reference tool that lookup finds; b
// skips, with the reason, when it is not installed.
func refPath(b *testing.B, lookup func() (string, error)) string {
	b.Helper()
	path, err := lookup()
	if err != nil {
		b.Skip(err)
	}
	return path
}

// runRef runs a reference tool for b (client=ab, client=wrk): the machine
// settled first, the benchmark's timer around the tool's run alone, the
// target's CPU taken over it. It returns the tool's output and that CPU
// span; a failed run fails b.
func runRef(ctx context.Context, b *testing.B, tg *target, tool string, args []string) ([]byte, cpuSpan) {
	b.Helper()
	settle()
	cpu := tg.startCPU()
	b.ResetTimer()
	out, err := reftool.Run(ctx, tool, args...)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	return out, cpu
}

// clampC returns min(c, n) (ab refuses c > n), logging when it differs.
func clampC(b *testing.B, c, n int) int {
	if c > n {
		if n > 1 { // b.N = 1 is testing's first probe run; not worth a log line
			b.Logf("b.N=%d < c=%d: running with c=%d", n, c, n)
		}
		return n
	}
	return c
}

// summary prints what a run measured, for the message of a run that was
// stopped, so that nothing measured is lost.
func summary(res *loadgen.Result) string {
	if res == nil {
		return "nothing"
	}
	return fmt.Sprintf("%.1f req/s, mean %v, p99 %v, max connect %v, %d errors of %d",
		res.RequestsPerSecond(), res.Total.Mean(), res.Total.Percentile(99), res.Connect.Max(), res.Errors(), res.Done)
}

// reportClosed reports a closed-loop result in ab's terms: percentiles by
// ab's floor-index rule.
func reportClosed(b *testing.B, res *loadgen.Result) {
	b.Helper()
	if res.Total.Count() == 0 {
		b.Fatalf("no request succeeded (%d failed, %d non-2xx): %v", res.Failed.Total(), res.Non2xx, res.FirstError)
	}
	if res.Errors() > 0 {
		b.Logf("%d of %d requests failed (connect %d, receive %d, exceptions %d, non-2xx %d); first: %v",
			res.Errors(), res.Done, res.Failed.Connect, res.Failed.Receive, res.Failed.Exceptions, res.Non2xx, res.FirstError)
	}
	b.ReportMetric(res.RequestsPerSecond(), "req/s")
	if err := res.Total.ReportRule(b, latency.AB, "lat", "mean", "p50", "p99"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Connect.Mean()), "connect-mean-ns")
	b.ReportMetric(float64(res.Connect.Max()), "connect-max-ns")
	if reportErrors(b, res.Errors(), res.Done) {
		reportLengthChanges(b, res.LengthChanges, res.Done)
	}
}

// reportMs reports a value ab printed in whole milliseconds; a 0 means
// "below ab's resolution", not zero, so it is left out (and logged).
func reportMs(b *testing.B, unit string, d time.Duration) {
	if d <= 0 {
		if b.N == 1 {
			return
		}
		b.Logf("%s: ab printed 0 ms (below its 1 ms resolution); not reported", unit)
		return
	}
	b.ReportMetric(float64(d), unit)
}
