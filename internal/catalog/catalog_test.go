package catalog

import (
	"math"
	"testing"
)

// TestFioJobs: the nine published jobs in benchmark.sh's order, then the
// mechanism jobs; every job has report rows and a known --rw.
func TestFioJobs(t *testing.T) {
	want := []string{"read_iops", "write_iops", "read_bw", "write_bw", "read_latency", "write_latency", "read_seq", "write_seq", "rw_mix", "lat_qd1_read", "lat_qd1_write"}
	if len(FioJobs) != len(want) {
		t.Fatalf("%d jobs, want %d", len(FioJobs), len(want))
	}
	for i, j := range FioJobs {
		if j.Name != want[i] {
			t.Errorf("job %d: %s, want %s", i, j.Name, want[i])
		}
		if j.Mechanism != (i >= 9) {
			t.Errorf("%s: mechanism %v", j.Name, j.Mechanism)
		}
		switch j.RW {
		case "randread", "randwrite", "read", "write", "randrw":
		default:
			t.Errorf("%s: rw %q", j.Name, j.RW)
		}
		if len(j.Rows) == 0 {
			t.Errorf("%s: no report rows", j.Name)
		}
	}
	if _, ok := FioJobNamed("trim_iops"); ok {
		t.Error("an undeclared job is found")
	}
}

// TestGoals: the cross-check goals and where they apply.
func TestGoals(t *testing.T) {
	if met, ok := FioGoal("IOPS").Met(0.96); !ok || !met {
		t.Error("0.96 is within ±5%")
	}
	if met, ok := FioGoal("IOPS").Met(0.79); !ok || met {
		t.Error("0.79 is not within ±5%")
	}
	if _, ok := FioGoal("lat-p99-sec").Met(1); ok {
		t.Error("p99 latency has no goal")
	}
	if GatewayGoal("ab", "direct", "req/s") != GoalAtLeast1 || GatewayGoal("wrk", "direct", "req/s") != GoalAtLeast09 {
		t.Error("gateway goals")
	}
	if GatewayGoal("ab", "tls-proxy", "req/s") != NoGoal {
		t.Error("the TLS proxy's handshakes bound both clients: no goal")
	}
	if !GoalAtLeast09.Spans(0.85, 0.95) || GoalAtLeast09.Spans(0.95, math.Inf(1)) {
		t.Error("Spans")
	}
}
