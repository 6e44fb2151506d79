//go:build ignore

// genh100 writes the TEE-pairing fixtures of the report from the committed
// derived fixtures (testdata/genderived): testdata/h100-base.txt,
// testdata/h100-snp.txt and testdata/h100-tdx.txt. They check that a
// verdict compares like with like on TEE as well as GPU: the published
// H100 LLM overheads are an SEV-SNP pair, the H200 and storage ones TDX
// (docs/published.md).
//
// Nothing here was measured on an H100 or in a TEE. The files are built as
// follows, and say so in their first line:
//
//   - Only the io_bench and llm_bench rows of derived-base.txt (baseline)
//     and derived-tee.txt (TEE arms: throughput x0.8, latency x1.25) are
//     kept, with every manifest line.
//
//   - Every Serve row of the embedded model "tiny" is also written as
//     model=llama-3.1-8b-instruct (the same samples under a published
//     model's name), so that the LLM rows meet the published H100
//     Llama-3.1-8B pair while the embedded models stay "reference only".
//
//   - After each `tee:` line: `gpu: NVIDIA H100 NVL` in all three files;
//     `tee: sev-snp` with snp-* lines in internal/tee's format in
//     h100-snp.txt, `tee: tdx` with a tdx-* line in h100-tdx.txt. The
//     identity values are invented (no attestation report exists for
//     them), and no evidence side files are written: both TEE arms are
//     unattested.
//
//     cd internal/report && go run testdata/genh100/main.go
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"
)

var keep = map[string]bool{
	"github.com/teebench/teebench/io_bench":  true,
	"github.com/teebench/teebench/llm_bench": true,
}

func main() {
	for _, f := range []struct {
		src, dst, tee string
		identity      []string
	}{
		{"testdata/derived-base.txt", "testdata/h100-base.txt", "none", nil},
		{"testdata/derived-tee.txt", "testdata/h100-snp.txt", "sev-snp", []string{
			"snp-report-source: configfs-tsm",
			"snp-measurement: " + strings.Repeat("5a", 48),
			"snp-policy: 0x30000 debug=off smt=on migrate-ma=off single-socket=off",
			"snp-tcb: bl=3 tee=0 snp=8 ucode=115",
			"snp-vmpl: 0",
			"snp-signer: vcek",
		}},
		{"testdata/derived-tee.txt", "testdata/h100-tdx.txt", "tdx", []string{
			"tdx-mrtd: " + strings.Repeat("5a", 48),
		}},
	} {
		src, err := os.ReadFile(f.src)
		if err != nil {
			log.Fatal(err)
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# DERIVED by testdata/genh100 from %s (itself derived from real runs, see its first line): io_bench and llm_bench rows only, model=tiny rows copied as model=llama-3.1-8b-instruct, tee: %s, gpu: NVIDIA H100 NVL and invented identity lines added; NOT measured on an H100 or in a TEE.\n", f.src, f.tee)
		pkg := ""
		for i, l := range strings.Split(strings.TrimSuffix(string(src), "\n"), "\n") {
			switch {
			case i == 0 && strings.HasPrefix(l, "# "):
				continue // the source's own provenance line; ours says it
			case strings.HasPrefix(l, "tee: "):
				fmt.Fprintf(&b, "tee: %s\ngpu: NVIDIA H100 NVL\n", f.tee)
				for _, id := range f.identity {
					fmt.Fprintln(&b, id)
				}
				continue
			case strings.HasPrefix(l, "pkg: "):
				pkg = strings.TrimPrefix(l, "pkg: ")
			case strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "    "):
				if !keep[pkg] {
					continue
				}
			}
			fmt.Fprintln(&b, l)
			if strings.HasPrefix(l, "BenchmarkServe/model=tiny/") {
				fmt.Fprintln(&b, strings.Replace(l, "/model=tiny/", "/model=llama-3.1-8b-instruct/", 1))
			}
		}
		if err := os.WriteFile(f.dst, b.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
