package reftool

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Fixtures: real wrk 4.1 output, commands in testdata/wrk/README.md.
func TestParseWrk(t *testing.T) {
	r, err := ParseWrk(abWrkFixture(t, "wrk", "direct-c50.txt"))
	if err != nil {
		t.Fatal(err)
	}
	us := time.Microsecond
	checks := []struct {
		name      string
		got, want any
	}{
		{"Threads", r.Threads, 2},
		{"Connections", r.Connections, 50},
		{"LatencyMean", r.LatencyMean, 1050 * us},
		{"LatencyMax", r.LatencyMax, 11080 * us},
		{"p50", r.Percentiles[50], 544 * us},
		{"p99", r.Percentiles[99], 6640 * us},
		{"len(Percentiles)", len(r.Percentiles), 4},
		{"Requests", r.Requests, int64(146514)},
		{"Duration", r.Duration, 2010 * time.Millisecond},
		{"RequestsPerSec", r.RequestsPerSec, 73026.71},
		{"Errors", r.Errors(), int64(0)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseWrkErrors(t *testing.T) {
	r, err := ParseWrk(abWrkFixture(t, "wrk", "non2xx-c10.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Non2xx3xx != 35599 || r.Errors() != 35599 || r.Requests != 35599 {
		t.Errorf("non2xx: Non2xx3xx=%d Errors=%d Requests=%d, want 35599 each", r.Non2xx3xx, r.Errors(), r.Requests)
	}
	// nginx limit_req: each 503 counted once, as ab's and loadgen's
	// Errors count it (wrk compares no body lengths)
	r, err = ParseWrk(abWrkFixture(t, "wrk", "nginx-limit-req-script.txt"))
	if err != nil || !r.Exact || r.Requests != 23943 || r.Non2xx3xx != 23941 || r.Errors() != 23941 {
		t.Errorf("nginx limit_req: %v, Requests=%d Non2xx3xx=%d Errors=%d, want 23943 23941 23941", err, r.Requests, r.Non2xx3xx, r.Errors())
	}
	// nginx answering 200s of varying length: no error
	r, err = ParseWrk(abWrkFixture(t, "wrk", "nginx-varying-length-script.txt"))
	if err != nil || !r.Exact || r.Requests != 19228 || r.Errors() != 0 {
		t.Errorf("nginx varying length: %v, Requests=%d Errors=%d, want 19228 0", err, r.Requests, r.Errors())
	}
	r, err = ParseWrk(abWrkFixture(t, "wrk", "reset.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if r.ErrRead != 14513 || r.Requests != 0 || r.RequestsPerSec != 0 {
		t.Errorf("reset: ErrRead=%d Requests=%d RPS=%v", r.ErrRead, r.Requests, r.RequestsPerSec)
	}
	r, err = ParseWrk(abWrkFixture(t, "wrk", "tls-c20.txt"))
	if err != nil || r.Percentiles[90] != 950*time.Microsecond {
		t.Errorf("tls: %v, p90 = %v", err, r)
	}
}

func TestParseWrkBad(t *testing.T) {
	_, err := ParseWrk(abWrkFixture(t, "wrk", "refused.txt"))
	if err == nil || !strings.Contains(err.Error(), "unable to connect") {
		t.Errorf("refused: err = %v, want one quoting wrk's message", err)
	}
	if _, err := wrkDuration("12.5"); err == nil {
		t.Error("duration without unit accepted")
	}
	if d, err := wrkDuration("1.00m"); err != nil || d != time.Minute {
		t.Errorf("1.00m = %v, %v", d, err)
	}
}

// With WrkScript, the done() hook's exact values replace the rounded text
// (fixtures: real wrk 4.1 with -s WrkScript, testdata/wrk/README.md).
func TestParseWrkScript(t *testing.T) {
	r, err := ParseWrk(abWrkFixture(t, "wrk", "direct-c50-script.txt"))
	if err != nil {
		t.Fatal(err)
	}
	us := time.Microsecond
	checks := []struct {
		name      string
		got, want any
	}{
		{"Exact", r.Exact, true},
		{"Requests", r.Requests, int64(39162)},
		{"Duration", r.Duration, 2081590 * us},
		{"LatencyMin", r.LatencyMin, 26 * us},
		{"LatencyMean", r.LatencyMean, 6634247 * time.Nanosecond},
		{"LatencyMax", r.LatencyMax, 155077 * us},
		{"p50", r.Percentiles[50], 1867 * us},  // text: 1.87ms
		{"p99", r.Percentiles[99], 99221 * us}, // text: 99.22ms
		{"Errors", r.Errors(), int64(0)},
		{"RequestsPerSec", r.RequestsPerSec, 18813.50},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	r, err = ParseWrk(abWrkFixture(t, "wrk", "non2xx-c10-script.txt"))
	if err != nil || !r.Exact || r.Non2xx3xx != 25999 || r.Percentiles[50] != 244*us {
		t.Errorf("non2xx: %v, %+v", err, r)
	}
	// no request answered: error counts, and no latency at all (not zeros)
	r, err = ParseWrk(abWrkFixture(t, "wrk", "reset-script.txt"))
	if err != nil || !r.Exact || r.ErrRead != 1954 || r.Requests != 0 || len(r.Percentiles) != 0 || r.LatencyMean != 0 {
		t.Errorf("reset: %v, %+v", err, r)
	}
	// output of a wrk run without the script: parsed, but not exact
	if r, err := ParseWrk(abWrkFixture(t, "wrk", "direct-c50.txt")); err != nil || r.Exact {
		t.Errorf("text only: Exact = %v, %v", r.Exact, err)
	}
	if _, err := ParseWrk(abWrkFixture(t, "wrk", "refused-script.txt")); !errors.Is(err, ErrOutputFormat) || !strings.Contains(err.Error(), "unable to connect") {
		t.Errorf("refused: %v", err)
	}
	full := string(abWrkFixture(t, "wrk", "direct-c50-script.txt"))
	if _, err := ParseWrk([]byte(strings.Replace(full, "teebench-wrk v1 percentile p=99 us=99221\n", "", 1))); !errors.Is(err, ErrOutputFormat) {
		t.Errorf("missing p99 line: %v, want ErrOutputFormat", err)
	}
	if _, err := ParseWrk([]byte(strings.Replace(full, "us=1867", "us=abc", 1))); err == nil || !strings.Contains(err.Error(), "us=abc") {
		t.Errorf("malformed line: %v", err)
	}
}
