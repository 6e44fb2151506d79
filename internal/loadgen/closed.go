package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds each request (connect, TLS, write and read), as
// ab's -s default of 30 s.
const DefaultTimeout = 30 * time.Second

// Closed is a closed-loop run with ApacheBench's semantics (METHODS.md §3):
// N requests over C connections, at most C in flight; the first request runs
// alone, then C connections start, and each finished request immediately
// starts the next until N have been started. Requests are HTTP/1.0. Without
// KeepAlive every request is a new TCP connection and, for https, a new TLS
// handshake, and the connect time includes the handshake; with KeepAlive a
// `Connection: Keep-Alive` header is sent and a connection is reused while
// the server keeps it open (its connect time is 0).
//
// Counting follows ab with one deliberate difference: a non-2xx answer
// counts once, as non-2xx, and its body length is never compared with the
// first answer's (ab compares every body, so a 503 page of another length
// can count both as "Non-2xx" and as a Length failure).
//
// The client is a small HTTP/1.x client on net.Conn and crypto/tls rather
// than net/http, because net/http cannot send HTTP/1.0 and its per-request
// overhead would be part of the measurement; it records ab's timestamps
// (start, connect, end of write, first byte, done) directly. Plain http
// connections are opened with ab's system calls and no others (dialRaw):
// without keep-alive every request is a connection, and net.Dialer's
// extra calls and allocations cost about a tenth of the client's CPU.
type Closed struct {
	// Target is the URL to load (see NewTarget).
	Target *Target
	// N is the number of requests (ab -n); must be >= 1.
	N int
	// C is the number of concurrent connections (ab -c); must be in
	// [1, N].
	C int
	// KeepAlive reuses connections (ab -k).
	KeepAlive bool
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Run performs the requests and returns what was measured. The run stops
// early when ctx is done; the requests measured so far are returned with
// ctx's error. Failed requests are counted, not fatal.
func (cl Closed) Run(ctx context.Context) (*Result, error) {
	if cl.Target == nil {
		return nil, errors.New("loadgen: Closed.Target is nil")
	}
	if cl.N < 1 {
		return nil, fmt.Errorf("loadgen: Closed.N = %d: want at least 1 request", cl.N)
	}
	if cl.C < 1 || cl.C > cl.N {
		return nil, fmt.Errorf("loadgen: Closed.C = %d: want 1 <= C <= N (%d), as ab", cl.C, cl.N)
	}
	timeout := cl.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var (
		started atomic.Int64
		doclen  atomic.Int64 // body length of the first good answer, -1 unset
		mu      sync.Mutex
		total   = newResult()
		last    time.Time
	)
	doclen.Store(-1)
	dl, hasDL := ctx.Deadline()
	// stopped also looks at the clock: connection deadlines taken from ctx
	// can fire before ctx's own timer marks it done.
	stopped := func() bool { return ctx.Err() != nil || hasDL && !time.Now().Before(dl) }
	d := &net.Dialer{KeepAlive: -1} // no TCP keep-alive probes: saves four setsockopt calls per connection
	type sample struct{ total, connect, wait time.Duration }
	var samples [][]sample // one slice per worker, recorded after the run
	worker := func(one bool) {
		res := &Result{}
		var own []sample
		br := bufio.NewReaderSize(nil, 4096)
		var cn *conn
		var tm timing
		var lastDone time.Time
		for !stopped() {
			if started.Add(1) > int64(cl.N) {
				break
			}
			tm = timing{}
			var err error
			cn, err = cl.Target.do(ctx, d, cn, cl.KeepAlive, timeout, br, &tm)
			if err != nil && stopped() {
				break // cut short by ctx: not the target's failure, not counted
			}
			lastDone = time.Now()
			res.Done++
			res.BytesRead += tm.read
			if err != nil {
				var re *reqError
				kind := kindReceive
				if errors.As(err, &re) {
					kind = re.kind
				}
				switch kind {
				case kindConnect:
					res.Failed.Connect++
				case kindException:
					res.Failed.Exceptions++
				default:
					res.Failed.Receive++
				}
				if res.FirstError == nil {
					res.FirstError = err
				}
				if one {
					break
				}
				continue
			}
			if tm.status < 200 || tm.status > 299 {
				res.Non2xx++
				if res.FirstError == nil {
					res.FirstError = fmt.Errorf("%s answered status %d", cl.Target.URL, tm.status)
				}
			} else if !doclen.CompareAndSwap(-1, tm.bodyLen) && doclen.Load() != tm.bodyLen {
				res.Failed.Length++
				if res.FirstError == nil {
					res.FirstError = fmt.Errorf("%s: body length %d differs from the first answer's %d", cl.Target.URL, tm.bodyLen, doclen.Load())
				}
			}
			own = append(own, sample{tm.done.Sub(tm.start), tm.connect.Sub(tm.start), tm.beginread.Sub(tm.endwrite)})
			if one {
				break
			}
		}
		if cn != nil {
			cn.c.Close()
		}
		mu.Lock()
		total.mergeCounts(res)
		samples = append(samples, own)
		if lastDone.After(last) {
			last = lastDone
		}
		mu.Unlock()
	}
	start := time.Now()
	worker(true) // ab starts con[0] alone and waits for its answer
	var wg sync.WaitGroup
	for range cl.C {
		wg.Go(func() { worker(false) })
	}
	wg.Wait()
	if !last.IsZero() {
		total.Elapsed = last.Sub(start)
	}
	// Recording here rather than merging per-worker histograms keeps the
	// cost out of the run: an HDR merge walks every bucket, and with
	// thousands of workers that was a noticeable share of a short run.
	for _, own := range samples {
		for _, x := range own {
			total.Total.Record(x.total)
			total.Connect.Record(x.connect)
			total.Wait.Record(x.wait)
		}
	}
	if ctx.Err() != nil {
		return total, ctx.Err()
	}
	if hasDL && !time.Now().Before(dl) && total.Done < int64(cl.N) {
		return total, context.DeadlineExceeded
	}
	return total, nil
}
