package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/teebench/teebench/internal/pace"
)

// Open is an open-loop run (wrk2, vegeta): N requests are sent at the
// arrival times given by Schedule (paced by pace.Open), whatever the answers do, and each
// request's latency (Result.Total) is measured from its intended send time,
// so a stalled server shows up in the latencies instead of silently slowing
// the load down (coordinated omission). It uses net/http (HTTP/1.1) with
// net/http/httptrace for the phase times: Connect is DNS + TCP connect +
// TLS handshake of a new connection, Wait is end of write to first byte.
type Open struct {
	// Target is the URL to GET (see NewTarget), the same as Closed's;
	// its TLS config is used for https.
	Target *Target
	// Schedule gives the gaps between arrivals (pace.Constant,
	// pace.Poisson, pace.Gamma).
	Schedule pace.Schedule
	// N is the number of requests; must be >= 1.
	N int
	// MaxInFlight caps concurrent requests; when reached, later requests
	// wait (their waiting counts in Total). 0 means 10000.
	MaxInFlight int
	// KeepAlive reuses connections (HTTP/1.1 keep-alive); false opens a new
	// connection for every request.
	KeepAlive bool
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Run sends the requests and returns what was measured. It stops early
// when ctx is done, returning the requests measured so far with ctx's
// error. Failed requests are counted, not fatal.
func (o Open) Run(ctx context.Context) (*Result, error) {
	timeout, err := checkRun("Open", o.Target, o.N, o.Timeout)
	if err != nil {
		return nil, err
	}
	if o.Schedule == nil {
		return nil, errors.New("loadgen: Open.Schedule is nil")
	}
	req0, err := http.NewRequestWithContext(ctx, http.MethodGet, o.Target.raw, nil)
	if err != nil {
		return nil, fmt.Errorf("loadgen: target URL %q: %w", o.Target.URL, err)
	}
	req0.Header.Set("User-Agent", UserAgent)
	maxIn := o.MaxInFlight
	if maxIn <= 0 {
		maxIn = 10000
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		TLSClientConfig:     o.Target.TLS,
		TLSHandshakeTimeout: timeout,
		DisableKeepAlives:   !o.KeepAlive,
		DisableCompression:  true,
		MaxIdleConns:        maxIn,
		MaxIdleConnsPerHost: maxIn,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}

	var (
		mu    sync.Mutex
		total = newResult()
		last  time.Time
	)
	start, _ := pace.Open(ctx, pace.Offsets(o.Schedule, o.N), maxIn, func(_ int, intended time.Time) {
		oc := o.one(ctx, client, req0, intended)
		mu.Lock()
		oc.record(total)
		if oc.counted && oc.end.After(last) {
			last = oc.end
		}
		mu.Unlock()
	})
	if !last.IsZero() {
		total.Elapsed = last.Sub(start)
	}
	return total, ctx.Err()
}

// outcome is one open-loop request, recorded into the Result under a lock
// (a Result per request would allocate four histograms each time).
type outcome struct {
	counted                       bool // false when ctx cut the request short
	failed                        Failures
	non2xx                        bool
	err                           error
	bytes                         int64
	ok                            bool // a response was read: latencies are valid
	total, service, connect, wait time.Duration
	hasWait                       bool
	end                           time.Time
}

func (oc *outcome) record(r *Result) {
	if !oc.counted {
		return
	}
	r.Done++
	r.Failed.add(oc.failed)
	if oc.non2xx {
		r.Non2xx++
	}
	r.BytesRead += oc.bytes
	if r.FirstError == nil {
		r.FirstError = oc.err
	}
	if oc.ok {
		r.Total.Record(oc.total)
		r.Service.Record(oc.service)
		r.Connect.Record(oc.connect)
		if oc.hasWait {
			r.Wait.Record(oc.wait)
		}
	}
}

// one sends a single request and returns what happened to it.
func (o Open) one(ctx context.Context, client *http.Client, req0 *http.Request, intended time.Time) outcome {
	var connStart, connDone, wrote, first time.Time
	var gotConn bool
	trace := &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { connStart = time.Now() },
		ConnectStart:         func(string, string) { setOnce(&connStart) },
		ConnectDone:          func(string, string, error) { connDone = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { connDone = time.Now() },
		GotConn:              func(httptrace.GotConnInfo) { gotConn = true },
		WroteRequest:         func(httptrace.WroteRequestInfo) { wrote = time.Now() },
		GotFirstResponseByte: func() { first = time.Now() },
	}
	req := req0.Clone(httptrace.WithClientTrace(ctx, trace))
	sent := time.Now()
	resp, err := client.Do(req)
	if err != nil && ctx.Err() != nil {
		return outcome{} // cut short by ctx: not the target's failure, not counted
	}
	oc := outcome{counted: true}
	if err != nil {
		oc.end = time.Now()
		switch {
		case !gotConn || isVerifyError(err):
			// no connection: DNS, TCP connect or TLS handshake failed
			oc.failed.Connect++
			if isVerifyError(err) {
				err = tlsError(o.Target.URL, err)
			}
		default:
			oc.failed.Receive++
		}
		oc.err = err
		return oc
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	oc.end = time.Now()
	oc.bytes = n
	if err != nil {
		oc.failed.Receive++
		oc.err = fmt.Errorf("read body from %s: %w", o.Target.URL, err)
		return oc
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		oc.non2xx = true
		oc.err = fmt.Errorf("%s answered status %d", o.Target.URL, resp.StatusCode)
	}
	oc.ok = true
	oc.total = oc.end.Sub(intended)
	oc.service = oc.end.Sub(sent)
	if !connStart.IsZero() && !connDone.IsZero() {
		oc.connect = connDone.Sub(connStart)
	}
	if !wrote.IsZero() && !first.IsZero() {
		oc.wait, oc.hasWait = first.Sub(wrote), true
	}
	return oc
}

func setOnce(t *time.Time) {
	if t.IsZero() {
		*t = time.Now()
	}
}
