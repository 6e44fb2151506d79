package reftool

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// AbResult is what ApacheBench 2.3 prints (METHODS.md §3), in the suite's
// units. Fields ab did not print stay zero and their Has* flag false.
type AbResult struct {
	// Concurrency is "Concurrency Level".
	Concurrency int
	// TimeTaken is "Time taken for tests" (ab's timetaken).
	TimeTaken time.Duration
	// Complete is "Complete requests" (ab's done).
	Complete int64
	// Failed is "Failed requests"; FailedConnect, FailedReceive,
	// FailedLength and FailedExceptions are its breakdown (printed only
	// when Failed > 0).
	Failed                                                       int64
	FailedConnect, FailedReceive, FailedLength, FailedExceptions int64
	// Non2xx is "Non-2xx responses" (0 when ab printed no such line).
	Non2xx int64
	// RequestsPerSec is "Requests per second".
	RequestsPerSec float64
	// TimePerRequest is the first "Time per request" line:
	// concurrency * timetaken / done, the report's "Avg Latency".
	TimePerRequest time.Duration
	// Connect, Processing, Waiting and Total are the "Connection Times
	// (ms)" rows (ms resolution, as ab prints them).
	Connect, Processing, Waiting, Total AbTimes
	// Percentiles maps 50, 66, 75, 80, 90, 95, 98, 99, 100 to ab's
	// floor-index percentile of the total time (ms resolution).
	Percentiles map[int]time.Duration
}

// AbTimes is one row of ab's "Connection Times (ms)" table.
type AbTimes struct {
	Min, Mean, Median, Max time.Duration
	// SD is the sample standard deviation ([+/-sd]).
	SD time.Duration
}

// Errors returns ab's failed requests plus its non-2xx responses: every
// request that did not get a correct 2xx answer.
func (r *AbResult) Errors() int64 { return r.Failed + r.Non2xx }

// ParseAb parses the standard output of `ab` (ApacheBench 2.3). It fails
// with a message naming what is missing when the output is not a finished
// ab run (for example "unable to connect", or a truncated run).
func ParseAb(out []byte) (*AbResult, error) {
	r := &AbResult{Percentiles: map[int]time.Duration{}}
	var have struct{ complete, rps, total bool }
	sc := bufio.NewScanner(bytes.NewReader(out))
	inTimes, inPct := false, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, ok := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		switch {
		case strings.HasPrefix(line, "Connection Times (ms)"):
			inTimes, inPct = true, false
			continue
		case strings.HasPrefix(line, "Percentage of the requests served"):
			inTimes, inPct = false, true
			continue
		case inTimes && ok && (key == "Connect" || key == "Processing" || key == "Waiting" || key == "Total"):
			row, err := parseAbTimes(val)
			if err != nil {
				return nil, fmt.Errorf("reftool: ab Connection Times row %q: %w", line, err)
			}
			switch key {
			case "Connect":
				r.Connect = row
			case "Processing":
				r.Processing = row
			case "Waiting":
				r.Waiting = row
			case "Total":
				r.Total, have.total = row, true
			}
			continue
		case inPct && strings.HasSuffix(strings.Fields(line + " x")[0], "%"):
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			p, err1 := strconv.Atoi(strings.TrimSuffix(f[0], "%"))
			ms, err2 := strconv.ParseFloat(f[1], 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("reftool: ab percentile line %q", line)
			}
			r.Percentiles[p] = abMs(ms)
			continue
		case strings.HasPrefix(line, "(Connect:"):
			// (Connect: 0, Receive: 0, Length: 191, Exceptions: 0)
			s := strings.Trim(line, "()")
			for _, part := range strings.Split(s, ",") {
				k, v, _ := strings.Cut(part, ":")
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("reftool: ab failure breakdown %q: %w", line, err)
				}
				switch strings.TrimSpace(k) {
				case "Connect":
					r.FailedConnect = n
				case "Receive":
					r.FailedReceive = n
				case "Length":
					r.FailedLength = n
				case "Exceptions":
					r.FailedExceptions = n
				}
			}
			continue
		}
		if !ok {
			continue
		}
		var err error
		switch key {
		case "Concurrency Level":
			r.Concurrency, err = strconv.Atoi(val)
		case "Time taken for tests":
			var s float64
			s, err = strconv.ParseFloat(strings.TrimSuffix(val, " seconds"), 64)
			r.TimeTaken = time.Duration(math.Round(s * float64(time.Second)))
		case "Complete requests":
			r.Complete, err = strconv.ParseInt(val, 10, 64)
			have.complete = true
		case "Failed requests":
			r.Failed, err = strconv.ParseInt(val, 10, 64)
		case "Non-2xx responses":
			r.Non2xx, err = strconv.ParseInt(val, 10, 64)
		case "Requests per second":
			r.RequestsPerSec, err = strconv.ParseFloat(abFirstField(val), 64)
			have.rps = true
		case "Time per request":
			if r.TimePerRequest == 0 && strings.HasSuffix(val, "(mean)") {
				var ms float64
				ms, err = strconv.ParseFloat(abFirstField(val), 64)
				r.TimePerRequest = abMs(ms)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("reftool: ab line %q: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reftool: reading ab output: %w", err)
	}
	if !have.complete || !have.rps || !have.total {
		return nil, fmt.Errorf("reftool: ab output has no finished run (missing Complete requests, Requests per second or the Total row): %q", abTail(out, 300))
	}
	return r, nil
}

// parseAbTimes parses "min mean sd median max" (ms).
func parseAbTimes(s string) (AbTimes, error) {
	f := strings.Fields(s)
	if len(f) != 5 {
		return AbTimes{}, fmt.Errorf("want 5 columns, got %d", len(f))
	}
	var v [5]float64
	for i, x := range f {
		var err error
		if v[i], err = strconv.ParseFloat(x, 64); err != nil {
			return AbTimes{}, err
		}
	}
	return AbTimes{Min: abMs(v[0]), Mean: abMs(v[1]), SD: abMs(v[2]), Median: abMs(v[3]), Max: abMs(v[4])}, nil
}

func abMs(ms float64) time.Duration { return time.Duration(math.Round(ms * float64(time.Millisecond))) }

func abFirstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func abTail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
