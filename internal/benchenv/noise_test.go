package benchenv

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestSpreadOf(t *testing.T) {
	ms := time.Millisecond
	s := spreadOf([]time.Duration{90 * ms, 100 * ms, 110 * ms})
	if s.N != 3 || s.Mean != 100*ms || s.Min != 90*ms || s.Max != 110*ms {
		t.Fatalf("spreadOf = %+v", s)
	}
	if math.Abs(s.CV-10) > 1e-9 { // sd 10ms over mean 100ms
		t.Errorf("CV = %v, want 10", s.CV)
	}
	if s := spreadOf([]time.Duration{ms, ms, ms}); s.CV != 0 {
		t.Errorf("CV of equal samples = %v", s.CV)
	}
}

// TestNoiseCheck runs a short calibration: both loops give at least three
// samples, and the lines read back as run-info lines with their spread.
func TestNoiseCheck(t *testing.T) {
	n := NoiseCheck(400 * time.Millisecond)
	for _, s := range []Spread{n.CPU, n.Mem} {
		if s.N < 3 || s.Mean <= 0 || s.Min > s.Mean || s.Max < s.Mean || s.CV < 0 {
			t.Errorf("spread %+v", s)
		}
	}
	lines := n.RunInfoLines()
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	for i, want := range []string{"noise-cpu", "noise-mem"} {
		k, v, ok := ParseRunInfo(lines[i])
		if !ok || k != want || !strings.Contains(v, "cv over") {
			t.Fatalf("line %q", lines[i])
		}
		cv := []float64{n.CPU.CV, n.Mem.CV}[i]
		if p, ok := NoisePercent(v); !ok || math.Abs(p-cv) > 0.006 {
			t.Errorf("NoisePercent(%q) = %v, %v; want %.2f", v, p, ok, cv)
		}
	}
}
