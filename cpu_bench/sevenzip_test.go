package cpu_bench

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/reftool"
)

// BenchmarkSevenZip runs the reference tool itself, as the report did:
// `7zz b <passes> -mmtN` (7z or 7za when that is what is installed), one op
// = one pass over all dictionary rows. Under the report profile the run is
// the report's `7z b -mmtN` (dictionaries 2^22..2^25); quick limits it to
// -md22, smoke also to -mtic=30 (2^30 instead of 2^34 commands per row).
//
// It reports the Tot: rating as MIPS (the report's "Total Rating"), the Avr:
// compress and decompress ratings and speeds, and Tot: usage as usage-%
// (the report's "CPU Usage"). ns/op is the whole run including 7-Zip's CPU
// frequency probe; use the metrics.
func BenchmarkSevenZip(b *testing.B) {
	path, err := reftool.SevenZipLookup()
	if err != nil {
		b.Skip(err)
	}
	dictLog := config.Pick(22, 22, 0)
	tic := config.Pick(30, 0, 0)
	if filepath.Base(path) != "7zz" {
		tic = 0 // -mtic is checked with 7-Zip 26 (7zz) only; p7zip may reject it
	}
	for _, n := range threadSweep() {
		b.Run(fmt.Sprintf("threads=%d", n), func(b *testing.B) {
			args := reftool.SevenZipBenchArgs(b.N, n, dictLog, tic)
			out, err := reftool.Run(b.Context(), path, args...)
			if err != nil {
				b.Fatal(err)
			}
			res, err := reftool.ParseSevenZipBench(out)
			if err != nil {
				b.Fatalf("%s %s: %v", path, strings.Join(args, " "), err)
			}
			if res.Threads != n {
				b.Fatalf("%s %s: 7-Zip ran %d benchmark threads, want %d", path, strings.Join(args, " "), res.Threads, n)
			}
			b.Logf("%s %s: 7-Zip %s, %d rows", path, strings.Join(args, " "), res.Version, len(res.Rows))
			b.ReportMetric(float64(res.Tot.RatingMIPS), "MIPS")
			b.ReportMetric(float64(res.Avr.Compress.RatingMIPS), "compress-MIPS")
			b.ReportMetric(float64(res.Avr.Decompress.RatingMIPS), "decompress-MIPS")
			b.ReportMetric(res.Avr.Compress.BytesPerSec(), "compress-B/s")
			b.ReportMetric(res.Avr.Decompress.BytesPerSec(), "decompress-B/s")
			b.ReportMetric(float64(res.Tot.UsagePct), "usage-%")
		})
	}
}
