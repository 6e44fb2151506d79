package overhead

import (
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/published"
)

// TestBoundsAbovePublished: every published TEE overhead of an area, as a
// slowdown factor, is under half its area's plausibility bound, so a
// published overhead can never read as implausible. A published key of
// no known area fails: its area needs a bound decision.
func TestBoundsAbovePublished(t *testing.T) {
	areaOfKey := map[string]string{"fio": AreaStorage, "mem": AreaMemory, "zk": AreaZK, "llm": AreaLLM}
	throughput := func(key string) bool {
		for _, s := range []string{"IOPS", "B/s", "llm/tps", "llm/qps"} {
			if strings.HasSuffix(key, s) {
				return true
			}
		}
		return false
	}
	n := 0
	for _, e := range published.All() {
		if e.Kind != published.KindOverhead {
			continue
		}
		prefix, _, _ := strings.Cut(e.Key, "/")
		area, ok := areaOfKey[prefix]
		if !ok {
			t.Errorf("published overhead %s (%s): no area; give it a plausibility bound", e.Key, e.Env)
			continue
		}
		slow := 1 + e.Value/100
		if throughput(e.Key) {
			slow = 1 / (1 - e.Value/100)
		}
		if b := Bounds[area].Factor; !(2*slow < b) {
			t.Errorf("%s %s %+.1f%% (%.2f×): bound %g× of %s is not over twice it", e.Key, e.Env, e.Value, slow, b, area)
		}
		n++
	}
	// The CPU areas' published figures are absolute 7-Zip ratings of a
	// TEE CVM and bare metal (§VIII): their ratio is the slowdown.
	for _, unit := range []string{"7z/MIPS", "7z/compress-B/s", "7z/decompress-B/s"} {
		var tee, bare float64
		for _, e := range published.Figures(unit) {
			if e.Matches("/threads=1/") {
				switch e.Env {
				case "TEE CVM":
					tee = e.Value
				case "bare metal":
					bare = e.Value
				}
			}
		}
		if tee == 0 || bare == 0 {
			t.Fatalf("%s: no 1-thread TEE CVM and bare-metal figures", unit)
		}
		for _, a := range []string{AreaCPU, AreaScaling} {
			if slow := bare / tee; !(2*slow < Bounds[a].Factor) {
				t.Errorf("%s 1 thread %.2f×: bound %g× of %s is not over twice it", unit, slow, Bounds[a].Factor, a)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d published overheads checked", n)
	}
}
