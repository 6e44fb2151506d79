package report

import (
	"fmt"
	"math"
	"strings"
)

// Published is one figure of the published Performance Report
// (/work/shared/reference/performance-report.md, Phala Cloud docs; METHODS.md
// §0) that a row of our report can be set against.
type Published struct {
	// Row is the key of the report row this figure belongs to.
	Row string
	// Match, when set, restricts the figure to rows whose match string
	// (e.g. "/model=llama-3.1-8b/", "/c=200/") contains one of these,
	// case-insensitively.
	Match []string
	// Env names the published environment (a column of the report).
	Env string
	// Role is "tee" (compare with TEE arms), "baseline" (arms with tee:
	// none) or "any".
	Role string
	// Value is in the row's tidied unit (B/s, sec, IOPS ...).
	Value float64
	// Source says where in the report the figure is.
	Source string
	// Hardware is a manifest condition "key~substring" that an arm must meet
	// for the figure to be comparable; "" means the report does not say
	// what hardware it was, so it is never comparable.
	Hardware string
	// NotComparable, when set, says why the figure can never be compared
	// with ours (a different method or definition).
	NotComparable string
	// Primary figures are shown in the section tables; all are listed in
	// the "Published figures" appendix.
	Primary bool
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
		{Row: row, Env: "H200 host", Role: "baseline", Value: h200host * scale, Source: src, Hardware: "gpu~H200", Primary: true},
		{Row: row, Env: "H200 CVM", Role: "tee", Value: h200cvm * scale, Source: src, Hardware: "gpu~H200", Primary: true},
		{Row: row, Env: "TDX-Lab host", Role: "baseline", Value: labHost * scale, Source: src},
		{Row: row, Env: "TDX-Lab CVM", Role: "tee", Value: labCVM * scale, Source: src},
		{Row: row, Env: "TDX-Lab VM", Role: "baseline", Value: labVM * scale, Source: src},
	}
}

func gatewayPub(row string, c int, scale, prod5, lab float64) []Published {
	src := "§III Gateway, Core Performance (ab -n 5000 over the TLS gateway)"
	m := []string{fmt.Sprintf("/c=%d/", c)}
	return []Published{
		{Row: row, Match: m, Env: "Prod5", Role: "tee", Value: prod5 * scale, Source: src, Primary: true},
		{Row: row, Match: m, Env: "TDX-Lab", Role: "tee", Value: lab * scale, Source: src, Primary: true},
	}
}

func llmPub(gpu, model string, hw string, primary bool, tpsOn, tpsOff, qpsOn, qpsOff, ttftOn, ttftOff, itlOn, itlOff float64) []Published {
	src := "§VII LLM (arXiv 2409.03992), " + gpu
	m := []string{model}
	itlNote := "the paper's ITL is per-request total decode time (METHODS.md §5), not vLLM's per-token ITL"
	qpsNote := "the paper's QPS is vLLM benchmark_throughput (offline, 1000 ShareGPT prompts), not a serving sweep"
	return []Published{
		{Row: "llm/tps", Match: m, Env: gpu + " TEE-on", Role: "tee", Value: tpsOn, Source: src, Hardware: "gpu~" + hw, Primary: primary},
		{Row: "llm/tps", Match: m, Env: gpu + " TEE-off", Role: "baseline", Value: tpsOff, Source: src, Hardware: "gpu~" + hw, Primary: primary},
		{Row: "llm/qps", Match: m, Env: gpu + " TEE-on", Role: "tee", Value: qpsOn, Source: src, Hardware: "gpu~" + hw, NotComparable: qpsNote, Primary: primary},
		{Row: "llm/qps", Match: m, Env: gpu + " TEE-off", Role: "baseline", Value: qpsOff, Source: src, Hardware: "gpu~" + hw, NotComparable: qpsNote, Primary: primary},
		{Row: "llm/ttft", Match: m, Env: gpu + " TEE-on", Role: "tee", Value: ttftOn, Source: src, Hardware: "gpu~" + hw, Primary: primary},
		{Row: "llm/ttft", Match: m, Env: gpu + " TEE-off", Role: "baseline", Value: ttftOff, Source: src, Hardware: "gpu~" + hw, Primary: primary},
		{Row: "llm/itl", Match: m, Env: gpu + " TEE-on", Role: "tee", Value: itlOn, Source: src, Hardware: "gpu~" + hw, NotComparable: itlNote, Primary: primary},
		{Row: "llm/itl", Match: m, Env: gpu + " TEE-off", Role: "baseline", Value: itlOff, Source: src, Hardware: "gpu~" + hw, NotComparable: itlNote, Primary: primary},
	}
}

func scalingPub(threads int, teeUsage, teeC, teeD, teeTot, teeEff, bmUsage, bmC, bmD, bmTot, bmEff float64) []Published {
	src := "§VIII CPU scaling (7z b -mmtN)"
	m := []string{fmt.Sprintf("/threads=%d/", threads)}
	tee := func(row string, v float64) Published {
		return Published{Row: row, Match: m, Env: "TEE CVM", Role: "tee", Value: v, Source: src + ", Table 1", Primary: true}
	}
	bm := func(row string, v float64) Published {
		return Published{Row: row, Match: m, Env: "bare metal", Role: "baseline", Value: v, Source: src + ", Table 2", Primary: true}
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
	// §II Storage: fio benchmark.sh (METHODS.md §1).
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
		{Row: "gw-path/direct/req/s", Env: "TDX-Lab (c≈1000)", Role: "tee", Value: 11132, Source: "§III TProxy Overhead Analysis", Primary: true},
		{Row: "gw-path/tls-proxy/req/s", Env: "TDX-Lab (c≈1000)", Role: "tee", Value: 1264, Source: "§III TProxy Overhead Analysis", Primary: true},
		{Row: "gw-path/direct/lat-mean-sec", Env: "TDX-Lab (c≈1000)", Role: "tee", Value: 89.8 * ms, Source: "§III TProxy Overhead Analysis (ab Time per request, mean)", Primary: true},
		{Row: "gw-path/tls-proxy/lat-mean-sec", Env: "TDX-Lab (c≈1000)", Role: "tee", Value: 791.3 * ms, Source: "§III TProxy Overhead Analysis (ab Time per request, mean)", Primary: true},
		{Row: "gw-multi/req/s", Env: "TDX-Lab, log=error", Role: "tee", Value: 15000, Source: "§III Multi-process AB Test (51 x ab -n 5000 -c 40)", Primary: true},
		{Row: "gw-multi/req/s", Env: "Prod8, log=error", Role: "tee", Value: 22400, Source: "§III Multi-process AB Test (51 x ab -n 5000 -c 40)"},
		{Row: "gw-multi/req/s", Env: "Prod8, log=info", Role: "tee", Value: 15000, Source: "§III Multi-process AB Test (51 x ab -n 5000 -c 40)"},
	},

	// §IV zkTLS: SP1 zkVM, RSA-2048 verification. Our prover is gnark.
	[]Published{
		{Row: "zk/prove/sec/op", Match: []string{"/circuit=rsa2048/"}, Env: "CPU", Role: "baseline", Value: 166.30, Source: "§IV zkTLS Core Performance, Proof Time", NotComparable: "SP1 zkVM proof, not a gnark circuit", Primary: true},
		{Row: "zk/prove/sec/op", Match: []string{"/circuit=rsa2048/"}, Env: "TEE CPU", Role: "tee", Value: 628.58, Source: "§IV zkTLS Core Performance, Proof Time", NotComparable: "SP1 zkVM proof, not a gnark circuit", Primary: true},
		{Row: "zk/prove/sec/op", Match: []string{"/circuit=rsa2048/"}, Env: "TEE GPU", Role: "tee", Value: 852.73, Source: "§IV zkTLS Core Performance, Proof Time", NotComparable: "SP1 zkVM proof, not a gnark circuit"},
		{Row: "zk/prove/proof-B", Match: []string{"/circuit=rsa2048/"}, Env: "CPU", Role: "baseline", Value: 8340752, Source: "§IV zkTLS Core Performance, Proof Size", NotComparable: "SP1 core (STARK) proof size, not a gnark proof", Primary: true},
		{Row: "zk/prove/proof-B", Match: []string{"/circuit=rsa2048/"}, Env: "TEE CPU", Role: "tee", Value: 25123323, Source: "§IV zkTLS Core Performance, Proof Size", NotComparable: "SP1 core (STARK) proof size, not a gnark proof", Primary: true},
		{Row: "mem/sha256/B/s", Match: []string{"/size=64MiB/"}, Env: "CPU", Role: "baseline", Value: 44.50e6, Source: "§IV Memory Encryption Impact, Hash Speed", NotComparable: "method not published (METHODS.md §6)", Primary: true},
		{Row: "mem/sha256/B/s", Match: []string{"/size=64MiB/"}, Env: "TEE CPU", Role: "tee", Value: 11.77e6, Source: "§IV Memory Encryption Impact, Hash Speed", NotComparable: "method not published (METHODS.md §6)", Primary: true},
	},

	// §V Compression (7z b -mmt8 as printed; per-core divides by 32 cores).
	[]Published{
		{Row: "7z/compress-MIPS", Match: []string{"/threads=8/"}, Env: "TDX-Lab (32 cores)", Role: "tee", Value: 40677, Source: "§V Compression Performance Benchmark (7z b -mmt8)", Primary: true},
		{Row: "7z/compress-MIPS", Match: []string{"/threads=8/"}, Env: "Prod8 (288 cores)", Role: "tee", Value: 31658, Source: "§V Compression Performance Benchmark (7z b -mmt8)"},
		{Row: "7z/compress-MIPS", Match: []string{"/threads=8/"}, Env: "Prod5 (128 cores)", Role: "tee", Value: 12654, Source: "§V Compression Performance Benchmark (7z b -mmt8)"},
	},

	// §VI GPU.
	[]Published{
		{Row: "gpu/gemm/TOPS", Match: []string{"/dtype=int8/"}, Env: "H200 NVL", Role: "any", Value: 3341, Source: "§VI Hardware Comparison, INT8 Compute", Hardware: "gpu~H200", NotComparable: "vendor peak with sparsity, not a measurement", Primary: true},
	},

	// §VII LLM: arXiv 2409.03992 Tables 1 and 2.
	llmPub("H100", "llama-3.1-8b", "H100", false, 123.30, 132.36, 18.21, 18.82, 0.0288, 0.0242, 1.6743, 1.5549),
	llmPub("H100", "phi-3", "H100", false, 66.58, 69.78, 7.18, 7.35, 0.0546, 0.0463, 3.7676, 3.5784),
	llmPub("H100", "llama-3.1-70b", "H100", false, 2.48, 2.48, 0.83, 0.83, 0.5108, 0.5129, 94.8714, 95.2395),
	llmPub("H200", "llama-3.1-8b", "H200", true, 121.04, 132.78, 29.60, 32.01, 0.0364, 0.0301, 1.7158, 1.5552),
	llmPub("H200", "phi-3", "H200", true, 68.43, 72.98, 12.83, 13.86, 0.0524, 0.0417, 3.6975, 3.4599),
	llmPub("H200", "llama-3.1-70b", "H200", true, 4.08, 4.18, 2.19, 2.20, 0.4362, 0.4204, 57.3855, 55.9771),

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

// lookupPublished returns the figures for a row key and match string.
func lookupPublished(row, match string, primaryOnly bool) []Published {
	var out []Published
	lm := strings.ToLower(match)
	for _, p := range PublishedFigures {
		if p.Row != row || (primaryOnly && !p.Primary) {
			continue
		}
		if len(p.Match) > 0 {
			ok := false
			for _, m := range p.Match {
				ok = ok || strings.Contains(lm, strings.ToLower(m))
			}
			if !ok {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// armRole is "tee" or "baseline" from the arm's tee config value.
func armRole(a *Arm) string {
	switch a.EnvValue("tee") {
	case "", "none":
		return "baseline"
	}
	return "tee"
}

// appliesTo reports whether a published figure is set against arm a.
func (p Published) appliesTo(a *Arm) bool {
	return p.Role == "any" || p.Role == armRole(a)
}

// Verdict compares a published figure with an arm's measured summary:
// "within our CI", "differs (...)", or "not comparable: reason".
func Verdict(p Published, a *Arm, c Cell, unit string) string {
	if c.N == 0 {
		return "no data"
	}
	if p.NotComparable != "" {
		return "not comparable: " + p.NotComparable
	}
	if prof := a.EnvValue("profile"); prof != "report" {
		if prof == "" {
			prof = "unknown"
		}
		return "not comparable: profile " + prof + " (needs report sizes)"
	}
	if p.Hardware == "" {
		return "not comparable: the report does not name its hardware"
	}
	k, sub, _ := strings.Cut(p.Hardware, "~")
	if !strings.Contains(strings.ToLower(a.EnvValue(k)), strings.ToLower(sub)) {
		have := a.EnvValue(k)
		if have == "" {
			have = "none"
		}
		return fmt.Sprintf("not comparable: different hardware (%s %s, published %s)", k, have, sub)
	}
	if p.Value >= c.Lo && p.Value <= c.Hi {
		return "within our CI"
	}
	if p.Value == 0 {
		return "differs"
	}
	return fmt.Sprintf("differs (ours %+.1f%%)", (c.Center/p.Value-1)*100)
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
