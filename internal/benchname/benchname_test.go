package benchname

import "testing"

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{
		64: "64B", 4096: "4KiB", 64 << 10: "64KiB", 1 << 20: "1MiB", 64 << 20: "64MiB",
		1 << 30: "1GiB", 3 << 30: "3GiB", 1536: "1536B", 1<<20 + 1024: "1025KiB",
	} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
