package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirstScreen: the summary table comes right under the title (before
// the method paragraph and the environment), with a row for every area,
// GPU as "not measured" with the skip's reason.
func TestFirstScreen(t *testing.T) {
	got, _ := render(t, derived)
	lines := strings.Split(got, "\n")
	hdr := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "| area | headline (benchmark, unit) | base `none` | TEE `tdx` (unattested) | TEE cost [95% CI] (+ = worse) | TEE/base time × |") {
			hdr = i
			break
		}
	}
	if hdr < 0 || hdr > 12 {
		t.Fatalf("summary table header at line %d, want within the first 12 lines:\n%s", hdr+1, strings.Join(lines[:20], "\n"))
	}
	body := strings.Join(lines[hdr:], "\n")
	for _, a := range []string{"Storage", "Network", "CPU", "Memory", "zk", "GPU", "LLM", "Mechanisms"} {
		if !strings.Contains(body, "\n| "+a+" | ") {
			t.Errorf("summary has no %s row", a)
		}
	}
	if m, e := strings.Index(got, "*Method.*"), strings.Index(got, "## Environment"); m < strings.Index(got, "| Mechanisms |") || e < m {
		t.Error("the method paragraph must follow the summary table and precede the environment")
	}
	if !strings.Contains(got, "| Storage | Random read IOPS (4K QD64), fio (`Fio/job=read_iops/engine=fio`, IOPS) | 79.76k ±1% | 63.81k ±1% | +20.00% [+19.0, +21.0] | 1.25× |") {
		t.Error("storage headline is not fio's read IOPS with its cost and slowdown")
	}
}

// TestFewRunsBanner: with n < 6 one banner at the top says what is
// withheld; no cell repeats it and no ±∞ appears.
func TestFewRunsBanner(t *testing.T) {
	got, _ := render(t, []string{"run1=testdata/real-run1.txt", "run2=testdata/real-run2.txt"})
	if n := strings.Count(got, "**Too few runs for statistics:**"); n != 1 {
		t.Errorf("%d banners, want 1", n)
	}
	if i := strings.Index(got, "**Too few runs for statistics:**"); i > strings.Index(got, "| area |") {
		t.Error("the banner is not above the summary")
	}
	for _, bad := range []string{"±∞", "too few runs for a significance test", "need >= 6 samples"} {
		if strings.Contains(got, bad) {
			t.Errorf("report still shows %q", bad)
		}
	}
	got, _ = render(t, derived)
	if !strings.Contains(got, "**Too few runs for statistics:**") { // one fio row has n=3
		t.Error("derived report (one row n=3) lacks the banner")
	}
}

// TestSlowdown: +20% of throughput and +25% of latency are the same 1.25×.
func TestSlowdown(t *testing.T) {
	if s := Slowdown(100, 80, Higher); math.Abs(s-1.25) > 1e-12 {
		t.Errorf("throughput 100 → 80: %v, want 1.25", s)
	}
	if s := Slowdown(100, 125, Lower); math.Abs(s-1.25) > 1e-12 {
		t.Errorf("latency 100 → 125: %v, want 1.25", s)
	}
	if s := Slowdown(1, 2, Neutral); !math.IsNaN(s) {
		t.Errorf("neutral: %v, want NaN", s)
	}
}

// TestToleranceBand: "consistent" is the published overhead inside our
// interval widened by max(3 points, 10% of the published figure).
func TestToleranceBand(t *testing.T) {
	dl := Delta{OK: true, Overhead: 38.6, Lo: 37.9, Hi: 39.3}
	for _, tc := range []struct {
		pub  float64
		want string
	}{
		{38.6, "consistent"},
		{43.5, "consistent"},            // 39.3 + max(3, 4.35) = 43.65
		{44.0, "smaller overhead here"}, // beyond 39.3 + 4.4
		{34.9, "consistent"},            // 37.9 - max(3, 3.49) = 34.41
		{34.0, "larger overhead here"},
	} {
		if v := Verdict(PubOverhead{Pct: tc.pub}, dl, 6, 6); v != tc.want {
			t.Errorf("published %v against [37.9, 39.3]: %q, want %q", tc.pub, v, tc.want)
		}
	}
}

// TestCrossCheckGoals: the cross-check tables show scripts/crosscheck's
// goal per figure and whether each arm's ratio meets it, so a ratio of
// 0.79 no longer reads as agreement.
func TestCrossCheckGoals(t *testing.T) {
	got, _ := render(t, derived)
	for _, w := range []string{
		"| figure (unit) | goal | none go/fio | tdx go/fio |",
		"| Random read bandwidth (128K QD64) (B/s) | within ±5% | 0.7907 ✗ | 0.7907 ✗ |",
		"| Random read IOPS (4K QD64) (IOPS) | within ±5% | 1.015 ✓ | 1.015 ✓ |",
		"| p99 read latency (4K QD4) (lat-p99-sec) | none (context) |",
		"| QPS path=direct keepalive=off c=50 (req/s) | ≥ 1.0 | 0.8296 ✗ |",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("cross-check lacks %q", w)
		}
	}
}

// TestHeadlineReferenceTool: the headline comes from the reference tool
// when it ran in every arm, from the Go engine when it did not.
func TestHeadlineReferenceTool(t *testing.T) {
	got, _ := render(t, derived)
	if !strings.Contains(got, "| Network | TLS proxy QPS, keepalive=off, c=200, ab (`Gateway/path=tls-proxy/keepalive=off/c=200/client=ab`, req/s) |") {
		t.Error("network headline is not ab's")
	}
	// Without fio rows in the TEE arm, the storage headline is the Go engine's.
	dir := t.TempDir()
	b, err := os.ReadFile(derived[1])
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "/engine=fio") {
			keep = append(keep, l)
		}
	}
	tee := filepath.Join(dir, "tee.txt")
	if err := os.WriteFile(tee, []byte(strings.Join(keep, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ = render(t, []string{derived[0], tee})
	if !strings.Contains(got, "| Storage | Random read IOPS (4K QD64), Go (reference not in every arm) (`Fio/job=read_iops/engine=go`, IOPS) |") {
		t.Errorf("storage headline without fio in the TEE arm:\n%s", got[:3000])
	}
}
