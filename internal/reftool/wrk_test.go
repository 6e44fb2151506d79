package reftool

import (
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
