//go:build ignore

// gensynth writes the SYNTHETIC result files used by the golden tests:
// testdata/synth-base.txt and testdata/synth-tee.txt. Nothing in them was
// measured: the values are loosely shaped after the published report's
// figures, scaled by made-up TEE factors, with 1% deterministic noise, so
// that every section, every warning and every verdict path is rendered.
//
//	cd internal/report && go run testdata/gensynth/main.go
package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"

	"github.com/teebench/teebench/internal/benchenv"
)

type metric struct {
	v    float64
	unit string
}

type bench struct {
	name  string
	runs  int
	iters int
	ms    []metric
}

func main() {
	for _, arm := range []struct {
		file, tee, kernel string
		slow, lat         float64 // throughput divisor and latency factor
	}{
		{"testdata/synth-base.txt", "none", "6.8.0-generic", 1, 1},
		{"testdata/synth-tee.txt", "tdx", "6.8.0-tdx", 1.25, 1.4},
	} {
		rng := rand.New(rand.NewSource(1))
		var b bytes.Buffer
		fmt.Fprintln(&b, "# SYNTHETIC: hand-built for the report's golden tests by testdata/gensynth; NOT measured.")
		for _, kv := range [][2]string{
			{"tee", arm.tee}, {"platform", map[string]string{"none": "bare-metal", "tdx": "cvm"}[arm.tee]},
			{"cpu-model", "SYNTHETIC Xeon"}, {"vcpus", "32"}, {"gomaxprocs", "32"}, {"mem-total", "251.0GiB"},
			{"kernel", arm.kernel}, {"go", "go1.26.8"}, {"profile", "report"},
			{"gpu", "NVIDIA H200 NVL"}, {"gpu-cc", map[string]string{"none": "off", "tdx": "on"}[arm.tee]},
		} {
			fmt.Fprintf(&b, "%s: %s\n", kv[0], kv[1])
		}
		benchenv.WriteUnits(&b)
		fmt.Fprintln(&b, "goos: linux\ngoarch: amd64\npkg: github.com/teebench/teebench/synthetic")
		thr := func(v float64) float64 { return v / arm.slow }
		lat := func(v float64) float64 { return v * arm.lat }
		var bs []bench
		add := func(name string, runs int, ms ...metric) {
			bs = append(bs, bench{name: name, runs: runs, iters: 100, ms: ms})
		}
		// Storage: the published H200 host column; the TEE arm is slower.
		for _, eng := range []string{"go", "fio"} {
			for _, j := range []struct {
				job      string
				iops, bs float64
				latUS    float64
				same     bool
			}{
				{"read_iops", 259e3, 4096, 0, false}, {"write_iops", 156e3, 4096, 0, false},
				{"read_bw", 29e3, 131072, 0, false}, {"write_bw", 26.8e3, 131072, 0, false},
				{"read_latency", 47e3, 4096, 85, false}, {"write_latency", 166e3, 4096, 24, true},
				{"read_seq", 4338, 1 << 20, 0, false}, {"write_seq", 3413, 1 << 20, 0, false},
			} {
				f := thr
				if j.same {
					f = func(v float64) float64 { return v }
				}
				ms := []metric{{1e9 / f(j.iops), "ns/op"}, {f(j.iops), "IOPS"}, {f(j.iops) * j.bs, "B/s"}}
				if j.latUS > 0 {
					l := lat
					if j.same {
						l = func(v float64) float64 { return v }
					}
					ms = append(ms, metric{l(j.latUS * 1e3), "lat-mean-ns"}, metric{l(j.latUS * 3e3), "lat-p99-ns"})
				}
				add(fmt.Sprintf("Fio/job=%s/engine=%s", j.job, eng), 6, ms...)
			}
			add("Fio/job=rw_mix/engine="+eng, 6, metric{1e9 / thr(172e3), "ns/op"}, metric{thr(129e3), "read-IOPS"}, metric{thr(43e3), "write-IOPS"})
		}
		// Gateway: the published Prod5-like shape.
		for _, path := range []string{"tls-proxy", "direct"} {
			k := 1.0
			if path == "direct" {
				k = 9
			}
			for _, c := range []int{200, 500, 1000, 2000} {
				q := thr(1200 * k)
				p99 := lat(float64(c) / 1200 / k * 1.4e9)
				errs := 0.0
				if c == 2000 {
					errs = 0.01 * arm.lat
				}
				add(fmt.Sprintf("Gateway/path=%s/keepalive=off/c=%d/client=go", path, c), 6,
					metric{1e9 / q, "ns/op"}, metric{q, "req/s"}, metric{float64(c) / q * 1e9, "lat-mean-ns"},
					metric{float64(c) / q * 0.9e9, "lat-p50-ns"}, metric{p99, "lat-p99-ns"},
					metric{lat(float64(c) * 0.8e6), "connect-max-ns"}, metric{errs, "errors/op"})
			}
		}
		add("GatewayMulti", 6, metric{thr(15000), "req/s"}, metric{0, "errors/op"})
		// zk: sha256 with 6 runs, rsa2048 with only 3 (exercises warnings).
		add("Prove/circuit=sha256/backend=groth16", 6, metric{lat(1.9e9), "ns/op"}, metric{thr(1.6e5), "constraints/s"}, metric{302e3, "constraints"}, metric{164, "proof-B"})
		add("Prove/circuit=rsa2048/backend=groth16", 3, metric{lat(6.5e9), "ns/op"}, metric{thr(2.3e5), "constraints/s"}, metric{1.5e6, "constraints"}, metric{164, "proof-B"})
		add("Verify/circuit=sha256/backend=groth16", 6, metric{1.2e6, "ns/op"})
		add("Setup/circuit=sha256/backend=groth16", 6, metric{lat(2e9), "ns/op"}, metric{lat(1.1e9), "compile-ns"}, metric{lat(0.9e9), "setup-ns"})
		// Memory.
		for _, s := range []struct {
			size string
			bps  float64
		}{{"64B", 300e6}, {"1MiB", 1.9e9}, {"64MiB", 1.8e9}} {
			add("SHA256/size="+s.size, 6, metric{thr(s.bps), "B/s"})
		}
		for _, t := range []int{1, 32} {
			for _, kn := range []string{"copy", "scale", "add", "triad"} {
				add(fmt.Sprintf("Stream/kernel=%s/threads=%d", kn, t), 6, metric{thr(12e9 * float64(t) / 4), "B/s"})
			}
		}
		add("MemLatency/size=64MiB", 6, metric{lat(95), "ns/op"})
		add("Wakeup", 6, metric{lat(4500), "ns/op"})
		// 7-Zip: bare metal table for the baseline, TEE table for the TEE arm.
		type sz struct{ t, usage, c, d, tot float64 }
		rows := []sz{{1, 100, 4992, 43200, 4544}, {2, 183, 9791, 63936, 7935}, {4, 382, 18895, 109687, 14689},
			{8, 787, 34001, 217465, 27279}, {16, 1559, 71892, 437145, 56853}, {32, 2662, 121055, 797133, 97853}}
		if arm.tee == "tdx" {
			rows = []sz{{1, 100, 2511, 34387, 2803}, {2, 200, 9450, 68316, 7889}, {4, 383, 14048, 135014, 13100},
				{8, 760, 27361, 268126, 25821}, {16, 1432, 44535, 443829, 42322}, {32, 2811, 72284, 783537, 71665}}
		}
		for _, r := range rows {
			add(fmt.Sprintf("SevenZip/threads=%d", int(r.t)), 6, metric{1e9, "ns/op"}, metric{r.tot, "MIPS"},
				metric{r.tot * 1.1, "compress-MIPS"}, metric{r.tot * 0.9, "decompress-MIPS"},
				metric{r.c * 1024, "compress-B/s"}, metric{r.d * 1024, "decompress-B/s"}, metric{r.usage, "usage-%"})
		}
		for _, t := range []int{1, 2} {
			add(fmt.Sprintf("Compress/codec=zstd/dict=22/threads=%d", t), 6, metric{thr(90e6 * float64(t)), "B/s"}, metric{float64(100 * t), "usage-%"})
			add(fmt.Sprintf("Decompress/codec=zstd/dict=22/threads=%d", t), 6, metric{thr(900e6 * float64(t)), "B/s"}, metric{float64(100 * t), "usage-%"})
		}
		// GPU.
		add("Copy/dir=h2d/mem=pinned/size=64MiB", 6, metric{thr(50e9) / 8, "B/s"})
		add("Copy/dir=d2h/mem=pinned/size=64MiB", 6, metric{thr(50e9) / 8, "B/s"})
		add("GEMM/dtype=int8/n=8192", 6, metric{1500, "TOPS"})
		// LLM: the H200 8B row of the paper.
		m := "llama-3.1-8b"
		llm := func(name string, tps, qps, ttft, itl float64) {
			add("Serve/model="+m+"/"+name, 6, metric{1e9 / qps, "ns/op"}, metric{tps, "tok/s"}, metric{qps, "req/s"},
				metric{ttft, "ttft-mean-ns"}, metric{ttft * 2, "ttft-p99-ns"}, metric{itl, "tpot-mean-ns"},
				metric{itl, "itl-mean-ns"}, metric{itl * 1.5, "itl-p99-ns"}, metric{ttft + 190*itl, "e2el-mean-ns"}, metric{0, "errors/op"})
		}
		llm("concurrency=1", thr(132.78), thr(0.7), lat(30.1e6), 1.05*lat(7.5e6))
		llm("concurrency=16", thr(1900), thr(9.6), lat(45e6), lat(8.4e6))
		llm("rate=1", thr(130), thr(0.99), lat(30.1e6), lat(7.6e6))

		// Interleave runs like go test -count N.
		for run := 0; run < 6; run++ {
			for _, bn := range bs {
				if run >= bn.runs {
					continue
				}
				fmt.Fprintf(&b, "Benchmark%s-32\t%d", bn.name, bn.iters)
				for _, mt := range bn.ms {
					v := mt.v * (1 + 0.01*(2*rng.Float64()-1))
					if mt.unit == "constraints" || mt.unit == "proof-B" { // assume=exact
						v = mt.v
					}
					fmt.Fprintf(&b, "\t%.6g %s", v, mt.unit)
				}
				fmt.Fprintln(&b)
			}
		}
		fmt.Fprintln(&b, "PASS")
		if err := os.WriteFile(arm.file, b.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
}
