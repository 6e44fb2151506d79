package benchenv

import (
	"strings"
	"syscall"
	"testing"
)

// fakeRusage makes getrusage report n involuntary switches for the process
// and m for its children.
func fakeRusage(t *testing.T, n, m int64) {
	t.Helper()
	old := getrusage
	getrusage = func(who int, ru *syscall.Rusage) error {
		*ru = syscall.Rusage{}
		if who == syscall.RUSAGE_SELF {
			ru.Nivcsw = n
		} else {
			ru.Nivcsw = m
		}
		return nil
	}
	t.Cleanup(func() { getrusage = old })
}

func runInfo(t *testing.T, lines []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range lines {
		k, v, ok := ParseRunInfo(l)
		if !ok {
			t.Fatalf("%q is not a run-info line", l)
		}
		if _, dup := out[k]; dup {
			t.Fatalf("key %s twice", k)
		}
		out[k] = v
	}
	return out
}

// TestRunInfoRealStat: two /proc/stat files taken a second apart on a
// Firecracker VM that exports no steal time (the column stays 0).
func TestRunInfoRealStat(t *testing.T) {
	fakeRoot(t, map[string]string{"proc/stat": readFixture(t, "proc-stat-before")})
	fakeRusage(t, 10, 5)
	before := TakeSample()
	fakeRoot(t, map[string]string{"proc/stat": readFixture(t, "proc-stat-after")})
	fakeRusage(t, 40, 1005)
	after := TakeSample()
	got := runInfo(t, RunInfoLines("cpu_bench", before, after))
	want := map[string]string{
		// 133 user + 72 system + 1 idle ticks.
		"steal":             "cpu_bench 0.00% (0 of 206 ticks)",
		"steal-accounting":  "never seen (the hypervisor may not export steal time: 0 then means unknown)",
		"involuntary-ctxsw": "cpu_bench 1030",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["swiotlb-used"]; ok {
		t.Errorf("swiotlb-used without debugfs: %q", got["swiotlb-used"])
	}
}

// TestRunInfoSteal: a guest whose hypervisor took 7% of its CPU time
// (/proc/stat lines in the kernel's layout), and a command line with
// no-steal-acc.
func TestRunInfoSteal(t *testing.T) {
	fakeRoot(t, map[string]string{"proc/stat": "cpu  1000 0 200 500 0 0 0 300 0 0\nctxt 1\n", "proc/cmdline": "ro\n"})
	before := TakeSample()
	fakeRoot(t, map[string]string{"proc/stat": "cpu  1760 0 300 560 5 0 5 370 0 0\nctxt 9\n", "proc/cmdline": "ro\n"})
	after := TakeSample()
	got := runInfo(t, RunInfoLines("", before, after))
	if got["steal"] != "7.00% (70 of 1000 ticks)" {
		t.Errorf("steal = %q", got["steal"])
	}
	if p, ok := StealPercent(got["steal"]); !ok || p != 7 {
		t.Errorf("StealPercent(%q) = %v, %v", got["steal"], p, ok)
	}
	if !strings.HasPrefix(got["steal-accounting"], "seen") {
		t.Errorf("steal-accounting = %q, want seen", got["steal-accounting"])
	}

	fakeRoot(t, map[string]string{"proc/stat": "cpu  1830 0 300 560 5 0 5 0 0 0\n", "proc/cmdline": "ro no-steal-acc\n"})
	s := TakeSample()
	if got := runInfo(t, RunInfoLines("", s, s)); !strings.HasPrefix(got["steal-accounting"], "off") {
		t.Errorf("steal-accounting with no-steal-acc = %q", got["steal-accounting"])
	}
	// A kernel without the steal column (before 2.6.11) has 4-7 fields.
	fakeRoot(t, map[string]string{"proc/stat": "cpu  1830 0 300 560 5 0 5\n"})
	s = TakeSample()
	got = runInfo(t, RunInfoLines("", s, s))
	if _, ok := got["steal"]; ok || !strings.HasPrefix(got["steal-accounting"], "not exported") {
		t.Errorf("without a steal column: %v", got)
	}
	if _, ok := StealPercent("n/a"); ok {
		t.Error("StealPercent accepted n/a")
	}
}

// TestRunInfoSwiotlb: debugfs counts the pool and its use in 2 KiB slabs;
// kernels before 6.6 have no high-water file.
func TestRunInfoSwiotlb(t *testing.T) {
	fakeRoot(t, map[string]string{
		"sys/kernel/debug/swiotlb/io_tlb_nslabs":       "524288\n",
		"sys/kernel/debug/swiotlb/io_tlb_used":         "6144\n",
		"sys/kernel/debug/swiotlb/io_tlb_used_hiwater": "15360\n",
	})
	s := TakeSample()
	if got := runInfo(t, RunInfoLines("io_bench", s, s))["swiotlb-used"]; got != "io_bench 12.0MiB of 1024.0MiB at the end (high-water 30.0MiB)" {
		t.Errorf("swiotlb-used = %q", got)
	}
	fakeRoot(t, map[string]string{
		"sys/kernel/debug/swiotlb/io_tlb_nslabs": "32768\n",
		"sys/kernel/debug/swiotlb/io_tlb_used":   "0\n",
	})
	s = TakeSample()
	if got := runInfo(t, RunInfoLines("", s, s))["swiotlb-used"]; got != "0.0MiB of 64.0MiB at the end" {
		t.Errorf("swiotlb-used = %q", got)
	}
	// Nothing readable: no lines at all.
	fakeRoot(t, map[string]string{})
	old := getrusage
	getrusage = func(int, *syscall.Rusage) error { return syscall.EPERM }
	t.Cleanup(func() { getrusage = old })
	s = TakeSample()
	if lines := RunInfoLines("x", s, s); len(lines) != 0 {
		t.Errorf("with nothing readable: %q", lines)
	}
}

// TestTakeSampleReal reads this machine's counters: /proc/stat always has
// the cpu line on Linux, and getrusage always answers for this process.
func TestTakeSampleReal(t *testing.T) {
	s := TakeSample()
	if !s.CPUOK || !s.NivcswOK {
		t.Fatalf("TakeSample on this machine: %+v", s)
	}
	var sum uint64
	for _, v := range s.CPU {
		sum += v
	}
	if sum == 0 {
		t.Errorf("/proc/stat cpu line all zero: %+v", s.CPU)
	}
}

func TestStealPercent(t *testing.T) {
	for in, want := range map[string]float64{
		"cpu_bench 7.00% (70 of 1000 ticks)": 7,
		"0.42% (12 of 2856 ticks)":           0.42,
	} {
		if got, ok := StealPercent(in); !ok || got != want {
			t.Errorf("StealPercent(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "cpu_bench", "x% (1 of 2)"} {
		if got, ok := StealPercent(in); ok {
			t.Errorf("StealPercent(%q) = %v, want not ok", in, got)
		}
	}
}
