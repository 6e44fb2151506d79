// Package fixed is a benchmark package whose benchmarks report fixed
// metrics (ns/op overridden, counts set by -benchtime Nx), so that its
// result lines are the same on every run: the runner's test compares its
// result file with `go test -bench` output of this package.
package fixed

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	fmt.Println("tee: none")
	fmt.Println("profile: smoke")
	if o := os.Getenv("TEEBENCH_ORDER"); o != "" {
		fmt.Println("order:", o)
	}
	os.Exit(m.Run())
}

func BenchmarkFixed(b *testing.B) {
	for range b.N {
	}
	b.ReportMetric(1000, "ns/op")
	b.ReportMetric(42.5, "widgets/op")
}

func BenchmarkSweep(b *testing.B) {
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for range b.N {
			}
			b.ReportMetric(float64(100*n), "ns/op")
			b.ReportMetric(float64(n)/4, "MB/s")
		})
	}
}
