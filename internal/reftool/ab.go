package reftool

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrOutputFormat is wrapped by the parsers when a tool ran to completion
// but its output lacks the fields this version of the suite reads (another
// ab or wrk version, or a wrk without Lua scripting). Benchmarks skip with
// the reason rather than report zeros.
var ErrOutputFormat = errors.New("output lacks the expected fields")

// AbLookup finds ApacheBench's ab on PATH. The error wraps ErrNotInstalled
// when it is absent.
func AbLookup() (string, error) { return Lookup("ApacheBench", "ab") }

// AbArgs returns the ab command line for n requests over c connections to
// url (ab -n N -c C, -k with keepAlive): -r (go on after socket errors, so
// they are counted) and -s 30 (ab's default timeout, written down). csv,
// when not empty, is the file for ab -e (percentiles to 0.001 ms; see
// ParseAbCSV). Credentials in url go as -A user:password, since ab rejects
// userinfo in a URL and has no other way to take them: while ab runs,
// every user of the machine can read them in ps (AbCredentialNote says so).
func AbArgs(n, c int, keepAlive bool, url, csv string) []string {
	args := []string{"-n", strconv.Itoa(n), "-c", strconv.Itoa(c), "-r", "-s", "30"}
	if keepAlive {
		args = append(args, "-k")
	}
	if csv != "" {
		args = append(args, "-e", csv)
	}
	url, userpass := splitUserinfo(url)
	if userpass != "" {
		args = append(args, "-A", userpass)
	}
	return append(args, url)
}

// AbCredentialNote returns a note for the run's log when url carries
// credentials, which ab can only take on its command line (-A), where
// every user of the machine can read them (ps, /proc/<pid>/cmdline) while
// it runs; "" when url has none.
func AbCredentialNote(url string) string {
	if _, userpass := splitUserinfo(url); userpass == "" {
		return ""
	}
	return "note: ab takes the target's credentials only on its command line (-A user:password): other users of this machine can read them in ps while ab runs"
}

// AbResult is what ApacheBench 2.3 prints (docs/methods.md §3), in the suite's
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

// Errors returns the requests that did not get a 2xx answer, each once:
// ab's failed connects, receives and exceptions plus its non-2xx
// responses. ab's "Failed requests" also counts Length (a body whose length
// differs from the first answer's), which is no error and which ab counts
// again as non-2xx when the answer is, say, a 503 page: Errors leaves it
// out; LengthChanges reports it.
func (r *AbResult) Errors() int64 {
	return r.FailedConnect + r.FailedReceive + r.FailedExceptions + r.Non2xx
}

// LengthChanges returns ab's Length failures: answers, of any status,
// whose body length differs from the first answer's.
func (r *AbResult) LengthChanges() int64 { return r.FailedLength }

// ParseAb parses the standard output of `ab` (ApacheBench 2.3). It fails
// with a message naming what is missing when the output is not a finished
// ab run (for example "unable to connect", or a truncated run).
func ParseAb(out []byte) (*AbResult, error) {
	r := &AbResult{Percentiles: map[int]time.Duration{}}
	var have struct{ complete, rps, total bool }
	sc := bufio.NewScanner(bytes.NewReader(out))
	inTimes, inPct := false, false
	timeRows := map[string]*AbTimes{"Connect": &r.Connect, "Processing": &r.Processing, "Waiting": &r.Waiting, "Total": &r.Total}
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
		case inTimes && ok && timeRows[key] != nil:
			row, err := parseAbTimes(val)
			if err != nil {
				return nil, fmt.Errorf("reftool: ab Connection Times row %q: %w", line, err)
			}
			*timeRows[key] = row
			have.total = have.total || key == "Total"
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
			failed := map[string]*int64{"Connect": &r.FailedConnect, "Receive": &r.FailedReceive, "Length": &r.FailedLength, "Exceptions": &r.FailedExceptions}
			if err := parseCounts(strings.Trim(line, "()"), failed); err != nil {
				return nil, fmt.Errorf("reftool: ab failure breakdown %q: %w", line, err)
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
		return nil, fmt.Errorf("reftool: ab output has no finished run (missing Complete requests, Requests per second or the Total row): %w: %q", ErrOutputFormat, abTail(out, 300))
	}
	if sum := r.FailedConnect + r.FailedReceive + r.FailedLength + r.FailedExceptions; sum != r.Failed {
		// Errors reads the breakdown: without it, failures would go uncounted
		return nil, fmt.Errorf("reftool: ab's %d failed requests do not add up from its breakdown (Connect, Receive, Length, Exceptions: %d): %w", r.Failed, sum, ErrOutputFormat)
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

// AbCSV is the table ab writes with `-e file.csv`: for p = 0..100 the total
// time of request sorted[floor(0.5 + n*p/100)] to 0.001 ms (1 µs), where
// the text output rounds to whole milliseconds. The rule is
// latency.ABCSVPercentile.
type AbCSV struct {
	// Times maps each percentage ab printed to its time.
	Times map[int]time.Duration
}

// abCSVHeader is the first line of ab's -e file.
const abCSVHeader = "Percentage served,Time in ms"

// ParseAbCSV parses the file ab writes with -e. It fails, wrapping
// ErrOutputFormat, when the header or the rows 0..99 are missing, and names
// the line of any malformed row.
func ParseAbCSV(b []byte) (*AbCSV, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != abCSVHeader {
		return nil, fmt.Errorf("reftool: ab -e file does not start with %q: %w", abCSVHeader, ErrOutputFormat)
	}
	c := &AbCSV{Times: map[int]time.Duration{}}
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		ps, ms, ok := strings.Cut(l, ",")
		p, err1 := strconv.Atoi(ps)
		v, err2 := strconv.ParseFloat(ms, 64)
		if !ok || err1 != nil || err2 != nil || p < 0 || p > 100 || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("reftool: ab -e row %q is not PERCENT,MILLISECONDS", l)
		}
		c.Times[p] = abMs(v)
	}
	for p := range 100 {
		if _, ok := c.Times[p]; !ok {
			return nil, fmt.Errorf("reftool: ab -e file has no row for %d%%: %w", p, ErrOutputFormat)
		}
	}
	return c, nil
}

// Percentile returns ab's CSV time for integer percentage p of a run of n
// completed requests. ok is false when ab has no row for p, or when ab's
// index floor(0.5 + n*p/100) lies past its n samples: ab does not check it
// and prints whatever memory follows (0.257 ms for p >= 95 of a 10-request
// run in testdata/ab/steps-n10.csv), so that row is not a measurement.
func (c *AbCSV) Percentile(p int, n int64) (d time.Duration, ok bool) {
	v, ok := c.Times[p]
	if !ok || n <= 0 {
		return 0, false
	}
	if p > 0 && p < 100 && int64(math.Floor(0.5+float64(n)*float64(p)/100)) >= n {
		return 0, false
	}
	return v, true
}
