package report

import (
	"bytes"
	"os"
	"testing"

	"github.com/teebench/teebench/internal/report/results"
)

// FuzzRead feeds arbitrary bytes through the whole input path (benchfmt
// reading, grouping, statistics, rendering with charts): any input must
// give either an error or a report, never a panic.
func FuzzRead(f *testing.F) {
	for _, p := range []string{"testdata/synth-base.txt", "testdata/real-run1.txt"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:min(len(b), 4000)])
		}
	}
	f.Add([]byte("tee: tdx\nBenchmarkFio/job=read_iops/engine=go-2 1 5 IOPS\n"))
	f.Add([]byte("BenchmarkSevenZip/threads=1-2 1 0 MIPS\nBenchmarkSevenZip/threads=2-2 1 NaN MIPS\n"))
	f.Add([]byte("Unit MIPS better=higher\nBenchmarkServe/model=x/concurrency=1 1 -1 tok/s\n"))
	f.Add([]byte("BenchmarkFio/job=read_iops/engine=go 1 0 IOPS\nBenchmarkSevenZip/threads=0 1 0 MIPS\nBenchmarkSevenZip/threads=1 1 0 MIPS\n" +
		"BenchmarkGateway/path=tls-proxy/keepalive=off/c=0/client=go 1 0 lat-p99-ns\nBenchmarkGateway/path=tls-proxy/keepalive=off/c=5/client=go 1 0 lat-p99-ns\n"))
	charts := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		d := results.NewDataset()
		if err := d.Add(bytes.NewReader(data), results.Input{Path: "fuzz.txt"}); err != nil {
			return
		}
		var out bytes.Buffer
		if err := renderMarkdown(&out, d, Options{Evidence: noEvidence, ChartDir: charts}); err != nil {
			t.Fatalf("Render: %v", err)
		}
	})
}

func TestExtremeValues(t *testing.T) {
	// Values benchfmt accepts but no benchmark should print: they must
	// render (as +Inf, 1e+300 ...) without hanging or panicking.
	in := "tee: none\nBenchmarkSHA256/size=1MiB-2 1 +Inf B/s\nBenchmarkSHA256/size=1MiB-2 1 1e300 B/s\n" +
		"BenchmarkWakeup-2 1 1e-300 ns/op\nBenchmarkWakeup-2 1 NaN ns/op\nBenchmarkProve/circuit=x/backend=y 1 1e308 proof-B\n"
	d := results.NewDataset()
	if err := d.Add(bytes.NewReader([]byte(in)), results.Input{Path: "x.txt"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := renderMarkdown(&out, d, Options{Evidence: noEvidence}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("SHA-256 1MiB")) {
		t.Errorf("row missing:\n%s", out.String())
	}
}
