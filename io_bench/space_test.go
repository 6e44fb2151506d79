package io_bench

import "testing"

// BenchmarkFio asks PrepareFile for room for the shared test file and for
// the largest file fio lays out itself beside it (engine=fio-ownfile),
// which the free-space check once left out.
func TestFileSizesCountFioOwnFile(t *testing.T) {
	for _, p := range []string{"smoke", "quick", "report"} {
		t.Setenv("TEEBENCH_PROFILE", p)
		specs := Specs(ProfileSizes())
		var largest int64
		for _, s := range specs {
			largest = max(largest, s.Job.FileSize())
		}
		size, own := fileSizes(specs, true)
		if size != largest || own != largest {
			t.Errorf("%s: test file %d MiB, beside it %d MiB; want %d MiB each", p, size>>20, own>>20, largest>>20)
		}
		if _, own := fileSizes(specs, false); own != 0 {
			t.Errorf("%s without fio: %d MiB beside the test file, want 0", p, own>>20)
		}
	}
}
