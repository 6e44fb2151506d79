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

// WrkResult is what wrk 4.x prints with --latency (METHODS.md §3), in the
// suite's units.
type WrkResult struct {
	// Threads and Connections are from "N threads and M connections".
	Threads, Connections int
	// LatencyMean, LatencyStdev and LatencyMax are the Latency row of
	// "Thread Stats" (per request, first byte sent to full response).
	LatencyMean, LatencyStdev, LatencyMax time.Duration
	// Percentiles maps 50, 75, 90, 99 to the "Latency Distribution" values
	// (present only with --latency).
	Percentiles map[int]time.Duration
	// Requests is the "N requests in D" count and Duration the D.
	Requests int64
	Duration time.Duration
	// RequestsPerSec is "Requests/sec".
	RequestsPerSec float64
	// SocketErrors are the "Socket errors" counts (0 when not printed).
	ErrConnect, ErrRead, ErrWrite, ErrTimeout int64
	// Non2xx3xx is "Non-2xx or 3xx responses" (0 when not printed).
	Non2xx3xx int64
}

// Errors returns socket errors plus non-2xx/3xx responses.
func (r *WrkResult) Errors() int64 {
	return r.ErrConnect + r.ErrRead + r.ErrWrite + r.ErrTimeout + r.Non2xx3xx
}

// ParseWrk parses wrk's standard output. It fails with a message naming
// what is missing when the output is not a finished wrk run (for example
// "unable to connect").
func ParseWrk(out []byte) (*WrkResult, error) {
	r := &WrkResult{Percentiles: map[int]time.Duration{}}
	var haveReq, haveRPS bool
	inDist := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var err error
		switch {
		case len(f) >= 5 && f[1] == "threads" && f[2] == "and":
			if r.Threads, err = strconv.Atoi(f[0]); err == nil {
				r.Connections, err = strconv.Atoi(f[3])
			}
		case f[0] == "Latency" && len(f) >= 4:
			if r.LatencyMean, err = wrkDuration(f[1]); err == nil {
				if r.LatencyStdev, err = wrkDuration(f[2]); err == nil {
					r.LatencyMax, err = wrkDuration(f[3])
				}
			}
		case line == "Latency Distribution":
			inDist = true
			continue
		case inDist && len(f) == 2 && strings.HasSuffix(f[0], "%"):
			var p float64
			if p, err = strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64); err == nil {
				r.Percentiles[int(p)], err = wrkDuration(f[1])
			}
			if err == nil {
				continue
			}
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			if r.Requests, err = strconv.ParseInt(f[0], 10, 64); err == nil {
				r.Duration, err = wrkDuration(strings.TrimSuffix(f[3], ","))
			}
			haveReq = true
		case strings.HasPrefix(line, "Socket errors:"):
			// Socket errors: connect 0, read 14513, write 0, timeout 0
			for _, part := range strings.Split(strings.TrimPrefix(line, "Socket errors:"), ",") {
				kv := strings.Fields(part)
				if len(kv) != 2 {
					err = fmt.Errorf("bad part %q", part)
					break
				}
				var n int64
				if n, err = strconv.ParseInt(kv[1], 10, 64); err != nil {
					break
				}
				switch kv[0] {
				case "connect":
					r.ErrConnect = n
				case "read":
					r.ErrRead = n
				case "write":
					r.ErrWrite = n
				case "timeout":
					r.ErrTimeout = n
				}
			}
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			r.Non2xx3xx, err = strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")), 10, 64)
		case f[0] == "Requests/sec:" && len(f) == 2:
			r.RequestsPerSec, err = strconv.ParseFloat(f[1], 64)
			haveRPS = true
		}
		inDist = false
		if err != nil {
			return nil, fmt.Errorf("reftool: wrk line %q: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reftool: reading wrk output: %w", err)
	}
	if !haveReq || !haveRPS {
		return nil, fmt.Errorf("reftool: wrk output has no finished run (missing \"requests in\" or Requests/sec): %q", abTail(out, 300))
	}
	return r, nil
}

// wrkDuration parses wrk's format_time values: 544.00us, 1.28ms, 2.01s,
// 1.00m, 1.00h.
func wrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		d      time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}}
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("bad duration %q", s)
			}
			return time.Duration(math.Round(x * float64(u.d))), nil
		}
	}
	return 0, fmt.Errorf("duration %q has no unit (us, ms, s, m, h)", s)
}
