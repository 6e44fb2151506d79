package net_bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/cputime"
	"github.com/teebench/teebench/internal/gateway"
	"github.com/teebench/teebench/internal/latency"
	"github.com/teebench/teebench/internal/loadgen"
	"github.com/teebench/teebench/internal/reftool"
)

// runLimit bounds every single run (one b.N loop) in time; requests are
// bounded by b.N and each by loadgen.DefaultTimeout.
const runLimit = 10 * time.Minute

// path is one way to the target: straight to the backend, or through the
// TLS-terminating proxy.
type path struct {
	name string // direct or tls-proxy
	url  string
	tls  *tls.Config
}

// childEnv marks the re-executed test binary that serves the embedded
// target (TestGatewayChild).
const childEnv = "NET_BENCH_GATEWAY_CHILD"

// embedded is the running embedded target, for its CPU time; nil with
// TEEBENCH_NET_URL.
var embedded *gateway.Child

// TestGatewayChild is not a test: it is the body of the helper process that
// serves the embedded target (see targets).
func TestGatewayChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("helper process for the benchmarks' embedded target")
	}
	if err := gateway.ServeChild(os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// targets returns the paths to load: the embedded backend and TLS proxy,
// or the single URL in TEEBENCH_NET_URL, named direct for http and
// tls-proxy for https. The embedded target runs in a child process (this
// test binary re-executed), so that client=go, ab and wrk each run in a
// process of their own against the same target process; it is stopped when
// b ends. conns is the most connections the caller will open at once;
// RLIMIT_NOFILE is raised for it first, so the child inherits the limit.
// Each path is probed once: an unreachable target or a TLS verification
// failure fails the benchmark with the reason.
func targets(b testing.TB, conns int) []path {
	b.Helper()
	needFiles(b, conns)
	var ps []path
	if u := config.NetURL(); u != "" {
		var tc *tls.Config
		if config.NetInsecure() {
			tc = &tls.Config{InsecureSkipVerify: true}
		}
		name := "direct"
		if strings.HasPrefix(u, "https:") {
			name = "tls-proxy"
		}
		ps = []path{{name, u, tc}}
	} else {
		exe, err := os.Executable()
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(exe, "-test.run", "^TestGatewayChild$", "-test.bench", "^$")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		ch, err := gateway.StartChild(cmd)
		if err != nil {
			b.Fatal(err)
		}
		embedded = ch
		b.Cleanup(func() {
			embedded = nil
			ch.Close()
		})
		ps = []path{
			{"direct", ch.DirectURL, nil},
			{"tls-proxy", ch.ProxyURL, &tls.Config{RootCAs: ch.CertPool}},
		}
	}
	for _, p := range ps {
		lt, err := loadgen.NewTarget(p.url, p.tls)
		if err != nil {
			b.Fatal(err)
		}
		if err := loadgen.Probe(context.Background(), lt); err != nil {
			b.Fatal(config.RedactText(err.Error()))
		}
	}
	return ps
}

// needFiles raises RLIMIT_NOFILE for conns concurrent connections through
// the embedded proxy (client, proxy front and back, backend: 4 descriptors
// each) or fails with the reason when it cannot (a hard limit too low for
// the configured concurrency is no absence by design).
func needFiles(b testing.TB, conns int) {
	b.Helper()
	if _, err := loadgen.RaiseOpenFiles(uint64(4*conns + 256)); err != nil {
		b.Fatalf("c=%d cannot run: %v", conns, err)
	}
}

func onOff(v bool) string {
	if v {
		return "on"
	}
	return "off"
}

// BenchmarkGateway is the report's gateway table (`ab -n 5000 -c C URL`)
// and its TProxy overhead table: one op = one request, so -benchtime 5000x
// is ab -n 5000. client=go is loadgen's closed loop with ab's semantics,
// client=ab and client=wrk run the real tools against the same target.
func BenchmarkGateway(b *testing.B) {
	cs := config.Pick([]int{4}, []int{50, 200}, []int{200, 500, 1000, 2000})
	for _, p := range targets(b, slices.Max(cs)) {
		for _, ka := range []bool{false, true} {
			for _, c := range cs {
				for _, client := range []string{"go", "ab", "wrk"} {
					if client == "wrk" && !ka {
						continue // wrk always keeps connections alive
					}
					name := fmt.Sprintf("path=%s/keepalive=%s/c=%d/client=%s", p.name, onOff(ka), c, client)
					b.Run(name, func(b *testing.B) {
						needFiles(b, c)
						switch client {
						case "go":
							gatewayGo(b, p, ka, c)
						case "ab":
							gatewayAb(b, p, ka, c)
						case "wrk":
							gatewayWrk(b, p, c)
						}
					})
				}
			}
		}
	}
}

// settle gives the target a moment to finish closing the previous run's
// connections (up to thousands, and wrk's keep-alive ones) and runs a GC,
// so that no client pays for the previous one's leftovers; every client
// gets the same pause, outside the timer.
func settle() {
	time.Sleep(250 * time.Millisecond)
	runtime.GC()
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

func gatewayGo(b *testing.B, p path, ka bool, c int) {
	t, err := loadgen.NewTarget(p.url, p.tls)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cl := loadgen.Closed{Target: t, N: b.N, C: clampC(b, c, b.N), KeepAlive: ka}
	settle()
	cpu := startCPU()
	b.ResetTimer()
	res, err := cl.Run(ctx)
	b.StopTimer()
	cpu.report(b)
	if err != nil {
		b.Fatal(config.RedactText(fmt.Sprintf("%s: run of %d requests stopped: %v; measured so far: %s", p.url, b.N, err, summary(res))))
	}
	reportClosed(b, res)
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
		b.Logf("%d of %d requests failed (connect %d, receive %d, length %d, exceptions %d, non-2xx %d); first: %v",
			res.Errors(), res.Done, res.Failed.Connect, res.Failed.Receive, res.Failed.Length, res.Failed.Exceptions, res.Non2xx, res.FirstError)
	}
	b.ReportMetric(res.RequestsPerSecond(), "req/s")
	if err := res.Total.ReportRule(b, latency.AB, "lat", "mean", "p50", "p99"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Connect.Mean()), "connect-mean-ns")
	b.ReportMetric(float64(res.Connect.Max()), "connect-max-ns")
	reportErrors(b, res.Errors(), res.Done)
}

// abArgs is the ab command line: -r (go on after socket errors, so they are
// counted) and -s 30 (ab's default timeout, written down); csv, when set, is
// the file for ab -e (percentiles to 0.001 ms).
func abArgs(n, c int, ka bool, url, csv string) []string {
	args := []string{"-n", strconv.Itoa(n), "-c", strconv.Itoa(c), "-r", "-s", "30"}
	if ka {
		args = append(args, "-k")
	}
	if csv != "" {
		args = append(args, "-e", csv)
	}
	url, userpass := toolURL(url)
	if userpass != "" {
		args = append(args, "-A", userpass)
	}
	return append(args, url)
}

func gatewayAb(b *testing.B, p path, ka bool, c int) {
	ab, err := reftool.Lookup("ApacheBench", "ab")
	if err != nil {
		b.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	csv := filepath.Join(b.TempDir(), "ab.csv")
	args := abArgs(b.N, clampC(b, c, b.N), ka, p.url, csv)
	settle()
	cpu := startCPU()
	b.ResetTimer()
	out, err := reftool.Run(ctx, ab, args...)
	b.StopTimer()
	cpu.report(b)
	if err != nil {
		b.Fatal(err)
	}
	r, err := reftool.ParseAb(out)
	if errors.Is(err, reftool.ErrOutputFormat) {
		b.Skipf("ab output: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	if r.Complete == 0 {
		b.Fatalf("ab completed no request (%d failed)", r.Failed)
	}
	raw, err := os.ReadFile(csv)
	if err != nil {
		b.Skipf("ab wrote no -e percentile file (%v); this ab lacks -e", err)
	}
	pct, err := reftool.ParseAbCSV(raw)
	if errors.Is(err, reftool.ErrOutputFormat) {
		b.Skipf("ab -e file: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
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
	if r.Errors() > 0 {
		b.Logf("ab: %d failed (connect %d, receive %d, length %d, exceptions %d), %d non-2xx",
			r.Failed, r.FailedConnect, r.FailedReceive, r.FailedLength, r.FailedExceptions, r.Non2xx)
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

func gatewayWrk(b *testing.B, p path, c int) {
	wrk, err := reftool.Lookup("wrk", "wrk")
	if err != nil {
		b.Skip(err)
	}
	// wrk runs for a duration, not a request count; ns/op is replaced by
	// wrk's own time per request below.
	d := config.Pick(1*time.Second, 3*time.Second, 15*time.Second)
	threads := min(c, runtime.NumCPU())
	script := filepath.Join(b.TempDir(), "teebench.lua")
	if err := os.WriteFile(script, []byte(reftool.WrkScript), 0o644); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+time.Minute)
	defer cancel()
	settle()
	cpu := startCPU()
	b.ResetTimer()
	url, userpass := toolURL(p.url)
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(c),
		"-d", fmt.Sprintf("%ds", int(d.Seconds())), "--timeout", "30s", "--latency", "-s", script}
	if userpass != "" {
		args = append(args, "-H", "Authorization: "+basicAuth(userpass))
	}
	out, err := reftool.Run(ctx, wrk, append(args, url)...)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	r, err := reftool.ParseWrk(out)
	if errors.Is(err, reftool.ErrOutputFormat) {
		b.Skipf("wrk output: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	if !r.Exact {
		b.Skipf("wrk printed no lines from its done() script (a wrk without Lua scripting?); its text rounds percentiles to 3 digits")
	}
	if r.Requests == 0 {
		b.Fatalf("wrk completed no request (socket errors: connect %d, read %d, write %d, timeout %d)", r.ErrConnect, r.ErrRead, r.ErrWrite, r.ErrTimeout)
	}
	b.ReportMetric(float64(r.Duration)/float64(r.Requests), "ns/op")
	cpu.reportPer(b, r.Requests)
	b.ReportMetric(r.RequestsPerSec, "req/s")
	b.ReportMetric(float64(r.LatencyMean), "lat-mean-ns")
	for _, p := range []int{50, 99} {
		if v, ok := r.Percentiles[p]; ok { // exact, from the done() script; never report an absent one as 0
			b.ReportMetric(float64(v), fmt.Sprintf("lat-p%d-ns", p))
		}
	}
	reportErrors(b, r.Errors(), r.Requests)
}

// BenchmarkGatewayMulti is the report's multi-process test as published:
// K clients, each `ab -n N -c C` against the same URL, all started at once
// (51 x `ab -n 5000 -c 40`, 255,000 requests). One op is one request per
// client: each of the K clients runs b.N requests, so -benchtime 5000x is
// exactly 51 x `ab -n 5000` in the report profile. The quick and smoke
// profiles scale K and C down, and the name says so
// (path=<p>/clients=<K>/c=<C>/client=<go|ab>). Metrics:
//
//	req/s              sum of the clients' own req/s (the report's Total QPS)
//	errors/op          failed or non-2xx requests per request
//	slowest-client-ns  the slowest client's time for its b.N requests (its own clock)
//	target-cpu-%       the embedded target's CPU time / wall time (100 = one core;
//	                   the report's CPU Usage column); absent with TEEBENCH_NET_URL
//	lat-mean-ns        client=go: mean over all requests; client=ab: mean of the
//	                   clients' "Time per request" (C x time / N, the report's Avg Latency)
//	lat-p50-ns, lat-p99-ns  client=go only: ab's rule over all requests pooled
//	                   (ab's per-client percentiles cannot be pooled)
//	connect-mean-ns, connect-max-ns  over all requests (ab: whole ms, 0 left out)
//
// The log gives the total request count (K x b.N) of each run.
func BenchmarkGatewayMulti(b *testing.B) {
	k := config.Pick(2, 6, 51)
	c := config.Pick(2, 10, 40)
	for _, p := range targets(b, k*c) {
		for _, client := range []string{"go", "ab"} {
			b.Run(fmt.Sprintf("path=%s/clients=%d/c=%d/client=%s", p.name, k, c, client), func(b *testing.B) {
				needFiles(b, k*c)
				multi(b, p, k, c, client)
			})
		}
	}
}

// multiClient is what one client of BenchmarkGatewayMulti measured.
type multiClient struct {
	rps        float64
	done, errs int64
	elapsed    time.Duration // the client's own clock: loadgen's Elapsed, ab's Time taken
	res        *loadgen.Result
	ab         *reftool.AbResult
	err        error
}

func multi(b *testing.B, p path, k, c int, client string) {
	var ab string
	if client == "ab" {
		var err error
		if ab, err = reftool.Lookup("ApacheBench", "ab"); err != nil {
			b.Skip(err)
		}
	}
	n := b.N // requests per client
	cc := clampC(b, c, n)
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	clients := make([]multiClient, k)
	tgts := make([]*loadgen.Target, k)
	for i := range tgts {
		t, err := loadgen.NewTarget(p.url, p.tls)
		if err != nil {
			b.Fatal(err)
		}
		tgts[i] = t
	}
	settle()
	var wg sync.WaitGroup
	cpu0, haveCPU := time.Duration(0), embedded != nil
	if haveCPU {
		var err error
		if cpu0, err = embedded.CPU(); err != nil {
			b.Logf("target CPU not measured: %v", err)
			haveCPU = false
		}
	}
	t0 := time.Now()
	b.ResetTimer()
	for i := range clients {
		wg.Go(func() {
			m := &clients[i]
			if client == "go" {
				m.res, m.err = loadgen.Closed{Target: tgts[i], N: n, C: cc}.Run(ctx)
				if m.res != nil {
					m.rps, m.done, m.errs, m.elapsed = m.res.RequestsPerSecond(), m.res.Done, m.res.Errors(), m.res.Elapsed
				}
				return
			}
			out, err := reftool.Run(ctx, ab, abArgs(n, cc, false, p.url, "")...)
			if err != nil {
				m.err = err
				return
			}
			if m.ab, m.err = reftool.ParseAb(out); m.err == nil {
				m.rps, m.done, m.errs, m.elapsed = m.ab.RequestsPerSec, m.ab.Complete, m.ab.Errors(), m.ab.TimeTaken
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	wall := time.Since(t0)
	var cpu1 time.Duration
	if haveCPU {
		var err error
		if cpu1, err = embedded.CPU(); err != nil {
			b.Logf("target CPU not measured: %v", err)
			haveCPU = false
		}
	}

	var (
		rps            float64
		done, errs     int64
		slowest        time.Duration
		failed         int
		firstErr       error
		total, connect = latency.NewExact(), latency.New()
		abMean, abConn time.Duration
		abConnMax      time.Duration
	)
	for _, m := range clients {
		if m.err != nil {
			failed++
			if firstErr == nil {
				firstErr = m.err
			}
		}
		rps += m.rps
		done += m.done
		errs += m.errs
		slowest = max(slowest, m.elapsed)
		if m.res != nil {
			total.Merge(m.res.Total)
			connect.Merge(m.res.Connect)
		}
		if m.ab != nil {
			abMean += m.ab.TimePerRequest / time.Duration(k)
			abConn += m.ab.Connect.Mean / time.Duration(k)
			abConnMax = max(abConnMax, m.ab.Connect.Max)
		}
	}
	if failed > 0 {
		if client == "ab" && errors.Is(firstErr, reftool.ErrOutputFormat) {
			b.Skipf("ab output: %v", firstErr)
		}
		b.Fatal(config.RedactText(fmt.Sprintf("%d of %d clients stopped (%d requests done); first: %v", failed, k, done, firstErr)))
	}
	b.Logf("%d clients x %d requests = %d requests (%d done, %d errors) in %v: %.0f req/s over the wall time, slowest client %v",
		k, n, int64(k)*int64(n), done, errs, wall.Round(time.Millisecond), float64(done)/wall.Seconds(), slowest.Round(time.Millisecond))
	if !reportErrors(b, errs, done) {
		return
	}
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(float64(slowest), "slowest-client-ns")
	if haveCPU {
		b.ReportMetric(cputime.UsagePercent(cpu1-cpu0, wall), "target-cpu-%")
	} else if embedded == nil {
		b.Logf("target-cpu-%% not reported: the target (TEEBENCH_NET_URL) is not this machine's process")
	}
	switch client {
	case "go":
		if total.Count() == 0 {
			b.Fatalf("no request succeeded")
		}
		if err := total.ReportRule(b, latency.AB, "lat", "mean", "p50", "p99"); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(connect.Mean()), "connect-mean-ns")
		b.ReportMetric(float64(connect.Max()), "connect-max-ns")
	case "ab":
		reportMs(b, "lat-mean-ns", abMean)
		reportMs(b, "connect-mean-ns", abConn)
		reportMs(b, "connect-max-ns", abConnMax)
	}
}

// BenchmarkGatewayRate is open-loop latency at fixed arrival rates below
// saturation (wrk2 style): b.N requests at a constant rate, each a new
// connection (as ab), latency measured from the intended send time.
// Its percentiles follow the HDR histogram's rule (wrk2's), where
// BenchmarkGateway's client=go rows use ab's floor index (internal/latency).
func BenchmarkGatewayRate(b *testing.B) {
	rates := config.Pick([]float64{100}, []float64{50, 200}, []float64{200, 500, 1000})
	const maxInFlight = 2000
	for _, p := range targets(b, maxInFlight) {
		for _, r := range rates {
			b.Run(fmt.Sprintf("path=%s/rate=%g", p.name, r), func(b *testing.B) {
				sched, err := loadgen.Constant(r)
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), runLimit)
				defer cancel()
				o := loadgen.Open{URL: p.url, TLS: p.tls, Schedule: sched, N: b.N, MaxInFlight: maxInFlight}
				b.ResetTimer()
				res, err := o.Run(ctx)
				b.StopTimer()
				if err != nil {
					b.Fatal(config.RedactText(fmt.Sprintf("%s: run of %d requests stopped: %v; measured so far: %s", p.url, b.N, err, summary(res))))
				}
				if res.Total.Count() == 0 {
					b.Fatalf("no request succeeded: %v", res.FirstError)
				}
				if res.Errors() > 0 {
					b.Logf("%d of %d requests failed; first: %v", res.Errors(), res.Done, res.FirstError)
				}
				if got := res.RequestsPerSecond(); b.N >= 50 && got < 0.8*r {
					b.Logf("saturated: %.0f of %g req/s achieved; latencies include queueing behind the target", got, r)
				}
				b.ReportMetric(res.RequestsPerSecond(), "req/s")
				if err := res.Total.Report(b, "lat", "mean", "p50", "p90", "p99"); err != nil {
					b.Fatal(err)
				}
				reportErrors(b, res.Errors(), res.Done)
			})
		}
	}
}

// cpuSpan measures the CPU time of this process, its waited-for children
// (ab, wrk) and the embedded target's process: client plus target, so
// cpu-ns/op compares the clients' efficiency independently of how much of a
// shared machine each one got. With TEEBENCH_NET_URL it is the client only.
type cpuSpan struct {
	start time.Duration
	ok    bool
}

func cpuNow() (time.Duration, bool) {
	self, err := cputime.Process()
	if err != nil {
		return 0, false
	}
	kids, err := cputime.Children()
	if err != nil {
		return 0, false
	}
	d := self + kids
	if embedded != nil {
		t, err := embedded.CPU()
		if err != nil {
			return 0, false
		}
		d += t
	}
	return d, true
}

func startCPU() cpuSpan {
	d, ok := cpuNow()
	return cpuSpan{d, ok}
}

// report reports cpu-ns/op over b.N requests.
func (s cpuSpan) report(b *testing.B) { s.reportPer(b, int64(b.N)) }

// reportPer reports cpu-ns/op over n requests; nothing when the target's
// CPU time could not be read.
func (s cpuSpan) reportPer(b *testing.B, n int64) {
	end, ok := cpuNow()
	if n > 0 && ok && s.ok {
		b.ReportMetric(float64(end-s.start)/float64(n), "cpu-ns/op")
	}
}
