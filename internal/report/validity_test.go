package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// lineWith returns the first line of s containing every part, "" if none.
func lineWith(s string, parts ...string) string {
	for _, l := range strings.Split(s, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return l
		}
	}
	return ""
}

// TestConfoundedArms: the TEE arm has 7% steal and half the vCPUs of the
// baseline. Its CPU and storage rows are marked confounded by steal (and
// storage also by the vCPUs), the scaling section says its rows are not
// comparable, and the noise check flags the TEE arm whose 12% spread
// would hide its costs.
func TestConfoundedArms(t *testing.T) {
	got, _ := renderOpt(t, []string{"testdata/validity/confound-base.txt", "testdata/validity/confound-tee.txt"}, Options{AllowUnattested: true})
	cpu := lineWith(got, "| CPU | 7-Zip total rating, 1 thread")
	if !strings.HasSuffix(cpu, "– (no published TEE overhead); confounded: steal 7.0% in `tdx` |") {
		t.Errorf("CPU headline not marked by steal:\n%s", cpu)
	}
	st := lineWith(got, "| Storage | Random read IOPS")
	if !strings.Contains(st, "; confounded: vCPUs differ; steal 3.5% in `tdx` |") {
		t.Errorf("storage headline not marked by vCPUs and steal:\n%s", st)
	}
	sc := "## VIII. CPU thread scaling\n\n> **not comparable**: vCPUs differ (`vcpus` 8 vs 4, `gomaxprocs` 8 vs 4).\n"
	if !strings.Contains(got, sc) {
		t.Errorf("scaling section does not say its rows are not comparable:\n%s", got[strings.Index(got, "## VIII"):][:400])
	}
	if !strings.Contains(got, "## V. Compression\n\n> **confounded**: steal 7.0% in `tdx`.\n") {
		t.Errorf("compression section not marked by steal")
	}
	noise := lineWith(got, "> **Noise:**")
	if !strings.Contains(noise, "`tdx` (CPU 12.0%, memory 1.2% cv) hides CPU +19.8%") || strings.Contains(noise, "`none`") {
		t.Errorf("noise flag:\n%s", noise)
	}
	if !strings.Contains(got, "| run noise-cpu | 0.80% cv over 25 samples") {
		t.Errorf("noise check not in the environment table")
	}
	// The same arms without steal, vCPUs or noise differences: no marks.
	plain, _ := renderOpt(t, []string{"testdata/validity/confound-base.txt", "testdata/validity/implausible-tee.txt"}, Options{AllowUnattested: true})
	if strings.Contains(plain, "confounded") || strings.Contains(plain, "not comparable**") || strings.Contains(plain, "**Noise:**") {
		t.Errorf("marks without a confounder:\n%s", lineWith(plain, "confounded"))
	}
}

// TestImplausibleRow: a TEE arm whose 1-thread 7-Zip is ten times slower
// than its baseline is a misconfigured arm: the row says so instead of a
// verdict, with the bound beside it, and the storage row keeps its verdict.
func TestImplausibleRow(t *testing.T) {
	got, _ := renderOpt(t, []string{"testdata/validity/confound-base.txt", "testdata/validity/implausible-tee.txt"}, Options{AllowUnattested: true})
	cpu := lineWith(got, "| CPU | 7-Zip total rating, 1 thread")
	if !strings.Contains(cpu, "| – · bound 5× | implausible — check the arm's configuration (9.94× > bound 5× for CPU) |") {
		t.Errorf("CPU row not implausible:\n%s", cpu)
	}
	row := lineWith(got, "| Total rating threads=1 ↑ | `SevenZip/threads=1 MIPS`")
	if !strings.Contains(row, "+89.94% [+89.9, +90.0] ⚠ implausible — check the arm's configuration (9.94× > bound 5× for CPU) |") {
		t.Errorf("compression table row not marked:\n%s", row)
	}
	st := lineWith(got, "| Storage | Random read IOPS")
	if strings.Contains(st, "implausible") || !strings.Contains(st, "bound 100×") {
		t.Errorf("storage row (1.67×, bound 100×):\n%s", st)
	}
}

// TestLLMTwentyRequests: with 20 requests per run the p99 row carries its
// count and reads "n too small", the mean (≥ 10) keeps its cost.
func TestLLMTwentyRequests(t *testing.T) {
	got, _ := render(t, []string{"testdata/validity/llm20-base.txt", "testdata/validity/llm20-tee.txt"})
	p99 := lineWith(got, "TTFT p99 (concurrency=1) (n=20/run)")
	if !strings.Contains(p99, "| n too small (p99 of n=20 requests; needs ≥ 100) |") {
		t.Errorf("p99 row:\n%s", p99)
	}
	mean := lineWith(got, "TTFT mean (concurrency=1) (n=20/run)")
	if mean == "" || strings.Contains(mean, "n too small") || !strings.Contains(mean, "+20.") {
		t.Errorf("mean row:\n%s", mean)
	}
}

// TestConfoundersMap: every confounder names real areas, each manifest
// key belongs to one confounder, and the documented cases hold (vCPUs
// break CPU scaling, an LLM server difference breaks LLM rows).
func TestConfoundersMap(t *testing.T) {
	valid := []string{overhead.AreaStorage, overhead.AreaNetwork, overhead.AreaCPU, overhead.AreaScaling, overhead.AreaMemory, overhead.AreaZK, overhead.AreaGPU, overhead.AreaLLM, overhead.AreaMechanisms}
	seen := map[string]string{}
	for _, c := range overhead.Confounders {
		if len(c.Breaks)+len(c.Moves) == 0 {
			t.Errorf("%s moves no area", c.Name)
		}
		for _, a := range append(slices.Clone(c.Breaks), c.Moves...) {
			if !slices.Contains(valid, a) {
				t.Errorf("%s: unknown area %q", c.Name, a)
			}
			if slices.Contains(c.Breaks, a) && slices.Contains(c.Moves, a) {
				t.Errorf("%s both breaks and moves %s", c.Name, a)
			}
		}
		for _, k := range c.Keys {
			if other, dup := seen[k]; dup {
				t.Errorf("key %s in %s and %s", k, other, c.Name)
			}
			seen[k] = c.Name
			if teeKey(k) {
				t.Errorf("key %s is the TEE's own", k)
			}
		}
	}
	find := func(name string) overhead.Confounder {
		for _, c := range overhead.Confounders {
			if c.Name == name {
				return c
			}
		}
		t.Fatalf("no confounder %s", name)
		return overhead.Confounder{}
	}
	if !slices.Contains(find("vCPUs").Breaks, overhead.AreaScaling) || !slices.Contains(find("LLM server").Breaks, overhead.AreaLLM) {
		t.Error("vCPUs must break CPU scaling, the LLM server LLM")
	}
	for _, k := range []string{"vcpus", "mem-total", "cpufreq-governor", "cpu-boost", "smt", "thp", "kernel", "mitigations", "cgroup-cpus", "cgroup-mem", "llm-model", "llm-server-version"} {
		if seen[k] == "" {
			t.Errorf("manifest key %s is in no confounder", k)
		}
	}
	for id, want := range map[string]string{"SevenZip/threads=1": overhead.AreaCPU, "SevenZip/threads=8": overhead.AreaScaling, "Fio/job=read_iops/engine=fio": overhead.AreaStorage, "Serve/model=tiny": overhead.AreaLLM, "Copy/dir=h2d": overhead.AreaGPU} {
		base, rest, _ := strings.Cut(id, "/")
		i := results.ID{Base: base}
		for _, kv := range strings.Split(rest, "/") {
			k, v, _ := strings.Cut(kv, "=")
			i.Params = append(i.Params, results.Param{Key: k, Value: v})
		}
		if got := overhead.AreaOf(i); got != want {
			t.Errorf("areaOf(%s) = %q, want %q", id, got, want)
		}
	}
}

// TestCopyCeiling: the Why section sets cpu_bench's one-core AES-256-GCM
// rate beside the GPU's host-to-device copies as their predicted CPU-side
// ceiling under CC, per arm.
func TestCopyCeiling(t *testing.T) {
	got, _ := render(t, []string{"testdata/validity/aes-base.txt", "testdata/validity/aes-tee.txt"})
	for _, want := range []string{
		"### GPU copies under CC\n",
		"| AES-256-GCM seal, one core (size=256KiB) ↑ | `AESGCM/size=256KiB/impl=go B/s` |",
		"*Predicted CPU-side ceiling of a CC host-to-device copy encrypted by one thread* (the fastest one-core AES-256-GCM seal): `none` 3.837GiB/s (its fastest host-to-device copy: 40.06GiB/s, 10.44× the ceiling); `tdx` 3.766GiB/s (its fastest host-to-device copy: 2.695GiB/s, 0.72× the ceiling).",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
