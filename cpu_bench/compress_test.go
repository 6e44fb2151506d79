package cpu_bench

import (
	"testing"
)

// BenchmarkCompress is the Go-native counterpart of 7-Zip's compression
// rating: each of N threads compresses its own buffer of dict + 64 KiB of
// 7-Zip benchmark data; one op = one buffer compressed.
func BenchmarkCompress(b *testing.B) { benchCodecs(b, true) }

// BenchmarkDecompress decompresses the buffers BenchmarkCompress makes; one
// op = one buffer decompressed (MB/s counts uncompressed bytes, as 7-Zip's
// decompression speed does).
func BenchmarkDecompress(b *testing.B) { benchCodecs(b, false) }
