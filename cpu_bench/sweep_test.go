package cpu_bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/teebench/teebench/internal/config"
)

// threadSweep is the thread counts of the compression benchmarks: the
// report's 1, 2, 4 ... 32 under the report profile, powers of two up to
// NumCPU (and NumCPU itself) under quick, 1 under smoke.
func threadSweep() []int {
	return config.Pick([]int{1}, upToCPUs(runtime.NumCPU()), []int{1, 2, 4, 8, 16, 32})
}

// upToCPUs returns 1, 2, 4 ... below n, then n.
func upToCPUs(n int) []int {
	var out []int
	for t := 1; t < n; t *= 2 {
		out = append(out, t)
	}
	return append(out, max(n, 1))
}

// dictSweep is the dictionary sizes (log2) of the compression benchmarks:
// the report's 22..25 under report, 22 otherwise.
func dictSweep() []int {
	return config.Pick([]int{22}, []int{22}, []int{22, 23, 24, 25})
}

// runWorkers runs b.N operations spread over n goroutines; worker w calls
// op(w) for each operation it takes. It returns the first error.
func runWorkers(n, total int, op func(w int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				if err := op(w); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runEach runs op(w) exactly per times on each of n goroutines, as 7-Zip's
// benchmark gives every thread the same work. It returns the errors joined.
func runEach(n, per int, op func(w int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range n {
		wg.Go(func() {
			for range per {
				if err := op(w); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lastLevelCache returns the total size in bytes of the last-level cache
// (the highest cache level, each distinct cache counted once), read from
// sysfs; ok is false when sysfs does not say.
func lastLevelCache() (total int64, ok bool) {
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/cache/index[0-9]*")
	level := 0
	seen := map[string]int64{}
	for _, d := range dirs {
		read := func(f string) string {
			b, _ := os.ReadFile(filepath.Join(d, f))
			return strings.TrimSpace(string(b))
		}
		if read("type") == "Instruction" {
			continue
		}
		l, err := strconv.Atoi(read("level"))
		if err != nil {
			continue
		}
		size, err := parseCacheSize(read("size"))
		if err != nil {
			continue
		}
		key := read("id") + "/" + read("shared_cpu_list")
		if l > level {
			level, seen = l, map[string]int64{}
		}
		if l == level {
			seen[key] = size
		}
	}
	for _, s := range seen {
		total += s
	}
	return total, total > 0
}

// parseCacheSize parses sysfs cache sizes such as "32768K".
func parseCacheSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cache size %q: %w", s, err)
	}
	return n * mult, nil
}

func TestUpToCPUs(t *testing.T) {
	for n, want := range map[int]string{1: "[1]", 2: "[1 2]", 6: "[1 2 4 6]", 8: "[1 2 4 8]"} {
		if got := fmt.Sprint(upToCPUs(n)); got != want {
			t.Errorf("upToCPUs(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestParseCacheSize(t *testing.T) {
	for in, want := range map[string]int64{"32768K": 32 << 20, "2M": 2 << 20, "512": 512} {
		if got, err := parseCacheSize(in); err != nil || got != want {
			t.Errorf("parseCacheSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseCacheSize("lots"); err == nil {
		t.Error("no error for a bad size")
	}
}
