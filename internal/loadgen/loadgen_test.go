package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/gateway"
	"github.com/teebench/teebench/internal/pace"
	"github.com/teebench/teebench/internal/reftool"
)

// countingServer answers 200 "ok" (or what h writes) and counts requests
// and new connections.
func countingServer(t *testing.T, h http.HandlerFunc) (srv *httptest.Server, reqs, conns *atomic.Int64) {
	t.Helper()
	reqs, conns = new(atomic.Int64), new(atomic.Int64)
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }
	}
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		h(w, r)
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, reqs, conns
}

func target(t *testing.T, u string, tc *tls.Config) *Target {
	t.Helper()
	tg, err := NewTarget(u, tc)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestClosedKeepAlive(t *testing.T) {
	engines(t, testClosedKeepAlive)
}

func testClosedKeepAlive(t *testing.T) {
	for _, ka := range []bool{false, true} {
		t.Run(fmt.Sprintf("keepalive=%v", ka), func(t *testing.T) {
			srv, reqs, conns := countingServer(t, nil)
			res, err := Closed{Target: target(t, srv.URL, nil), N: 60, C: 5, KeepAlive: ka}.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Done != 60 || reqs.Load() != 60 || res.Errors() != 0 || res.Total.Count() != 60 {
				t.Fatalf("Done=%d server saw %d errors=%d samples=%d (first error %v), want 60/60/0/60",
					res.Done, reqs.Load(), res.Errors(), res.Total.Count(), res.FirstError)
			}
			// ab's semantics: without keep-alive every request is a new
			// connection; with it, at most C+1 (the first runs alone).
			if !ka && conns.Load() != 60 {
				t.Errorf("keep-alive off: %d connections for 60 requests", conns.Load())
			}
			if ka && conns.Load() > 6 {
				t.Errorf("keep-alive on: %d connections for C=5", conns.Load())
			}
			if ka && res.Connect.Min() != 0 {
				t.Errorf("keep-alive on: min connect time %v, want 0 on reused connections", res.Connect.Min())
			}
			if res.RequestsPerSecond() <= 0 || res.Elapsed <= 0 {
				t.Errorf("RequestsPerSecond=%v Elapsed=%v", res.RequestsPerSecond(), res.Elapsed)
			}
		})
	}
}

func TestClosedCountsErrors(t *testing.T) {
	engines(t, testClosedCountsErrors)
}

func testClosedCountsErrors(t *testing.T) {
	var n atomic.Int64
	// every other answer is a 503: non-2xx count in Errors, not Failed
	srv, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	})
	res, err := Closed{Target: target(t, srv.URL, nil), N: 40, C: 1}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Non2xx != 20 || res.Failed.Total() != 0 || res.Errors() != 20 || res.ErrorsPerOp() != 0.5 {
		t.Errorf("Non2xx=%d Failed=%+v errors=%d errors/op=%v, want 20, none, 20, 0.5", res.Non2xx, res.Failed, res.Errors(), res.ErrorsPerOp())
	}
	// the 503 page ("busy\n") is longer than the first answer ("ok"): a
	// length change, as in ab, but no second error
	if res.LengthChanges != 20 {
		t.Errorf("LengthChanges = %d, want 20 (the 503s)", res.LengthChanges)
	}
	if res.FirstError == nil || !strings.Contains(res.FirstError.Error(), "503") {
		t.Errorf("FirstError = %v, want one naming status 503", res.FirstError)
	}

	// answers of varying length are ab's Length failures: length changes,
	// not errors
	srv2, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", int(n.Add(1)%3)+1))
	})
	res, err = Closed{Target: target(t, srv2.URL, nil), N: 30, C: 1}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.LengthChanges != 20 || res.Errors() != 0 || res.LengthChangesPerOp() != 20.0/30 {
		t.Errorf("LengthChanges = %d (%v/op), errors %d; want 20 of 30 (lengths cycle 3 ways), no error", res.LengthChanges, res.LengthChangesPerOp(), res.Errors())
	}
}

func TestClosedStopsOnContext(t *testing.T) {
	engines(t, testClosedStopsOnContext)
}

func testClosedStopsOnContext(t *testing.T) {
	srv, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	res, err := Closed{Target: target(t, srv.URL, nil), N: 1000, C: 2}.Run(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if res == nil || res.Done == 0 || res.Done >= 1000 || res.Total.Count() == 0 {
		t.Fatalf("partial result lost: %+v", res)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("run took %v after a 300ms deadline", d)
	}
}

func TestClosedBadArgs(t *testing.T) {
	tg := target(t, "http://127.0.0.1:1/", nil)
	for _, cl := range []Closed{{Target: tg, N: 0, C: 1}, {Target: tg, N: 5, C: 6}, {Target: tg, N: 5, C: 0}, {N: 1, C: 1}} {
		if _, err := cl.Run(context.Background()); err == nil {
			t.Errorf("%+v: no error", cl)
		}
	}
	for _, u := range []string{"ftp://x/", "http://", "://bad"} {
		if _, err := NewTarget(u, nil); err == nil || !strings.Contains(err.Error(), "target URL") {
			t.Errorf("NewTarget(%q) = %v, want an error naming the URL", u, err)
		}
	}
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

func TestProbeBadTargets(t *testing.T) {
	gw, err := gateway.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	// a listener that accepts and never answers
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	fail500, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	})
	refused := "http://" + freePort(t) + "/prpc/Version"
	silent := "http://" + mute.Addr().String() + "/prpc/Version"
	tests := []struct {
		name string
		url  string
		tls  *tls.Config
		want []string // substrings of the error; nil = success
	}{
		// HAPPY PATH
		{"direct", gw.DirectURL, nil, nil},
		{"proxy verified with its cert", gw.ProxyURL, &tls.Config{RootCAs: gw.CertPool}, nil},
		{"proxy insecure", gw.ProxyURL, &tls.Config{InsecureSkipVerify: true}, nil},
		// SAD PATH
		{"connection refused", refused, nil, []string{refused, "connection refused"}},
		{"no answer within 5s", silent, nil, []string{silent, "did not answer within 5s"}},
		{"self-signed cert not trusted", gw.ProxyURL, nil, []string{gw.ProxyURL, "TLS certificate verification failed", "TEEBENCH_NET_INSECURE"}},
		{"5xx", fail500.URL, nil, []string{fail500.URL, "status 500"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Now()
			err := Probe(context.Background(), target(t, tc.url, tc.tls))
			if d := time.Since(t0); d > ProbeTimeout+time.Second {
				t.Errorf("Probe took %v, want <= %v", d, ProbeTimeout)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestOpenReportsInjectedDelay: a server that takes 40 ms per answer must
// show >= 40 ms latencies.
func TestOpenReportsInjectedDelay(t *testing.T) {
	const delay = 40 * time.Millisecond
	srv, reqs, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		fmt.Fprint(w, "ok")
	})
	sched, _ := pace.Constant(200)
	res, err := Open{Target: target(t, srv.URL, nil), Schedule: sched, N: 20}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 20 || reqs.Load() != 20 || res.Errors() != 0 {
		t.Fatalf("Done=%d server=%d errors=%d (%v)", res.Done, reqs.Load(), res.Errors(), res.FirstError)
	}
	if res.Total.Min() < delay || res.Total.Percentile(50) < delay {
		t.Errorf("min %v, p50 %v: want >= the injected %v", res.Total.Min(), res.Total.Percentile(50), delay)
	}
	if res.Wait.Min() < delay {
		t.Errorf("wait (first byte) min %v, want >= %v", res.Wait.Min(), delay)
	}
}

// TestOpenCountsQueueing is coordinated omission: with one request in
// flight and a server taking 30 ms, requests due every 10 ms queue up. A
// closed loop would report ~30 ms for each; latency from the intended send
// time must grow with the queue (the 10th is due at 90 ms but ends near
// 300 ms).
func TestOpenCountsQueueing(t *testing.T) {
	const delay = 30 * time.Millisecond
	srv, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
	})
	sched, _ := pace.Constant(100)
	res, err := Open{Target: target(t, srv.URL, nil), Schedule: sched, N: 10, MaxInFlight: 1, KeepAlive: true}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Total.Max() < 180*time.Millisecond {
		t.Errorf("max latency from intended send %v, want >= 180ms (queueing hidden)", res.Total.Max())
	}
	if q := res.Total.Max() - res.Service.Max(); q < 100*time.Millisecond {
		t.Errorf("total max %v - service max %v = %v of queueing, want >= 100ms", res.Total.Max(), res.Service.Max(), q)
	}
}

func TestOpenTLSVerifyFailure(t *testing.T) {
	gw, err := gateway.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	sched, _ := pace.Constant(1000)
	res, err := Open{Target: target(t, gw.ProxyURL, nil), Schedule: sched, N: 3}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed.Connect != 3 || res.FirstError == nil || !strings.Contains(res.FirstError.Error(), "TLS certificate verification failed") {
		t.Errorf("Failed=%+v first=%v, want 3 connect failures naming TLS verification", res.Failed, res.FirstError)
	}
	res, err = Open{Target: target(t, gw.ProxyURL, &tls.Config{RootCAs: gw.CertPool}), Schedule: sched, N: 3}.Run(context.Background())
	if err != nil || res.Errors() != 0 || res.Connect.Min() <= 0 {
		t.Errorf("verified: err=%v errors=%d connect min=%v (%v)", err, res.Errors(), res.Connect.Min(), res.FirstError)
	}
}

// TestClosedAgreesWithAb cross-checks the counting rules with the real ab
// on the same server: 404s are non-2xx for both, nothing failed.
func TestClosedAgreesWithAb(t *testing.T) {
	ab, err := reftool.AbLookup()
	if err != nil {
		t.Skip(err)
	}
	srv, reqs, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMinor != 0 {
			t.Errorf("got %s, want HTTP/1.0 like ab", r.Proto)
		}
		http.NotFound(w, r)
	})
	out, err := reftool.Run(context.Background(), ab, "-n", "50", "-c", "5", srv.URL+"/x")
	if err != nil {
		t.Fatal(err)
	}
	ar, err := reftool.ParseAb(out)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Closed{Target: target(t, srv.URL+"/x", nil), N: 50, C: 5}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ar.Non2xx != res.Non2xx || ar.Errors() != res.Errors() || ar.LengthChanges() != res.LengthChanges || ar.Complete != res.Done {
		t.Errorf("ab: complete %d errors %d non-2xx %d length changes %d; loadgen: %d %d %d %d",
			ar.Complete, ar.Errors(), ar.Non2xx, ar.LengthChanges(), res.Done, res.Errors(), res.Non2xx, res.LengthChanges)
	}
	if reqs.Load() != 100 || conns.Load() < 100 {
		t.Errorf("server saw %d requests on %d connections, want 100 on >= 100", reqs.Load(), conns.Load())
	}
}
