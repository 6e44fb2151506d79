package report

import (
	"fmt"
	"math"
	"strings"
)

// Published is one absolute figure of the published Performance Report
// (docs/methods.md §0) with its source. Absolute figures come from other
// hardware: the report lists them in an appendix beside the rows with the
// same parameters and never draws a verdict on them.
type Published struct {
	// Row is the key of the report row this figure belongs to.
	Row string
	// Match, when set, restricts the figure to rows whose match string
	// ("/key=value/...") contains every one of these, case-insensitively.
	Match []string
	// Env names the published environment and its hardware.
	Env string
	// Value is in the row's tidied unit (B/s, sec, IOPS ...).
	Value float64
	// Source says where in the report the figure is.
	Source string
	// NotComparable, when set, says how the published method differs.
	NotComparable string
}

const (
	mib = 1 << 20
	kib = 1 << 10
	us  = 1e-6
	ms  = 1e-3
)

// storagePub adds the five environments of §II for one row.
func storagePub(row string, scale float64, h200host, h200cvm, labHost, labCVM, labVM float64) []Published {
	src := "§II Storage, Performance Summary"
	return []Published{
		{Row: row, Env: "H200 host", Value: h200host * scale, Source: src},
		{Row: row, Env: "H200 CVM", Value: h200cvm * scale, Source: src},
		{Row: row, Env: "TDX-Lab host", Value: labHost * scale, Source: src},
		{Row: row, Env: "TDX-Lab CVM", Value: labCVM * scale, Source: src},
		{Row: row, Env: "TDX-Lab VM", Value: labVM * scale, Source: src},
	}
}

func gatewayPub(row string, c int, scale, prod5, lab float64) []Published {
	src := "§III Gateway, Core Performance (ab -n 5000 over the TLS gateway)"
	m := []string{"/path=tls-proxy/", "/keepalive=off/", fmt.Sprintf("/c=%d/", c)}
	return []Published{
		{Row: row, Match: m, Env: "Prod5", Value: prod5 * scale, Source: src},
		{Row: row, Match: m, Env: "TDX-Lab", Value: lab * scale, Source: src},
	}
}

func llmPub(gpu, model string, tpsOn, tpsOff, qpsOn, qpsOff, ttftOn, ttftOff, itlOn, itlOff float64) []Published {
	src := "§VII LLM (arXiv 2409.03992), " + gpu
	m := []string{model}
	itlNote := "the paper's ITL is per-request total decode time (docs/methods.md §5), not vLLM's per-token ITL"
	qpsNote := "the paper's QPS is vLLM benchmark_throughput (offline, 1000 ShareGPT prompts), not a serving sweep"
	return []Published{
		{Row: "llm/tps", Match: m, Env: gpu + " TEE-on", Value: tpsOn, Source: src},
		{Row: "llm/tps", Match: m, Env: gpu + " TEE-off", Value: tpsOff, Source: src},
		{Row: "llm/qps", Match: m, Env: gpu + " TEE-on", Value: qpsOn, Source: src, NotComparable: qpsNote},
		{Row: "llm/qps", Match: m, Env: gpu + " TEE-off", Value: qpsOff, Source: src, NotComparable: qpsNote},
		{Row: "llm/ttft", Match: m, Env: gpu + " TEE-on", Value: ttftOn, Source: src},
		{Row: "llm/ttft", Match: m, Env: gpu + " TEE-off", Value: ttftOff, Source: src},
		{Row: "llm/itl", Match: m, Env: gpu + " TEE-on", Value: itlOn, Source: src, NotComparable: itlNote},
		{Row: "llm/itl", Match: m, Env: gpu + " TEE-off", Value: itlOff, Source: src, NotComparable: itlNote},
	}
}

func scalingPub(threads int, teeUsage, teeC, teeD, teeTot, teeEff, bmUsage, bmC, bmD, bmTot, bmEff float64) []Published {
	src := "§VIII CPU scaling (7z b -mmtN)"
	m := []string{fmt.Sprintf("/threads=%d/", threads)}
	tee := func(row string, v float64) Published {
		return Published{Row: row, Match: m, Env: "TEE CVM", Value: v, Source: src + ", Table 1 (TEE CVM), Table 2 (bare metal)"}
	}
	bm := func(row string, v float64) Published {
		return Published{Row: row, Match: m, Env: "bare metal", Value: v, Source: src + ", Table 1 (TEE CVM), Table 2 (bare metal)"}
	}
	return []Published{
		tee("7z/usage", teeUsage), bm("7z/usage", bmUsage),
		tee("7z/compress-B/s", teeC*kib), bm("7z/compress-B/s", bmC*kib),
		tee("7z/decompress-B/s", teeD*kib), bm("7z/decompress-B/s", bmD*kib),
		tee("7z/MIPS", teeTot), bm("7z/MIPS", bmTot),
		tee("7z/efficiency", teeEff/100), bm("7z/efficiency", bmEff/100),
	}
}

// PublishedFigures is the one table of the published report's figures that
// our rows are set against, each with its source.
var PublishedFigures = concat(
	// §II Storage: fio benchmark.sh (docs/methods.md §1).
	storagePub("fio/read_iops/IOPS", 1e3, 259, 33, 97.3, 43, 72),
	storagePub("fio/write_iops/IOPS", 1e3, 156, 34, 32, 37, 75),
	storagePub("fio/read_bw/B/s", mib, 3642, 2071, 519, 1080, 12253),
	storagePub("fio/write_bw/B/s", mib, 3356, 1389, 381, 1193, 4215),
	storagePub("fio/read_latency/lat-mean-sec", us, 85, 892, 213, 482, 63),
	storagePub("fio/write_latency/lat-mean-sec", us, 24, 955, 99, 190, 68),
	storagePub("fio/read_seq/B/s", mib, 4338, 9973, 526, 1168, 36230),
	storagePub("fio/write_seq/B/s", mib, 3413, 2293, 377, 412, 3829),
	storagePub("fio/rw_mix/read-IOPS", 1e3, 129, 18.7, 67.7, 43.6, 71),
	storagePub("fio/rw_mix/write-IOPS", 1e3, 43, 6.2, 23.5, 14.5, 23),

	// §III Gateway.
	gatewayPub("gw/req/s", 200, 1, 206.46, 1189.93),
	gatewayPub("gw/req/s", 500, 1, 194.70, 1228.82),
	gatewayPub("gw/req/s", 1000, 1, 179.33, 1244.85),
	gatewayPub("gw/req/s", 2000, 1, 182.39, 1038.60),
	gatewayPub("gw/lat-p99-sec", 200, ms, 1254, 173),
	gatewayPub("gw/lat-p99-sec", 500, ms, 4099, 455),
	gatewayPub("gw/lat-p99-sec", 1000, ms, 7768, 822),
	gatewayPub("gw/lat-p99-sec", 2000, ms, 19950, 1672),
	gatewayPub("gw/errors/op", 2000, 0.01, 1.36, 0),
	gatewayPub("gw/connect-max-sec", 2000, ms, 27084, 1677),
	[]Published{
		{Row: "gw-path/direct/req/s", Match: []string{"/c=1000/"}, Env: "TDX-Lab (c≈1000)", Value: 11132, Source: "§III TProxy Overhead Analysis"},
		{Row: "gw-path/tls-proxy/req/s", Match: []string{"/c=1000/"}, Env: "TDX-Lab (c≈1000)", Value: 1264, Source: "§III TProxy Overhead Analysis"},
		{Row: "gw-path/direct/lat-mean-sec", Match: []string{"/c=1000/"}, Env: "TDX-Lab (c≈1000)", Value: 89.8 * ms, Source: "§III TProxy Overhead Analysis (ab Time per request, mean)"},
		{Row: "gw-path/tls-proxy/lat-mean-sec", Match: []string{"/c=1000/"}, Env: "TDX-Lab (c≈1000)", Value: 791.3 * ms, Source: "§III TProxy Overhead Analysis (ab Time per request, mean)"},
		{Row: "gw-multi/req/s", Match: []string{"/path=tls-proxy/", "/clients=51/", "/c=40/"}, Env: "TDX-Lab, log=error", Value: 15000, Source: "§III Multi-process AB Test (51 x ab -n 5000 -c 40)"},
		{Row: "gw-multi/req/s", Match: []string{"/path=tls-proxy/", "/clients=51/", "/c=40/"}, Env: "Prod8, log=error", Value: 22400, Source: "§III Multi-process AB Test (51 x ab -n 5000 -c 40)"},
		{Row: "gw-multi/req/s", Match: []string{"/path=tls-proxy/", "/clients=51/", "/c=40/"}, Env: "Prod8, log=info", Value: 15000, Source: "§III Multi-process AB Test (51 x ab -n 5000 -c 40)"},
	},

	// §IV zkTLS: SP1 zkVM, RSA-2048 verification. Our prover is gnark.
	[]Published{
		{Row: "zk/prove/sec/op", Match: []string{"/circuit=rsa2048/"}, Env: "CPU", Value: 166.30, Source: "§IV zkTLS Core Performance, Proof Time", NotComparable: "SP1 zkVM proof, not a gnark circuit"},
		{Row: "zk/prove/sec/op", Match: []string{"/circuit=rsa2048/"}, Env: "TEE CPU", Value: 628.58, Source: "§IV zkTLS Core Performance, Proof Time", NotComparable: "SP1 zkVM proof, not a gnark circuit"},
		{Row: "zk/prove/sec/op", Match: []string{"/circuit=rsa2048/"}, Env: "TEE GPU", Value: 852.73, Source: "§IV zkTLS Core Performance, Proof Time", NotComparable: "SP1 zkVM proof, not a gnark circuit"},
		{Row: "zk/prove/proof-B", Match: []string{"/circuit=rsa2048/"}, Env: "CPU", Value: 8340752, Source: "§IV zkTLS Core Performance, Proof Size", NotComparable: "SP1 core (STARK) proof size, not a gnark proof"},
		{Row: "zk/prove/proof-B", Match: []string{"/circuit=rsa2048/"}, Env: "TEE CPU", Value: 25123323, Source: "§IV zkTLS Core Performance, Proof Size", NotComparable: "SP1 core (STARK) proof size, not a gnark proof"},
		{Row: "mem/sha256/B/s", Match: []string{"/size=64MiB/"}, Env: "CPU", Value: 44.50e6, Source: "§IV Memory Encryption Impact, Hash Speed", NotComparable: "method not published (docs/methods.md §6)"},
		{Row: "mem/sha256/B/s", Match: []string{"/size=64MiB/"}, Env: "TEE CPU", Value: 11.77e6, Source: "§IV Memory Encryption Impact, Hash Speed", NotComparable: "method not published (docs/methods.md §6)"},
	},

	// §V Compression (7z b -mmt8 as printed; per-core divides by 32 cores).
	[]Published{
		{Row: "7z/compress-MIPS", Match: []string{"/threads=8/"}, Env: "TDX-Lab (32 cores)", Value: 40677, Source: "§V Compression Performance Benchmark (7z b -mmt8)"},
		{Row: "7z/compress-MIPS", Match: []string{"/threads=8/"}, Env: "Prod8 (288 cores)", Value: 31658, Source: "§V Compression Performance Benchmark (7z b -mmt8)"},
		{Row: "7z/compress-MIPS", Match: []string{"/threads=8/"}, Env: "Prod5 (128 cores)", Value: 12654, Source: "§V Compression Performance Benchmark (7z b -mmt8)"},
	},

	// §VI GPU.
	[]Published{
		{Row: "gpu/gemm/TOPS", Match: []string{"/dtype=int8/"}, Env: "H200 NVL", Value: 3341, Source: "§VI Hardware Comparison, INT8 Compute", NotComparable: "vendor peak with sparsity, not a measurement"},
	},

	// §VII LLM: arXiv 2409.03992 Tables 1 and 2.
	llmPub("H100", "llama-3.1-8b", 123.30, 132.36, 18.21, 18.82, 0.0288, 0.0242, 1.6743, 1.5549),
	llmPub("H100", "phi-3", 66.58, 69.78, 7.18, 7.35, 0.0546, 0.0463, 3.7676, 3.5784),
	llmPub("H100", "llama-3.1-70b", 2.48, 2.48, 0.83, 0.83, 0.5108, 0.5129, 94.8714, 95.2395),
	llmPub("H200", "llama-3.1-8b", 121.04, 132.78, 29.60, 32.01, 0.0364, 0.0301, 1.7158, 1.5552),
	llmPub("H200", "phi-3", 68.43, 72.98, 12.83, 13.86, 0.0524, 0.0417, 3.6975, 3.4599),
	llmPub("H200", "llama-3.1-70b", 4.08, 4.18, 2.19, 2.20, 0.4362, 0.4204, 57.3855, 55.9771),

	// §VIII 7-Zip thread scaling (Tables 1 and 2).
	scalingPub(1, 100, 2511, 34387, 2803, 100, 100, 4992, 43200, 4544, 100),
	scalingPub(2, 200, 9450, 68316, 7889, 140.75, 183, 9791, 63936, 7935, 87.3),
	scalingPub(4, 383, 14048, 135014, 13100, 116.90, 382, 18895, 109687, 14689, 80.9),
	scalingPub(8, 760, 27361, 268126, 25821, 115.17, 787, 34001, 217465, 27279, 75.1),
	scalingPub(16, 1432, 44535, 443829, 42322, 94.38, 1559, 71892, 437145, 56853, 78.1),
	scalingPub(32, 2811, 72284, 783537, 71665, 79.91, 2662, 121055, 797133, 97853, 67.4),
)

func concat(ps ...[]Published) []Published {
	var out []Published
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// lookupPublished returns the figures for a row key whose Match strings
// all occur in match (a row's "/key=value/..." string), case-insensitively.
func lookupPublished(row, match string) []Published {
	var out []Published
	lm := strings.ToLower(match)
	for _, p := range PublishedFigures {
		if p.Row != row {
			continue
		}
		ok := true
		for _, m := range p.Match {
			ok = ok && strings.Contains(lm, strings.ToLower(m))
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// formatPublished renders a published value in the row's unit.
func formatPublished(p Published, unit string) string {
	if unit == "efficiency" {
		return pct(p.Value)
	}
	if math.IsNaN(p.Value) {
		return "–"
	}
	return FormatValue(p.Value, unit)
}
