//go:build gpu

package gpu_bench

import (
	"strings"
	"testing"
)

// The mechanism benchmarks' bodies run on the mock driver: every case
// completes and reports, pinned cases skip in CC mode, and a load that
// does not fit skips with the reason.
func TestMechanismsOnMockDriver(t *testing.T) {
	e, _ := mockEnv(t, ccOff)
	eOn := *e
	eOn.cc = ccOn
	for _, dir := range []string{dirH2D, dirD2H} {
		for _, mem := range []string{memPinned, memPageable} {
			res, failed, skipped := bench(t, func(b *testing.B) { benchCopyLatency(b, e, dir, mem) })
			if failed || skipped || res.N != 3 || res.NsPerOp() <= 0 {
				t.Errorf("latency %s %s: failed=%v skipped=%v N=%d ns/op=%d", dir, mem, failed, skipped, res.N, res.NsPerOp())
			}
			_, failed, skipped = bench(t, func(b *testing.B) { benchCopyLatency(b, &eOn, dir, mem) })
			if want := mem == memPinned; failed || skipped != want {
				t.Errorf("cc on, latency %s %s: failed=%v skipped=%v, want skipped=%v", dir, mem, failed, skipped, want)
			}
		}
	}
	for _, dirs := range streamPatterns {
		for _, mem := range []string{memPinned, memPageable} {
			res, failed, skipped := bench(t, func(b *testing.B) { benchCopyStreams(b, e, dirs, mem, 1<<20) })
			if failed || skipped || res.N != 3 || res.Extra["B/s"] <= 0 {
				t.Errorf("streams %v %s: failed=%v skipped=%v N=%d B/s=%v", dirs, mem, failed, skipped, res.N, res.Extra["B/s"])
			}
			_, failed, skipped = bench(t, func(b *testing.B) { benchCopyStreams(b, &eOn, dirs, mem, 1<<20) })
			if want := mem == memPinned; failed || skipped != want {
				t.Errorf("cc on, streams %v %s: failed=%v skipped=%v, want skipped=%v", dirs, mem, failed, skipped, want)
			}
		}
	}
	// 8 MiB in 3 MiB chunks: the last chunk is short, and the check of the
	// buffer's ends after the loads covers it.
	res, failed, skipped := bench(t, func(b *testing.B) { benchLoad(b, e, 8<<20, 3<<20) })
	if failed || skipped || res.N != 3 || res.Extra["B/s"] <= 0 {
		t.Errorf("load: failed=%v skipped=%v N=%d B/s=%v", failed, skipped, res.N, res.Extra["B/s"])
	}
	// The mock has 768 MiB free of 1 GiB.
	if _, failed, skipped := bench(t, func(b *testing.B) { benchLoad(b, e, 1<<30, loadChunk) }); failed || !skipped {
		t.Errorf("load larger than free memory: failed=%v skipped=%v", failed, skipped)
	}
}

func TestLoadFits(t *testing.T) {
	for _, tc := range []struct {
		size           int64
		devFree, avail uint64
		want           string
	}{
		{1 << 30, 80 << 30, 64 << 30, ""},
		{16 << 30, 80 << 30, 0, ""}, // MemAvailable unknown: not a reason
		{16 << 30, 17 << 30, 64 << 30, "needs 16.0GiB of device memory, 17.0GiB free"},
		{16 << 30, 80 << 30, 30 << 30, "needs 16.0GiB of host memory, MemAvailable 30.0GiB"},
	} {
		got := loadFits(tc.size, tc.devFree, tc.avail)
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("loadFits(%d, %d, %d) = %q, want %q...", tc.size, tc.devFree, tc.avail, got, tc.want)
		}
	}
}
