package overhead

import (
	"math"
	"strings"
	"testing"
)

func TestOverheadConvention(t *testing.T) {
	// docs/methods.md §0: TPS (132.3618-123.2985)/132.3618 = 6.85%;
	// TTFT (0.0288-0.0242)/0.0242 = 19.0%.
	if got := Overhead(132.3618, 123.2985, Higher); math.Abs(got-6.847) > 0.01 {
		t.Errorf("throughput overhead %.3f", got)
	}
	if got := Overhead(0.0242, 0.0288, Lower); math.Abs(got-19.01) > 0.01 {
		t.Errorf("latency overhead %.3f", got)
	}
}

func TestVerdict(t *testing.T) {
	dl := Delta{OK: true, Overhead: 20, Lo: 18, Hi: 22}
	for _, tc := range []struct {
		name   string
		p      PubOverhead
		n0, n1 int
		want   string
	}{
		{"inside CI", PubOverhead{Pct: 20.5}, 6, 6, "consistent"},
		{"published larger", PubOverhead{Pct: 40.3}, 6, 6, "smaller overhead here"},
		{"published smaller", PubOverhead{Pct: 8.8}, 6, 6, "larger overhead here"},
		{"few samples", PubOverhead{Pct: 20}, 6, 5, "too few samples (n=6+5, need 6 per arm)"},
		{"other method", PubOverhead{Pct: 20, NotComparable: "x"}, 6, 6, "not comparable: x"},
	} {
		if got := Verdict(tc.p, dl, tc.n0, tc.n1); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := Verdict(PubOverhead{Pct: 1}, Delta{}, 6, 6); got != "no data" {
		t.Errorf("no data: %q", got)
	}
}

func TestStoragePairByPlatform(t *testing.T) {
	for _, tc := range []struct {
		plat string
		want []string
	}{
		{"bare-metal", []string{"H200 host → H200 CVM", "TDX-Lab host → TDX-Lab CVM"}},
		{"vm", []string{"TDX-Lab VM → TDX-Lab CVM"}},
	} {
		ps := StoragePairs("read_iops", "IOPS", tc.plat)
		var got []string
		for _, p := range ps {
			got = append(got, p.Pair)
			if p.NotComparable != "" {
				t.Errorf("%s: %s not comparable: %s", tc.plat, p.Pair, p.NotComparable)
			}
		}
		if strings.Join(got, ";") != strings.Join(tc.want, ";") {
			t.Errorf("platform %s: pairs %q, want %q", tc.plat, got, tc.want)
		}
	}
	for _, p := range StoragePairs("read_iops", "IOPS", "cvm") {
		if p.NotComparable == "" {
			t.Errorf("cvm baseline: %s comparable", p.Pair)
		}
	}
	if ps := StoragePairs("read_iops", "IOPS", "vm"); ps[0].Pct != 40.3 {
		t.Errorf("TDX-Lab VM→CVM read IOPS overhead %v, want 40.3 (docs/methods.md §9)", ps[0].Pct)
	}
}

func TestLLMPairs(t *testing.T) {
	ps := LLMPairs("ttft", "llama-3.1-8b-instruct", "NVIDIA H200 NVL")
	if len(ps) != 1 || ps[0].Pct != 20.93 || ps[0].NotComparable != "" {
		t.Errorf("served Llama-3.1-8B on H200: %+v", ps)
	}
	ps = LLMPairs("ttft", "tiny", "")
	if len(ps) != 1 || !strings.Contains(ps[0].NotComparable, "model tiny is not one of the published models") || strings.Contains(ps[0].NotComparable, "embedded") {
		t.Errorf("embedded model: %+v", ps)
	}
	if ps := LLMPairs("itl", "phi-3-medium", "H100"); len(ps) != 1 || ps[0].NotComparable == "" || ps[0].Pct != 5.29 {
		t.Errorf("ITL is another definition: %+v", ps)
	}
}

func TestOverheadCI(t *testing.T) {
	off := []float64{100, 101, 99, 100.5, 99.5, 100.2}
	on := []float64{120, 121, 119, 120.5, 119.5, 120.2}
	lo, hi := OverheadCI(off, on, Lower)
	if !(lo <= 20.2 && hi >= 19.8 && lo > 17 && hi < 23) {
		t.Errorf("latency overhead CI [%.2f, %.2f], want around +20%%", lo, hi)
	}
	lo2, hi2 := OverheadCI(off, on, Lower)
	if lo != lo2 || hi != hi2 {
		t.Error("bootstrap not reproducible")
	}
	tlo, thi := OverheadCI(on, off, Higher) // throughput falls 120 -> 100
	if !(tlo < 16.67 && thi > 16.67) {
		t.Errorf("throughput overhead CI [%.2f, %.2f], want around 16.67%%", tlo, thi)
	}
	if lo, _ := OverheadCI(off[:5], on, Lower); !math.IsNaN(lo) {
		t.Error("CI given with 5 samples")
	}
}
