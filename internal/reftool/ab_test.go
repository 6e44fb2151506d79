package reftool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

func TestParseAbFailures(t *testing.T) {
	tests := []struct {
		file                  string
		failed, length, non2x int64
	}{
		// a server with bodies of random length: ab's Length failures
		{"length-failures-c4.txt", 191, 191, 0},
		// 404 answers: Non-2xx, not Failed
		{"non2xx-c10.txt", 0, 0, 500},
		// keep-alive run without errors
		{"direct-keepalive-c20.txt", 0, 0, 0},
		{"direct-c50.txt", 0, 0, 0},
	}
	for _, tc := range tests {
		r, err := ParseAb(abWrkFixture(t, "ab", tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if r.Failed != tc.failed || r.FailedLength != tc.length || r.Non2xx != tc.non2x {
			t.Errorf("%s: Failed=%d Length=%d Non2xx=%d, want %d %d %d", tc.file, r.Failed, r.FailedLength, r.Non2xx, tc.failed, tc.length, tc.non2x)
		}
		if r.Errors() != tc.failed+tc.non2x {
			t.Errorf("%s: Errors() = %d", tc.file, r.Errors())
		}
		if r.RequestsPerSec <= 0 || r.Complete <= 0 {
			t.Errorf("%s: RequestsPerSec=%v Complete=%d", tc.file, r.RequestsPerSec, r.Complete)
		}
	}
}

func TestParseAbBad(t *testing.T) {
	// connection refused: ab prints an error and no results
	_, err := ParseAb(abWrkFixture(t, "ab", "refused.txt"))
	if err == nil || !strings.Contains(err.Error(), "no finished run") || !strings.Contains(err.Error(), "Connection refused") {
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
