package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds each request (connect, TLS, write and read), as
// ab's -s default of 30 s.
const DefaultTimeout = 30 * time.Second

// Closed is a closed-loop run with ApacheBench's semantics (docs/methods.md §3):
// N requests over C connections, at most C in flight; the first request runs
// alone, then C connections start, and each finished request immediately
// starts the next until N have been started. Requests are HTTP/1.0. Without
// KeepAlive every request is a new TCP connection and, for https, a new TLS
// handshake, and the connect time includes the handshake; with KeepAlive a
// `Connection: Keep-Alive` header is sent and a connection is reused while
// the server keeps it open (its connect time is 0).
//
// Counting follows ab's categories, each request counted once: a failed
// connect, a failed write or read, a malformed answer, or a non-2xx answer
// is one error (Result.Errors). A body whose length differs from the first
// answer's is ab's "Length" failure, compared as ab compares it (every
// answer, whatever its status, against the first), but it is counted
// apart, as Result.LengthChanges, not as an error: ab adds it to "Failed
// requests", so a 503 page of another length counts twice there (Length
// and Non-2xx), and a server whose 200s carry a counter "fails" them all.
//
// The client is a small HTTP/1.x client rather than net/http, because
// net/http cannot send HTTP/1.0 and its per-request overhead would be part
// of the measurement; it records ab's timestamps (start, connect, end of
// write, first byte, done) directly. It has two engines that count alike:
//
//   - plain http on Linux: event loops as ab's and wrk's (evloop_linux.go),
//     non-blocking sockets on epoll with ab's system calls per request and
//     no scheduling between them, one loop per two Ps. A goroutine per
//     connection cost 4-26 % more CPU per request than ab (client and
//     target together; runtime wake-ups, net.Dialer's extra calls), which
//     on a machine shared with the target is throughput: 0.83-0.98x ab's
//     req/s.
//   - https (crypto/tls needs a net.Conn), and other systems: a goroutine
//     per connection on net.Conn (worker), plain http connections opened
//     with ab's system calls only (dialRaw).
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

// checkRun checks the fields that Closed and Open share (kind names the
// type in its errors) and returns the timeout per request.
func checkRun(kind string, t *Target, n int, timeout time.Duration) (time.Duration, error) {
	if t == nil {
		return 0, fmt.Errorf("loadgen: %s.Target is nil", kind)
	}
	if n < 1 {
		return 0, fmt.Errorf("loadgen: %s.N = %d: want at least 1 request", kind, n)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return timeout, nil
}

// Run performs the requests and returns what was measured. The run stops
// early when ctx is done; the requests measured so far are returned with
// ctx's error. Failed requests are counted, not fatal.
func (cl Closed) Run(ctx context.Context) (*Result, error) {
	timeout, err := checkRun("Closed", cl.Target, cl.N, cl.Timeout)
	if err != nil {
		return nil, err
	}
	if cl.C < 1 || cl.C > cl.N {
		return nil, fmt.Errorf("loadgen: Closed.C = %d: want 1 <= C <= N (%d), as ab", cl.C, cl.N)
	}
	r := &closedRun{cl: cl, ctx: ctx, timeout: timeout, total: newResult()}
	r.doclen.Store(-1)
	r.dl, r.hasDL = ctx.Deadline()
	loops := 0
	if cl.Target.TLS == nil && useLoop {
		if _, err := cl.Target.rawAddr(); err == nil {
			// One loop per two Ps: the client leaves half the CPUs to a
			// target on the same machine. On the 2-core dev VM, one loop
			// made 0.95-1.01x wrk's keep-alive req/s against the embedded
			// target and two loops 0.87-0.93x (they took the target's CPU
			// and each caught fewer events per epoll_wait).
			loops = min(cl.C, max(1, runtime.GOMAXPROCS(0)/2))
		}
	}
	start := time.Now()
	var loopErr error // an event loop's own failure (not a request's)
	// ab starts con[0] alone and waits for its answer, then the rest.
	if loops > 0 {
		loopErr = r.loop(1, true, 0)
		if loopErr == nil {
			// As ab, which starts all C connections before it reads any
			// answer, each connection's first request is reserved before
			// any loop runs: otherwise a loop scheduled late can find that
			// the others have done all N, and fewer than C connections
			// open.
			reserved := make([]int, loops)
			for i := range loops {
				// loop i runs connections i, i+loops, ...
				for reserved[i] < (cl.C-i+loops-1)/loops && r.take() {
					reserved[i]++
				}
			}
			errs := make([]error, loops)
			var wg sync.WaitGroup
			for i := range loops {
				wg.Go(func() { errs[i] = r.loop((cl.C-i+loops-1)/loops, false, reserved[i]) })
			}
			wg.Wait()
			loopErr = errors.Join(errs...)
		}
	} else {
		r.worker(true, false)
		var wg sync.WaitGroup
		// Reserved as for the loops above.
		k := 0
		for k < cl.C && r.take() {
			k++
		}
		for range k {
			wg.Go(func() { r.worker(false, true) })
		}
		wg.Wait()
	}
	total := r.total
	if !r.last.IsZero() {
		total.Elapsed = r.last.Sub(start)
	}
	// Recording here rather than merging per-worker histograms keeps the
	// cost out of the run: an HDR merge walks every bucket, and with
	// thousands of workers that was a noticeable share of a short run.
	for _, own := range r.samples {
		for _, x := range own {
			total.Total.Record(x.total)
			total.Connect.Record(x.connect)
			total.Wait.Record(x.wait)
		}
	}
	if loopErr != nil {
		return total, fmt.Errorf("loadgen: %s: %w", cl.Target.URL, loopErr)
	}
	if ctx.Err() != nil {
		return total, ctx.Err()
	}
	if r.hasDL && !time.Now().Before(r.dl) && total.Done < int64(cl.N) {
		return total, context.DeadlineExceeded
	}
	return total, nil
}

// useLoop selects the event loop for plain-http targets on Linux; tests
// turn it off to run the goroutine engine on the same targets.
var useLoop = loopAvailable

// closedRun is the state one Closed.Run shares between its workers (or
// event loops).
type closedRun struct {
	cl      Closed
	ctx     context.Context
	timeout time.Duration
	dl      time.Time // ctx's deadline, when hasDL
	hasDL   bool
	started atomic.Int64 // requests started
	doclen  atomic.Int64 // body length of the first answer, -1 unset

	mu      sync.Mutex
	total   *Result    // counts merged from the workers
	samples [][]sample // one slice per worker, recorded after the run
	last    time.Time  // end of the last request
}

// sample is one request's ab times.
type sample struct{ total, connect, wait time.Duration }

// stopped reports whether ctx ends the run. It also looks at the clock:
// connection deadlines taken from ctx can fire before ctx's own timer marks
// it done.
func (r *closedRun) stopped() bool {
	return r.ctx.Err() != nil || r.hasDL && !time.Now().Before(r.dl)
}

// take reserves the next request; false when N have been started.
func (r *closedRun) take() bool { return r.started.Add(1) <= int64(r.cl.N) }

// tally is one worker's share of the counts and samples.
type tally struct {
	res      Result
	own      []sample
	lastDone time.Time
}

// record counts one ended request by ab's rules (err nil: an answer was
// read).
func (r *closedRun) record(tl *tally, tm *timing, err error) {
	res := &tl.res
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
		return
	}
	if tm.status < 200 || tm.status > 299 {
		res.Non2xx++
		if res.FirstError == nil {
			res.FirstError = fmt.Errorf("%s answered status %d", r.cl.Target.URL, tm.status)
		}
	}
	// ab's doclen check, on every answer: counted, never an error
	if !r.doclen.CompareAndSwap(-1, tm.bodyLen) && r.doclen.Load() != tm.bodyLen {
		res.LengthChanges++
	}
	tl.own = append(tl.own, sample{tm.done.Sub(tm.start), tm.connect.Sub(tm.start), tm.beginread.Sub(tm.endwrite)})
}

// merge adds a finished worker's tally to the run's.
func (r *closedRun) merge(tl *tally) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total.mergeCounts(&tl.res)
	r.samples = append(r.samples, tl.own)
	if tl.lastDone.After(r.last) {
		r.last = tl.lastDone
	}
}

// worker is the goroutine engine: one connection, one request at a time,
// until N have been started (one: the first request alone). reserved says
// its first request was taken for it.
func (r *closedRun) worker(one, reserved bool) {
	var tl tally
	d := &net.Dialer{KeepAlive: -1} // no TCP keep-alive probes: saves four setsockopt calls per connection
	br := bufio.NewReaderSize(nil, 4096)
	var cn *conn
	ir := &interrupter{}
	defer context.AfterFunc(r.ctx, ir.fire)()
	for {
		if r.stopped() || !reserved && !r.take() {
			break
		}
		reserved = false
		var tm timing
		var err error
		cn, err = r.cl.Target.do(r.ctx, d, cn, r.cl.KeepAlive, r.timeout, br, &tm, ir)
		if err != nil && r.stopped() {
			break // cut short by ctx: not the target's failure, not counted
		}
		tl.lastDone = time.Now()
		r.record(&tl, &tm, err)
		if one {
			break
		}
	}
	if cn != nil {
		cn.c.Close()
	}
	r.merge(&tl)
}
