package net_bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/cputime"
	"github.com/teebench/teebench/internal/gateway"
	"github.com/teebench/teebench/internal/loadgen"
	"github.com/teebench/teebench/internal/pace"
	"github.com/teebench/teebench/internal/reftool"
)

// runLimit bounds every single run (one b.N loop) in time; requests are
// bounded by b.N and each by loadgen.DefaultTimeout.
const runLimit = 10 * time.Minute

// A target is what the gateway benchmarks load: its paths and, for the
// embedded target, the process that serves them.
type target struct {
	paths []path
	// child is the embedded target's process, for its CPU time; nil with
	// TEEBENCH_NET_URL.
	child *gateway.Child
}

// path is one way to the target: straight to the backend, or through the
// TLS-terminating proxy.
type path struct {
	name string // direct or tls-proxy
	// url is the URL as configured, credentials included: ab and wrk get
	// it (reftool takes the credentials apart); it is never printed.
	url string
	// lt is url parsed for loadgen's closed and open loops.
	lt *loadgen.Target
}

// newPath returns the path name to url, verified with tc for https (nil:
// the system roots).
func newPath(name, url string, tc *tls.Config) (path, error) {
	lt, err := loadgen.NewTarget(url, tc)
	if err != nil {
		return path{}, err
	}
	return path{name: name, url: url, lt: lt}, nil
}

// childEnv marks the re-executed test binary that serves the embedded
// target (TestGatewayChild).
const childEnv = "NET_BENCH_GATEWAY_CHILD"

// startTarget returns the target to load: the embedded backend and TLS
// proxy, or the single URL in TEEBENCH_NET_URL, named direct for http and
// tls-proxy for https. The embedded target runs in a child process (this
// test binary re-executed), so that client=go, ab and wrk each run in a
// process of their own against the same target process; it is stopped when
// b ends. conns is the most connections the caller will open at once;
// RLIMIT_NOFILE is raised for it first, so the child inherits the limit.
// Each path is probed once: an unreachable target or a TLS verification
// failure fails the benchmark with the reason.
func startTarget(b testing.TB, conns int) *target {
	b.Helper()
	needFiles(b, conns)
	tg := &target{}
	add := func(name, url string, tc *tls.Config) {
		p, err := newPath(name, url, tc)
		if err != nil {
			b.Fatal(err)
		}
		tg.paths = append(tg.paths, p)
	}
	if u := config.NetURL(); u != "" {
		// Said as a config line, so that a result file (and a comparison
		// of two) says which server was loaded.
		benchenv.Scoped(benchenv.KV{Key: "net-target", Value: config.RedactURL(u)})
		var tc *tls.Config
		if config.NetInsecure() {
			tc = &tls.Config{InsecureSkipVerify: true}
		}
		name := "direct"
		if strings.HasPrefix(u, "https:") {
			name = "tls-proxy"
		}
		add(name, u, tc)
	} else {
		benchenv.Scoped(benchenv.KV{Key: "net-target", Value: "embedded"})
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
		b.Cleanup(func() { ch.Close() })
		tg.child = ch
		add("direct", ch.DirectURL, nil)
		add("tls-proxy", ch.ProxyURL, &tls.Config{RootCAs: ch.CertPool})
	}
	for _, p := range tg.paths {
		if err := loadgen.Probe(context.Background(), p.lt); err != nil {
			b.Fatal(config.RedactText(err.Error()))
		}
	}
	return tg
}

// needFiles raises RLIMIT_NOFILE for conns concurrent connections through
// the embedded proxy (client, proxy front and back, backend: 4 descriptors
// each) or fails with the reason when it cannot (a hard limit too low for
// the configured concurrency is no absence by design).
func needFiles(b testing.TB, conns int) {
	b.Helper()
	if _, err := pace.RaiseOpenFiles(uint64(4*conns + 256)); err != nil {
		b.Fatalf("c=%d cannot run: %v", conns, err)
	}
}

// gatewayCases lists BenchmarkGateway's cases on tg: per path, keep-alive
// off then on, per concurrency, each client (wrk only with keep-alive;
// the reference tools first with TEEBENCH_ORDER=reverse).
func gatewayCases(tg *target, cs []int) []gatewayCase {
	var ks []gatewayCase
	for _, p := range tg.paths {
		for _, ka := range []bool{false, true} {
			for _, c := range cs {
				for _, cl := range config.Ordered(clients) {
					if cl.keepAliveOnly() && !ka {
						continue
					}
					ks = append(ks, gatewayCase{path: p.name, keepAlive: ka, c: c, client: cl})
				}
			}
		}
	}
	return ks
}

// pathNamed returns tg's path called name.
func (tg *target) pathNamed(name string) path {
	i := slices.IndexFunc(tg.paths, func(p path) bool { return p.name == name })
	return tg.paths[i]
}

// settle gives the target a moment to finish closing the previous run's
// connections (up to thousands, and wrk's keep-alive ones) and runs a GC,
// so that no client pays for the previous one's leftovers; every client
// gets the same pause, outside the timer.
func settle() {
	time.Sleep(250 * time.Millisecond)
	runtime.GC()
}

func multi(b *testing.B, tg *target, p path, mc multiCase) {
	if err := mc.client.check(); err != nil {
		b.Skip(err)
	}
	if _, ab := mc.client.(abClient); ab {
		if note := reftool.AbCredentialNote(p.url); note != "" {
			b.Log(note)
		}
	}
	k := mc.clients
	n := b.N // requests per client
	cc := clampC(b, mc.c, n)
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	runs := make([]clientRun, k)
	settle()
	var wg sync.WaitGroup
	cpu0, haveCPU := time.Duration(0), tg.child != nil
	if haveCPU {
		var err error
		if cpu0, err = tg.child.CPU(); err != nil {
			b.Logf("target CPU not measured: %v", err)
			haveCPU = false
		}
	}
	t0 := time.Now()
	b.ResetTimer()
	for i := range runs {
		wg.Go(func() { runs[i] = mc.client.runN(ctx, p, n, cc) })
	}
	wg.Wait()
	b.StopTimer()
	wall := time.Since(t0)
	var cpu1 time.Duration
	if haveCPU {
		var err error
		if cpu1, err = tg.child.CPU(); err != nil {
			b.Logf("target CPU not measured: %v", err)
			haveCPU = false
		}
	}

	var (
		rps        float64
		done, errs int64
		lengthChgs int64
		slowest    time.Duration
		failed     int
		firstErr   error
	)
	for _, m := range runs {
		if m.err != nil {
			failed++
			if firstErr == nil {
				firstErr = m.err
			}
		}
		rps += m.rps
		done += m.done
		errs += m.errs
		lengthChgs += m.lengthChanges
		slowest = max(slowest, m.elapsed)
	}
	if failed > 0 {
		if errors.Is(firstErr, reftool.ErrOutputFormat) {
			b.Skipf("%s output: %v", mc.client.name(), firstErr)
		}
		b.Fatal(config.RedactText(fmt.Sprintf("%d of %d clients stopped (%d requests done); first: %v", failed, k, done, firstErr)))
	}
	b.Logf("%d clients x %d requests = %d requests (%d done, %d errors) in %v: %.0f req/s over the wall time, slowest client %v",
		k, n, int64(k)*int64(n), done, errs, wall.Round(time.Millisecond), float64(done)/wall.Seconds(), slowest.Round(time.Millisecond))
	if !reportErrors(b, errs, done) {
		return
	}
	reportLengthChanges(b, lengthChgs, done)
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(float64(slowest), "slowest-client-ns")
	if haveCPU {
		b.ReportMetric(cputime.UsagePercent(cpu1-cpu0, wall), "target-cpu-%")
	} else if tg.child == nil {
		b.Logf("target-cpu-%% not reported: the target (TEEBENCH_NET_URL) is not this machine's process")
	}
	mc.client.reportLatency(b, runs)
}

// cpuSpan measures the CPU time of this process, its waited-for children
// (ab, wrk) and the embedded target's process: client plus target, so
// cpu-ns/op compares the clients' efficiency independently of how much of a
// shared machine each one got. With TEEBENCH_NET_URL it is the client only.
type cpuSpan struct {
	tg    *target
	start time.Duration
	ok    bool
}

// cpuNow returns the CPU time cpuSpan measures, false when it cannot be
// read.
func (tg *target) cpuNow() (time.Duration, bool) {
	self, err := cputime.Process()
	if err != nil {
		return 0, false
	}
	kids, err := cputime.Children()
	if err != nil {
		return 0, false
	}
	d := self + kids
	if tg.child != nil {
		t, err := tg.child.CPU()
		if err != nil {
			return 0, false
		}
		d += t
	}
	return d, true
}

func (tg *target) startCPU() cpuSpan {
	d, ok := tg.cpuNow()
	return cpuSpan{tg, d, ok}
}

// report reports cpu-ns/op over b.N requests.
func (s cpuSpan) report(b *testing.B) { s.reportPer(b, int64(b.N)) }

// reportPer reports cpu-ns/op over n requests; nothing when the target's
// CPU time could not be read.
func (s cpuSpan) reportPer(b *testing.B, n int64) {
	end, ok := s.tg.cpuNow()
	if n > 0 && ok && s.ok {
		b.ReportMetric(float64(end-s.start)/float64(n), "cpu-ns/op")
	}
}

// reportLengthChanges reports length-changes/op (n of total answers whose
// body length differs from the first answer's, ab's Length check; always,
// even 0) for the clients that compare lengths (go, ab). They are not
// errors and never mark the row: a server whose answers carry a counter or
// an id changes length on every answer.
func reportLengthChanges(b *testing.B, n, total int64) {
	b.Helper()
	if total <= 0 {
		return
	}
	b.ReportMetric(float64(n)/float64(total), "length-changes/op")
	if n > 0 && b.N > 1 {
		b.Logf("%d of %d answers differ in body length from the first (ab's Length check; not counted as errors)", n, total)
	}
}

// reportErrors reports errors/op (errs of total requests; always, even 0)
// and fails b when every request failed: the other figures of such a run
// describe error responses, not the target. A rate above
// config.MaxErrorRate is logged; the report marks the row and draws no
// headline from it. It returns false when b failed.
func reportErrors(b *testing.B, errs, total int64) bool {
	b.Helper()
	if total <= 0 || errs >= total {
		b.Fatalf("every request failed (%d errors of %d requests)", errs, total)
		return false
	}
	rate := float64(errs) / float64(total)
	b.ReportMetric(rate, "errors/op")
	if max := config.MaxErrorRate(); rate > max {
		b.Logf("error rate %.4f is above TEEBENCH_MAX_ERROR_RATE=%g: this row is marked and gives no headline", rate, max)
	}
	return true
}
