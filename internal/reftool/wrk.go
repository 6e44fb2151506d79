package reftool

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WrkResult is what wrk 4.x prints with --latency (docs/methods.md §3), in the
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
	// Exact is true when the output holds the lines of WrkScript's done()
	// hook. Then Requests, Duration, the error counts, LatencyMean,
	// LatencyStdev, LatencyMax and Percentiles are wrk's own values at its
	// 1 µs resolution (percentiles from its full latency record, where the
	// text prints three significant digits), and LatencyMin is set.
	Exact      bool
	LatencyMin time.Duration
}

// WrkScript is a wrk Lua script (pass it with -s FILE) whose done() hook
// prints wrk's exact results as "teebench-wrk v1 ..." lines, which ParseWrk
// reads: the request count, duration and error counts of the summary, the
// latency minimum, maximum, mean and standard deviation, and the 50th, 75th,
// 90th and 99th percentiles from latency:percentile (microseconds).
const WrkScript = `-- teebench: wrk's exact results from its done() hook (latencies in us)
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("teebench-wrk v1 requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
  if summary.requests > 0 then
    io.write(string.format("teebench-wrk v1 latency min_us=%d max_us=%d mean_us=%.3f stdev_us=%.3f\n",
      latency.min, latency.max, latency.mean, latency.stdev))
    for _, p in ipairs({50, 75, 90, 99}) do
      io.write(string.format("teebench-wrk v1 percentile p=%d us=%d\n", p, latency:percentile(p)))
    end
  end
end
`

// WrkLookup finds wrk on PATH. The error wraps ErrNotInstalled when it is
// absent.
func WrkLookup() (string, error) { return Lookup("wrk", "wrk") }

// WrkScriptFile writes WrkScript into dir (a test's temporary directory,
// removed with it) and returns the file's path, for WrkArgs. Credentials
// in url (userinfo) go into the script, as a line that sets wrk's
// Authorization: Basic header, since wrk does not send userinfo: on wrk's
// command line (-H) every user of the machine could read them in ps. The
// file is written with mode 0600.
func WrkScriptFile(dir, url string) (string, error) {
	script := WrkScript
	if _, userpass := splitUserinfo(url); userpass != "" {
		// base64's alphabet needs no escaping in a Lua string.
		script = fmt.Sprintf("wrk.headers[\"Authorization\"] = \"Basic %s\"\n", base64.StdEncoding.EncodeToString([]byte(userpass))) + script
	}
	p := filepath.Join(dir, "teebench.lua")
	if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
		return "", fmt.Errorf("reftool: writing wrk's done() script: %w", err)
	}
	if err := os.Chmod(p, 0o600); err != nil { // an existing file keeps its mode
		return "", fmt.Errorf("reftool: wrk's script: %w", err)
	}
	return p, nil
}

// WrkArgs returns the wrk command line for c connections on threads
// threads to url for d (whole seconds, at least 1): --timeout 30s (ab's),
// --latency, and -s script, the file of WrkScriptFile, whose done() hook
// prints the exact values ParseWrk reads and which carries url's
// credentials. The URL on the command line has no userinfo.
func WrkArgs(threads, c int, d time.Duration, url, script string) []string {
	secs := max(int(d.Seconds()), 1)
	url, _ = splitUserinfo(url)
	return []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(c),
		"-d", strconv.Itoa(secs) + "s", "--timeout", "30s", "--latency", "-s", script, url}
}

// wrkScriptPrefix starts every line WrkScript prints.
const wrkScriptPrefix = "teebench-wrk v1 "

// Errors returns socket errors plus non-2xx/3xx responses (wrk counts a
// status of 400 and above there): each failed request once, as
// AbResult.Errors and loadgen count theirs. wrk does not compare body
// lengths, so it has no count of length changes.
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
	exact := map[string]float64{}
	var exactPct = map[int]time.Duration{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var err error
		switch {
		case strings.HasPrefix(line, wrkScriptPrefix):
			err = parseWrkScriptLine(strings.TrimPrefix(line, wrkScriptPrefix), exact, exactPct)
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
			sock := map[string]*int64{"connect": &r.ErrConnect, "read": &r.ErrRead, "write": &r.ErrWrite, "timeout": &r.ErrTimeout}
			err = parseCounts(strings.TrimPrefix(line, "Socket errors:"), sock)
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
		return nil, fmt.Errorf("reftool: wrk output has no finished run (missing \"requests in\" or Requests/sec): %w: %q", ErrOutputFormat, abTail(out, 300))
	}
	if len(exact) > 0 {
		if err := r.applyExact(exact, exactPct); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// parseWrkScriptLine reads the key=value fields of one WrkScript line into
// kv (summary and latency lines) or pct (percentile lines).
func parseWrkScriptLine(s string, kv map[string]float64, pct map[int]time.Duration) error {
	f := strings.Fields(s)
	if len(f) == 0 {
		return fmt.Errorf("empty teebench-wrk line")
	}
	vals := map[string]float64{}
	for _, x := range f[1:] {
		k, v, ok := strings.Cut(x, "=")
		n, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			return fmt.Errorf("bad field %q", x)
		}
		vals[k] = n
	}
	switch f[0] {
	case "percentile":
		p, okP := vals["p"]
		us, okU := vals["us"]
		if !okP || !okU {
			return fmt.Errorf("percentile line lacks p= or us=")
		}
		pct[int(p)] = time.Duration(us) * time.Microsecond
	default: // requests=... and latency lines
		if strings.HasPrefix(f[0], "requests=") {
			n, err := strconv.ParseFloat(strings.TrimPrefix(f[0], "requests="), 64)
			if err != nil {
				return fmt.Errorf("bad field %q", f[0])
			}
			vals["requests"] = n
		} else if f[0] != "latency" {
			return fmt.Errorf("unknown teebench-wrk line kind %q", f[0])
		}
		for k, v := range vals {
			kv[k] = v
		}
	}
	return nil
}

// applyExact replaces the rounded text values with the done() hook's.
func (r *WrkResult) applyExact(kv map[string]float64, pct map[int]time.Duration) error {
	for _, k := range []string{"requests", "duration_us", "connect", "read", "write", "status", "timeout"} {
		if _, ok := kv[k]; !ok {
			return fmt.Errorf("reftool: wrk done() output lacks %s: %w", k, ErrOutputFormat)
		}
	}
	us := func(k string) time.Duration { return time.Duration(math.Round(kv[k] * float64(time.Microsecond))) }
	r.Requests = int64(kv["requests"])
	r.Duration = us("duration_us")
	r.ErrConnect, r.ErrRead, r.ErrWrite, r.ErrTimeout = int64(kv["connect"]), int64(kv["read"]), int64(kv["write"]), int64(kv["timeout"])
	r.Non2xx3xx = int64(kv["status"])
	if r.Requests > 0 {
		for _, k := range []string{"min_us", "max_us", "mean_us", "stdev_us"} {
			if _, ok := kv[k]; !ok {
				return fmt.Errorf("reftool: wrk done() output lacks latency %s: %w", k, ErrOutputFormat)
			}
		}
		for _, p := range []int{50, 75, 90, 99} {
			if _, ok := pct[p]; !ok {
				return fmt.Errorf("reftool: wrk done() output lacks percentile %d: %w", p, ErrOutputFormat)
			}
		}
		r.LatencyMin, r.LatencyMax, r.LatencyMean, r.LatencyStdev = us("min_us"), us("max_us"), us("mean_us"), us("stdev_us")
		r.Percentiles = pct
	} else {
		// no request: wrk's text prints 0.00us for every latency; none is a measurement
		r.LatencyMin, r.LatencyMax, r.LatencyMean, r.LatencyStdev = 0, 0, 0, 0
		r.Percentiles = map[int]time.Duration{}
	}
	r.Exact = true
	return nil
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
