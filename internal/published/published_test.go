package published

import (
	"fmt"
	"strings"
	"testing"
)

// TestTable: the embedded table parses, and spot checks against the
// publications (docs/methods.md §9) hold: the printed columns, not values
// derived from the absolute figures.
func TestTable(t *testing.T) {
	if _, err := parse(table); err != nil {
		t.Fatal(err)
	}
	find := func(kind, key, env, match string) float64 {
		t.Helper()
		for _, e := range of(kind, key) {
			if e.Env == env && (match == "" || e.Matches(match)) {
				return e.Value
			}
		}
		t.Fatalf("no %s %s %s %s", kind, key, env, match)
		return 0
	}
	for _, tc := range []struct {
		kind, key, env, match string
		want                  float64
	}{
		{KindOverhead, "fio/read_iops/IOPS", "TDX-Lab VM → TDX-Lab CVM", "", 40.3},
		{KindOverhead, "fio/read_latency/lat-mean-sec", "H200 host → H200 CVM", "", 949.4},
		// 70B on H100: printed 0.00 TPS overhead (2.48 both ways).
		{KindOverhead, "llm/tps", "H100 Llama-3.1-70B TEE-off → TEE-on", "llama-3.1-70b", 0},
		{KindOverhead, "llm/ttft", "H200 Llama-3.1-8B TEE-off → TEE-on", "llama-3.1-8b", 20.93},
		{KindFigure, "fio/read_iops/IOPS", "H200 host", "", 259000},
		{KindFigure, "gw/req/s", "TDX-Lab", "/path=tls-proxy/keepalive=off/c=200/", 1189.93},
		{KindFigure, "7z/efficiency", "TEE CVM", "/threads=2/", 1.4075},
	} {
		if got := find(tc.kind, tc.key, tc.env, tc.match); got != tc.want {
			t.Errorf("%s %s %s: %v, want %v", tc.kind, tc.key, tc.env, got, tc.want)
		}
	}
	for _, e := range All() {
		if e.Source == "" {
			t.Errorf("%s %s %s: no source", e.Kind, e.Key, e.Env)
		}
	}
}

// TestTEE: every published pair records the TEE it ran on: the H100 LLM
// rows are SEV-SNP (AMD EPYC 9V84), the H200 LLM rows and the storage
// pairs TDX (docs/published.md); a table line with an unknown TEE, or a
// comparable overhead without one, does not parse.
func TestTEE(t *testing.T) {
	for _, e := range Overheads("llm/tps") {
		want := map[string]string{"H100": "sev-snp", "H200": "tdx"}[e.Platform]
		if e.TEE != want {
			t.Errorf("llm/tps %s: tee %q, want %q", e.Env, e.TEE, want)
		}
	}
	for _, e := range Overheads("fio/read_iops/IOPS") {
		if e.TEE != "tdx" {
			t.Errorf("fio/read_iops %s: tee %q, want tdx", e.Env, e.TEE)
		}
	}
	for _, e := range All() {
		if e.Kind == KindOverhead && e.NotComparable == "" && e.TEE == "" {
			t.Errorf("%s %s: comparable overhead without a TEE", e.Key, e.Env)
		}
	}
	const line = "overhead\tllm/tps\tllama-3.1-8b\tH100 x\tH100\t%s\t6.84\tsrc\t%s\n"
	for _, tc := range []struct{ tee, nc, err string }{
		{"sev-snp", "", ""},
		{"snp", "", `tee "snp"`},
		{"", "", "names no tee"},
		{"", "another method", ""},
	} {
		_, err := parse(fmt.Sprintf(line, tc.tee, tc.nc))
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("tee %q not_comparable %q: error %v, want %q", tc.tee, tc.nc, err, tc.err)
		}
	}
}
