package cpu_bench

import (
	"crypto/sha256"
	"testing"

	"github.com/teebench/teebench/internal/benchname"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/sevenzip"
)

// BenchmarkMemLatency measures the load-to-use latency of main memory:
// dependent loads along a random cycle over size bytes, one op = one load,
// so ns/op is the mean latency of one load (TLB misses included: the pages
// are whatever the Go heap gets). 64MiB exceeds most last-level caches;
// 1GiB also defeats the TLB reach. Smoke runs 64MiB only.
func BenchmarkMemLatency(b *testing.B) {
	sizes := config.Pick([]int{64 << 20}, []int{64 << 20, 1 << 30}, []int{64 << 20, 1 << 30})
	for _, size := range sizes {
		var chain []uint64
		var p uint64
		b.Run("size="+benchname.Size(int64(size)), func(b *testing.B) {
			if chain == nil {
				chain = newChain(size)
				for range min(len(chain)/lineWords, 1<<20) { // warm-up walk
					p = chain[p]
				}
			}
			b.ResetTimer()
			for range b.N {
				p = chain[p]
			}
			b.StopTimer()
			sinkU64 += p
		})
		chain = nil
	}
}

// BenchmarkSHA256 is the report's "hash speed": SHA-256 (crypto/sha256,
// which uses the SHA extensions when the CPU has them) of one buffer per
// op, MB/s over the bytes hashed. 64B is call-overhead bound, 1MiB cache
// resident, 64MiB streams from memory.
func BenchmarkSHA256(b *testing.B) {
	for _, size := range []int{64, 1 << 20, 64 << 20} {
		var buf []byte
		b.Run("size="+benchname.Size(int64(size)), func(b *testing.B) {
			if buf == nil {
				buf = make([]byte, size)
				sevenzip.Generate(buf, 0)
			}
			b.SetBytes(int64(size))
			b.ResetTimer()
			var sum [32]byte
			for range b.N {
				sum = sha256.Sum256(buf)
			}
			b.StopTimer()
			sinkU64 += uint64(sum[0])
		})
	}
}

// TestChainIsOneCycle walks the chain and checks it visits every line once
// before returning to the start.
func TestChainIsOneCycle(t *testing.T) {
	const size = 1 << 20
	chain := newChain(size)
	lines := size / (lineWords * 8)
	seen := make([]bool, lines)
	var p uint64
	for i := range lines {
		if p%lineWords != 0 {
			t.Fatalf("step %d: index %d is not a line start", i, p)
		}
		if seen[p/lineWords] {
			t.Fatalf("line %d visited twice after %d of %d steps", p/lineWords, i, lines)
		}
		seen[p/lineWords] = true
		p = chain[p]
	}
	if p != 0 {
		t.Fatalf("after %d steps the walk is at %d, not back at 0", lines, p)
	}
}
