package reftool

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/latency"
)

func abWrkFixture(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Fixtures: real ab 2.3 output, commands in testdata/ab/README.md.
func TestParseAbTLS(t *testing.T) {
	r, err := ParseAb(abWrkFixture(t, "ab", "tls-c50.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	checks := []struct {
		name      string
		got, want any
	}{
		{"Concurrency", r.Concurrency, 50},
		{"TimeTaken", r.TimeTaken, 1055 * ms},
		{"Complete", r.Complete, int64(1000)},
		{"Failed", r.Failed, int64(0)},
		{"Non2xx", r.Non2xx, int64(0)},
		{"RequestsPerSec", r.RequestsPerSec, 947.48},
		{"TimePerRequest", r.TimePerRequest, 52772 * time.Microsecond},
		{"Connect", r.Connect, AbTimes{Min: 1 * ms, Mean: 5 * ms, SD: 4900 * time.Microsecond, Median: 4 * ms, Max: 33 * ms}},
		{"Total.Max", r.Total.Max, 83 * ms},
		{"Waiting.Median", r.Waiting.Median, 44 * ms},
		{"p50", r.Percentiles[50], 48 * ms},
		{"p99", r.Percentiles[99], 76 * ms},
		{"p100", r.Percentiles[100], 83 * ms},
		{"len(Percentiles)", len(r.Percentiles), 9},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// Errors counts each request without a 2xx answer once; a body whose
// length differs from the first answer's is a length change, not an
// error, even when ab counts it as a failed request.
func TestParseAbFailures(t *testing.T) {
	tests := []struct {
		file                    string
		complete, failed, non2x int64
		errors, lengthChanges   int64
	}{
		// a server with bodies of random length: ab's Length failures
		{"length-failures-c4.txt", 200, 191, 0, 0, 191},
		// 404 answers: Non-2xx, not Failed
		{"non2xx-c10.txt", 500, 0, 500, 500, 0},
		// nginx limit_req: 41 of 42 answers are its 503 page, which ab
		// counts twice (Length and Non-2xx): 82 "errors" of 42 requests
		// before Errors left Length out
		{"nginx-limit-req-n42.txt", 42, 41, 41, 41, 41},
		// nginx answering 200 "conn $connection $request_id$connection_requests":
		// every answer good, 1988 of 2000 of another length
		{"nginx-varying-length-n2000.txt", 2000, 1988, 0, 0, 1988},
		// keep-alive run without errors
		{"direct-keepalive-c20.txt", 2000, 0, 0, 0, 0},
		{"direct-c50.txt", 2000, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		r, err := ParseAb(abWrkFixture(t, "ab", tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if r.Complete != tc.complete || r.Failed != tc.failed || r.Non2xx != tc.non2x {
			t.Errorf("%s: Complete=%d Failed=%d Non2xx=%d, want %d %d %d", tc.file, r.Complete, r.Failed, r.Non2xx, tc.complete, tc.failed, tc.non2x)
		}
		if r.Errors() != tc.errors || r.LengthChanges() != tc.lengthChanges {
			t.Errorf("%s: Errors()=%d LengthChanges()=%d, want %d %d", tc.file, r.Errors(), r.LengthChanges(), tc.errors, tc.lengthChanges)
		}
		if r.Errors() > r.Complete {
			t.Errorf("%s: %d errors of %d requests", tc.file, r.Errors(), r.Complete)
		}
		if r.RequestsPerSec <= 0 || r.Complete <= 0 {
			t.Errorf("%s: RequestsPerSec=%v Complete=%d", tc.file, r.RequestsPerSec, r.Complete)
		}
	}
	// "Failed requests" without the breakdown Errors reads is not counted
	// as no error
	b := abWrkFixture(t, "ab", "nginx-limit-req-n42.txt")
	cut := regexp.MustCompile(`(?m)^\s*\(Connect: .*\n`).ReplaceAll(b, nil)
	if bytes.Equal(cut, b) {
		t.Fatal("fixture has no breakdown line")
	}
	if _, err := ParseAb(cut); !errors.Is(err, ErrOutputFormat) || !strings.Contains(err.Error(), "41 failed requests") {
		t.Errorf("Failed requests without breakdown: err = %v, want ErrOutputFormat naming 41 failed requests", err)
	}
}

func TestParseAbBad(t *testing.T) {
	// connection refused: ab prints an error and no results
	_, err := ParseAb(abWrkFixture(t, "ab", "refused.txt"))
	if err == nil || !strings.Contains(err.Error(), "no finished run") || !strings.Contains(err.Error(), "Connection refused") || !errors.Is(err, ErrOutputFormat) {
		t.Errorf("refused: err = %v, want 'no finished run' quoting ab's message", err)
	}
	// truncated output: cut before the Connection Times table
	full := abWrkFixture(t, "ab", "direct-c50.txt")
	i := strings.Index(string(full), "Connection Times")
	if _, err := ParseAb(full[:i]); err == nil {
		t.Error("truncated output parsed without error")
	}
	if _, err := ParseAb([]byte("Complete requests:      abc\n")); err == nil || !strings.Contains(err.Error(), "Complete requests") {
		t.Errorf("bad number: err = %v, want one naming the line", err)
	}
}

// ab -e: the CSV table has the text percentiles' samples to 0.001 ms
// (fixture: testdata/ab/direct-c50-e.*, one run).
func TestParseAbCSV(t *testing.T) {
	c, err := ParseAbCSV(abWrkFixture(t, "ab", "direct-c50-e.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseAb(abWrkFixture(t, "ab", "direct-c50-e.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Times) != 101 || c.Times[0] != 702*time.Microsecond || c.Times[100] != 91789*time.Microsecond {
		t.Errorf("%d rows, p0 %v, p100 %v", len(c.Times), c.Times[0], c.Times[100])
	}
	for _, p := range []int{50, 99} {
		v, ok := c.Percentile(p, r.Complete)
		if !ok {
			t.Fatalf("p%d of %d requests not available", p, r.Complete)
		}
		// the text prints the same sample (floor(n*p/100) = floor(0.5+n*p/100)
		// for n = 2000) rounded to whole ms
		if got := v.Round(time.Millisecond); got != r.Percentiles[p] {
			t.Errorf("p%d: CSV %v rounds to %v, text says %v", p, v, got, r.Percentiles[p])
		}
	}
	if v, _ := c.Percentile(99, r.Complete); v != 85457*time.Microsecond {
		t.Errorf("p99 = %v, want 85.457ms", v)
	}
}

// The CSV rule (latency.ABCSVPercentile, rank rounded half up) against
// real ab: 10 requests of well-separated times, the per-request times from
// the same run's -g file (whole ms), testdata/ab/steps-n10.*.
func TestAbCSVRuleMatchesAb(t *testing.T) {
	c, err := ParseAbCSV(abWrkFixture(t, "ab", "steps-n10.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var samples []time.Duration
	for i, l := range strings.Split(strings.TrimSpace(string(abWrkFixture(t, "ab", "steps-n10.tsv"))), "\n") {
		if i == 0 {
			continue // header
		}
		f := strings.Split(l, "\t")
		ms, err := strconv.Atoi(f[4]) // ttime
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, time.Duration(ms)*time.Millisecond)
	}
	slices.Sort(samples)
	n := int64(len(samples))
	for p := 0; p <= 100; p++ {
		v, ok := c.Percentile(p, n)
		if !ok {
			if p < 95 {
				t.Errorf("p%d of %d: not available", p, n)
			}
			continue
		}
		if d := v - latency.ABCSVPercentile(samples, float64(p)); d < -time.Millisecond/2 || d > time.Millisecond/2 {
			t.Errorf("p%d: ab CSV %v, rule on ab's -g samples %v", p, v, latency.ABCSVPercentile(samples, float64(p)))
		}
	}
	// p5 is sorted[1] (11.870 ms), where the floor rule gives sorted[0] (7 ms)
	if v, _ := c.Percentile(5, n); v != 11870*time.Microsecond || latency.ABPercentile(samples, 5) != 7*time.Millisecond {
		t.Errorf("p5 = %v", v)
	}
	// ab reads past its 10 samples for p >= 95 and prints 0.257 ms there
	if raw := c.Times[99]; raw >= c.Times[94] {
		t.Errorf("fixture changed: p99 row %v", raw)
	}
	if _, ok := c.Percentile(99, n); ok {
		t.Error("p99 of 10 requests lies past ab's samples but was accepted")
	}
}

func TestParseAbCSVBad(t *testing.T) {
	full := string(abWrkFixture(t, "ab", "direct-c50-e.csv"))
	for name, in := range map[string]string{
		"no header":   strings.SplitN(full, "\n", 2)[1],
		"missing p99": strings.Replace(full, "99,85.457\n", "", 1),
		"empty":       "",
	} {
		if _, err := ParseAbCSV([]byte(in)); !errors.Is(err, ErrOutputFormat) {
			t.Errorf("%s: err = %v, want ErrOutputFormat", name, err)
		}
	}
	if _, err := ParseAbCSV([]byte(strings.Replace(full, "50,26.918", "50,x", 1))); err == nil || !strings.Contains(err.Error(), "50,x") {
		t.Errorf("malformed row: err = %v, want one naming the row", err)
	}
}
