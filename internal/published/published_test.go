package published

import "testing"

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
