package loadgen

import (
	"time"

	"github.com/teebench/teebench/internal/latency"
)

// Failures counts failed requests by ab's categories ("Failed requests:
// Connect, Receive, Length, Exceptions", docs/methods.md §3), less Length:
// a body whose length differs from the first answer's is an answer, and is
// counted apart (Result.LengthChanges).
type Failures struct {
	// Connect counts requests whose TCP connect or TLS handshake failed
	// (a TLS verification failure is one).
	Connect int64
	// Receive counts requests whose request write or response read failed
	// or timed out.
	Receive int64
	// Exceptions counts malformed responses (bad status line or headers).
	Exceptions int64
}

// Total returns the number of failed requests: ab's "Failed requests"
// less its Length column.
func (f Failures) Total() int64 { return f.Connect + f.Receive + f.Exceptions }

func (f *Failures) add(o Failures) {
	f.Connect += o.Connect
	f.Receive += o.Receive
	f.Exceptions += o.Exceptions
}

// Result is what one closed- or open-loop run measured. Nothing in it is
// estimated: a request that did not happen is not in any count.
type Result struct {
	// Done is the number of requests that ended, successfully or not
	// (ab's "Complete requests").
	Done int64
	// Failed counts failed requests by category.
	Failed Failures
	// Non2xx counts responses whose status is not 2xx (ab's "Non-2xx
	// responses"); 5xx answers are here.
	Non2xx int64
	// LengthChanges counts answers (of any status) whose body length
	// differs from the first answer's: ab's "Length" failures. Closed
	// counts them; Open does not compare lengths and leaves it 0. They are
	// not errors: a server whose answers carry a counter or an id changes
	// length without failing.
	LengthChanges int64
	// Elapsed is the time from the start of the run to the end of the last
	// request (ab's timetaken).
	Elapsed time.Duration
	// BytesRead is the number of response bytes read, headers included.
	BytesRead int64
	// Total is each request's total time. In the closed loop it runs from
	// just before connect (or, on a reused connection, before the write) to
	// the end of the response, as ab's Total; in the open loop it runs from
	// the request's intended send time, so queueing is counted. It keeps
	// exact samples for ab's percentiles.
	Total *latency.Recorder
	// Connect is the TCP connect plus TLS handshake time of each request
	// (0 on a reused keep-alive connection, as in ab).
	Connect *latency.Recorder
	// Wait is the time from the end of the request write to the first
	// response byte (ab's Waiting).
	Wait *latency.Recorder
	// Service is, in the open loop only, each request's time from its
	// actual send to the end of the response; Total minus Service is the
	// client-side queueing delay.
	Service *latency.Recorder
	// FirstError is the first error seen, for messages; nil when none.
	FirstError error
}

func newResult() *Result {
	return &Result{
		Total:   latency.NewExact(),
		Connect: latency.New(),
		Wait:    latency.New(),
		Service: latency.New(),
	}
}

// mergeCounts adds o's counts (not its recorders) to r.
func (r *Result) mergeCounts(o *Result) {
	r.Done += o.Done
	r.Failed.add(o.Failed)
	r.Non2xx += o.Non2xx
	r.LengthChanges += o.LengthChanges
	r.BytesRead += o.BytesRead
	if r.FirstError == nil {
		r.FirstError = o.FirstError
	}
}

// Errors returns failed requests (connect, receive, exception) plus
// non-2xx responses: every request that did not get a 2xx answer, each
// counted once. Length changes are not errors (LengthChanges).
func (r *Result) Errors() int64 { return r.Failed.Total() + r.Non2xx }

// LengthChangesPerOp returns LengthChanges / Done, or 0 when nothing was
// done.
func (r *Result) LengthChangesPerOp() float64 {
	if r.Done == 0 {
		return 0
	}
	return float64(r.LengthChanges) / float64(r.Done)
}

// ErrorsPerOp returns Errors / Done, or 0 when nothing was done.
func (r *Result) ErrorsPerOp() float64 {
	if r.Done == 0 {
		return 0
	}
	return float64(r.Errors()) / float64(r.Done)
}

// RequestsPerSecond returns Done / Elapsed, ab's "Requests per second", or
// 0 when nothing was timed.
func (r *Result) RequestsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Done) / r.Elapsed.Seconds()
}
