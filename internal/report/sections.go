package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/teebench/teebench/internal/scaling"
	"golang.org/x/perf/benchmath"
)

// prefer orders values so that the preferred ones come first, the others
// after them in their order.
func prefer(vals []string, first ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range first {
		for _, v := range vals {
			if v == f && !seen[v] {
				out = append(out, v)
				seen[v] = true
			}
		}
	}
	for _, v := range vals {
		if !seen[v] {
			out = append(out, v)
			seen[v] = true
		}
	}
	return out
}

// paramsLabel lists an ID's name parts as "k=v k=v".
func paramsLabel(id ID) string {
	var parts []string
	for _, p := range id.Params {
		if p.Key == "" {
			parts = append(parts, p.Value)
		} else {
			parts = append(parts, p.Key+"="+p.Value)
		}
	}
	return strings.Join(parts, " ")
}

func one(ids []ID) (ID, bool) {
	if len(ids) == 0 {
		return ID{}, false
	}
	return ids[0], true
}

// matchOf is the match string of an ID for published lookups:
// "/key=value/key=value/".
func matchOf(id ID) string {
	var b strings.Builder
	b.WriteByte('/')
	for _, p := range id.Params {
		b.WriteString(p.Key + "=" + p.Value + "/")
	}
	return b.String()
}

// storageJobs are the rows of §II: job, unit, label, direction, published key.
var storageJobs = []struct {
	job, unit, label string
	dir              Dir
}{
	{"read_iops", "IOPS", "Random read IOPS (4K QD64)", Higher},
	{"write_iops", "IOPS", "Random write IOPS (4K QD64)", Higher},
	{"read_bw", "B/s", "Random read bandwidth (128K QD64)", Higher},
	{"write_bw", "B/s", "Random write bandwidth (128K QD64)", Higher},
	{"read_latency", "lat-mean-sec", "Avg read latency (4K QD4)", Lower},
	{"write_latency", "lat-mean-sec", "Avg write latency (4K QD4)", Lower},
	{"read_latency", "lat-p99-sec", "p99 read latency (4K QD4)", Lower},
	{"write_latency", "lat-p99-sec", "p99 write latency (4K QD4)", Lower},
	{"read_seq", "B/s", "Sequential read (1M QD16 x4)", Higher},
	{"write_seq", "B/s", "Sequential write (1M QD16 x4)", Higher},
	{"rw_mix", "read-IOPS", "Mixed 75/25 read IOPS (4K QD64)", Higher},
	{"rw_mix", "write-IOPS", "Mixed 75/25 write IOPS (4K QD64)", Higher},
}

func (r *renderer) storage() bool {
	d := r.d
	all := d.Find("Fio")
	if len(all) == 0 {
		return false
	}
	r.p("The nine jobs of InfraBuilder's fio `benchmark.sh` (METHODS.md §1), on the Go engine (`engine=go`) and on fio itself (`engine=fio`) as the reference.\n\n")
	any := false
	for _, eng := range prefer(Distinct(all, "engine"), "go", "fio") {
		var rows []row
		for _, j := range storageJobs {
			id, ok := one(d.Find("Fio", "job="+j.job, "engine="+eng))
			if !ok {
				continue
			}
			rows = append(rows, row{label: j.label, id: id, unit: j.unit, dir: j.dir, pub: "fio/" + j.job + "/" + j.unit})
		}
		var b strings.Builder
		saved := r.out
		r.out = &bufWriter{&b}
		ok := r.metricTable("engine="+eng, rows)
		r.out = saved
		if ok {
			r.p("### engine=%s\n\n%s", eng, b.String())
			any = true
		}
	}
	var pairs []crossPair
	for _, j := range storageJobs {
		g, ok1 := one(d.Find("Fio", "job="+j.job, "engine=go"))
		f, ok2 := one(d.Find("Fio", "job="+j.job, "engine=fio"))
		if ok1 && ok2 {
			pairs = append(pairs, crossPair{label: j.label, a: g, b: f, unit: j.unit})
		}
	}
	r.crossCheck("Cross-check: Go engine vs fio", "go/fio", pairs)
	eng := prefer(Distinct(all, "engine"), "go", "fio")[0]
	if id, ok := one(d.Find("Fio", "job=read_iops", "engine="+eng)); ok {
		r.headline("Storage", "random read IOPS ("+eng+")", id, "IOPS", Higher)
	}
	if id, ok := one(d.Find("Fio", "job=read_latency", "engine="+eng)); ok {
		r.headline("Storage", "random read latency ("+eng+")", id, "lat-mean-sec", Lower)
	}
	if id, ok := one(d.Find("Fio", "job=read_seq", "engine="+eng)); ok {
		r.headline("Storage", "sequential read ("+eng+")", id, "B/s", Higher)
	}
	r.storageChart(eng)
	return any
}

func (r *renderer) gateway() bool {
	d := r.d
	all := d.Find("Gateway")
	multi := d.Find("GatewayMulti")
	rate := d.Find("GatewayRate")
	if len(all)+len(multi)+len(rate) == 0 {
		return false
	}
	any := false
	if len(all) > 0 {
		path := prefer(Distinct(all, "path"), "tls-proxy", "direct")[0]
		ka := prefer(Distinct(all, "keepalive"), "off", "on")[0]
		r.p("### By concurrency (path=%s, keepalive=%s)\n\n", path, ka)
		r.p("The report's `ab -n 5000 -c N` against the TLS gateway (METHODS.md §3). Error rate = failed/complete requests.\n\n")
		for _, client := range prefer(Distinct(all, "client"), "go", "ab", "wrk") {
			ids := d.FindSorted("Gateway", "c", "path="+path, "keepalive="+ka, "client="+client)
			var rows []row
			for _, m := range []struct {
				unit, label string
				dir         Dir
			}{
				{"req/s", "QPS", Higher},
				{"lat-p99-sec", "P99 latency", Lower},
				{"lat-mean-sec", "Mean latency", Lower},
				{"errors/op", "Error rate", Lower},
				{"connect-max-sec", "Max connect time", Lower},
			} {
				for _, id := range ids {
					rows = append(rows, row{label: fmt.Sprintf("%s c=%s", m.label, id.Get("c")), id: id, unit: m.unit, dir: m.dir,
						pub: "gw/" + m.unit, match: "/c=" + id.Get("c") + "/"})
				}
			}
			r.p("client=%s:\n\n", client)
			if r.metricTable("metric", rows) {
				any = true
			}
		}
		ids := d.FindSorted("Gateway", "c", "path="+path, "keepalive="+ka)
		if len(ids) > 0 {
			top := ids[len(ids)-1]
			r.headline("Network", fmt.Sprintf("gateway P99 at c=%s (%s, %s)", top.Get("c"), path, top.Get("client")), top, "lat-p99-sec", Lower)
			r.headline("Network", fmt.Sprintf("gateway QPS at c=%s (%s, %s)", top.Get("c"), path, top.Get("client")), top, "req/s", Higher)
		}
		r.gatewayChart(path, ka)
		any = r.tlsVsDirect(all) || any
		for _, ref := range []string{"ab", "wrk"} {
			var pairs []crossPair
			for _, id := range all {
				if id.Get("client") != "go" {
					continue
				}
				rid, ok := one(d.Find("Gateway", "path="+id.Get("path"), "keepalive="+id.Get("keepalive"), "c="+id.Get("c"), "client="+ref))
				if !ok {
					continue
				}
				n := fmt.Sprintf("path=%s keepalive=%s c=%s", id.Get("path"), id.Get("keepalive"), id.Get("c"))
				pairs = append(pairs, crossPair{label: "QPS " + n, a: id, b: rid, unit: "req/s"},
					crossPair{label: "Mean latency " + n, a: id, b: rid, unit: "lat-mean-sec"})
			}
			r.crossCheck("Cross-check: Go load generator vs "+ref, "go/"+ref, pairs)
		}
	}
	if len(multi) > 0 {
		r.p("### Multi-client test\n\n")
		r.p("The report's 51 concurrent `ab -n 5000 -c 40`.\n\n")
		var rows []row
		for _, id := range multi {
			rows = append(rows,
				row{label: "Total QPS " + id.String(), id: id, unit: "req/s", dir: Higher, pub: "gw-multi/req/s"},
				row{label: "Error rate " + id.String(), id: id, unit: "errors/op", dir: Lower})
		}
		any = r.metricTable("metric", rows) || any
	}
	if len(rate) > 0 {
		r.p("### Open-loop rate sweep\n\n")
		any = r.metricTable("benchmark", r.allUnits(rate)) || any
	}
	return any
}

// crossPair is one figure measured by our implementation (a) and by the
// reference tool (b) in the same run.
type crossPair struct {
	label string
	a, b  ID
	unit  string
}

// crossCheck writes, per arm, the ratio of our figure to the reference
// tool's (median a / median b) with the Mann-Whitney p of the two samples:
// "~" means the two agree within the noise.
func (r *renderer) crossCheck(title, ratio string, pairs []crossPair) {
	d := r.d
	var lines [][]string
	for _, pr := range pairs {
		line := []string{pr.label}
		any := false
		for i := range d.Arms {
			a, b := d.Values(pr.a, pr.unit, i), d.Values(pr.b, pr.unit, i)
			if len(a) == 0 || len(b) == 0 {
				line = append(line, "–")
				continue
			}
			any = true
			cRef, cOurs, dl := Compare(d.Units.GetAssumption(pr.unit), b, a, Neutral)
			s := fmt.Sprintf("%.3f", cOurs.Center/cRef.Center)
			if !dl.Significant {
				s = "~ " + s
			}
			line = append(line, fmt.Sprintf("%s (%s)", s, dl.Comparison)+r.warnMarks(dl.Warnings))
		}
		if any {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return
	}
	r.p("### %s\n\n", title)
	r.p("Ratio %s of the medians in each arm; `~` marks a ratio the Mann-Whitney test cannot tell from 1 (p > 0.05).\n\n", ratio)
	hdr := []string{"figure"}
	for _, a := range d.Arms {
		hdr = append(hdr, a.Label+" "+ratio)
	}
	r.table(hdr, lines)
}

// tlsVsDirect writes the TProxy table: direct HTTP vs the TLS proxy at the
// highest concurrency measured on both paths, and the TLS latency overhead
// inside each arm.
func (r *renderer) tlsVsDirect(all []ID) bool {
	d := r.d
	ka := prefer(Distinct(all, "keepalive"), "off", "on")[0]
	client := prefer(Distinct(all, "client"), "go", "ab", "wrk")[0]
	direct := d.FindSorted("Gateway", "c", "path=direct", "keepalive="+ka, "client="+client)
	tls := d.FindSorted("Gateway", "c", "path=tls-proxy", "keepalive="+ka, "client="+client)
	cs := map[string]ID{}
	for _, id := range direct {
		cs[id.Get("c")] = id
	}
	var dID, tID ID
	found := false
	for _, id := range tls {
		if did, ok := cs[id.Get("c")]; ok {
			dID, tID, found = did, id, true
		}
	}
	if !found {
		return false
	}
	r.p("### HTTP vs TLS proxy (c=%s, keepalive=%s, client=%s)\n\n", tID.Get("c"), ka, client)
	rows := []row{
		{label: "Direct (HTTP) QPS", id: dID, unit: "req/s", dir: Higher, pub: "gw-path/direct/req/s"},
		{label: "TLS proxy QPS", id: tID, unit: "req/s", dir: Higher, pub: "gw-path/tls-proxy/req/s"},
		{label: "Direct (HTTP) mean latency", id: dID, unit: "lat-mean-sec", dir: Lower, pub: "gw-path/direct/lat-mean-sec"},
		{label: "TLS proxy mean latency", id: tID, unit: "lat-mean-sec", dir: Lower, pub: "gw-path/tls-proxy/lat-mean-sec"},
	}
	r.metricTable("metric", rows)
	// TLS overhead inside each arm: (tls-direct)/direct, latency convention.
	var lines [][]string
	for i, a := range d.Arms {
		unit := "lat-mean-sec"
		_, _, dl := Compare(d.Units.GetAssumption(unit), d.Values(dID, unit, i), d.Values(tID, unit, i), Lower)
		lines = append(lines, []string{a.Label, formatOverhead(dl) + r.warnMarks(dl.Warnings)})
	}
	r.p("TLS-proxy latency overhead inside each arm, (TLS − direct)/direct of the mean latency ↓ (published TDX-Lab: 791.3/89.8 − 1 = +781%%; the report prints +702%%):\n\n")
	r.table([]string{"arm", "TLS proxy vs direct"}, lines)
	return true
}

// allUnits returns one row per benchmark and unit, for benchmarks whose
// units the report has no fixed rows for.
func (r *renderer) allUnits(ids []ID) []row {
	var rows []row
	for _, id := range ids {
		for _, u := range r.d.units[id.String()] {
			rows = append(rows, row{label: id.String() + " " + u, id: id, unit: u, dir: r.dirOf(u)})
		}
	}
	return rows
}

// dirOf returns the direction of a unit from its metadata (Unit lines).
func (r *renderer) dirOf(unit string) Dir {
	switch r.d.Units.GetBetter(unit) {
	case 1:
		return Higher
	case -1:
		return Lower
	}
	return Neutral
}

func (r *renderer) zk() bool {
	d := r.d
	prove, verify, setup := d.Find("Prove"), d.Find("Verify"), d.Find("Setup")
	if len(prove)+len(verify)+len(setup) == 0 {
		return false
	}
	r.p("gnark proofs (the report's zkTLS figures are SP1 zkVM proofs of an RSA-2048 verification: shown for reference, not comparable).\n\n")
	var rows []row
	for _, id := range prove {
		n := id.Get("circuit") + " " + id.Get("backend")
		m := matchOf(id)
		rows = append(rows,
			row{label: "Proof time " + n, id: id, unit: "sec/op", dir: Lower, pub: "zk/prove/sec/op", match: m},
			row{label: "Constraints/s " + n, id: id, unit: "constraints/s", dir: Higher},
			row{label: "Constraints " + n, id: id, unit: "constraints", dir: Neutral},
			row{label: "Proof size " + n, id: id, unit: "proof-B", dir: Lower, pub: "zk/prove/proof-B", match: m})
	}
	for _, id := range verify {
		rows = append(rows, row{label: "Verify time " + id.Get("circuit") + " " + id.Get("backend"), id: id, unit: "sec/op", dir: Lower})
	}
	for _, id := range setup {
		n := id.Get("circuit") + " " + id.Get("backend")
		rows = append(rows,
			row{label: "Compile time " + n, id: id, unit: "compile-sec", dir: Lower},
			row{label: "Setup time " + n, id: id, unit: "setup-sec", dir: Lower})
	}
	ok := r.metricTable("metric", rows)
	for _, id := range prove {
		r.headline("zk", "proof time "+id.Get("circuit")+" "+id.Get("backend"), id, "sec/op", Lower)
		break
	}
	return ok
}

func (r *renderer) memory() bool {
	d := r.d
	sha := d.FindSorted("SHA256", "size")
	stream := d.Find("Stream")
	lat := d.FindSorted("MemLatency", "size")
	wake := d.Find("Wakeup")
	if len(sha)+len(stream)+len(lat)+len(wake) == 0 {
		return false
	}
	r.p("What memory encryption costs the CPU: hashing, STREAM bandwidth (METHODS.md §7), dependent-load latency and thread wake-up.\n\n")
	var rows []row
	for _, id := range sha {
		rows = append(rows, row{label: "SHA-256 " + id.Get("size"), id: id, unit: "B/s", dir: Higher, pub: "mem/sha256/B/s", match: matchOf(id)})
	}
	sort.SliceStable(stream, func(i, j int) bool { return numOf(stream[i].Get("threads")) < numOf(stream[j].Get("threads")) })
	for _, id := range stream {
		rows = append(rows, row{label: "STREAM " + paramsLabel(id), id: id, unit: "B/s", dir: Higher})
	}
	for _, id := range lat {
		rows = append(rows, row{label: "Memory latency " + id.Get("size"), id: id, unit: "sec/op", dir: Lower})
	}
	for _, id := range wake {
		rows = append(rows, row{label: "Wake-up " + id.String(), id: id, unit: "sec/op", dir: Lower})
	}
	ok := r.metricTable("metric", rows)
	for _, id := range stream {
		if id.Get("kernel") == "triad" {
			r.headline("Memory", fmt.Sprintf("STREAM triad threads=%s", id.Get("threads")), id, "B/s", Higher)
			break
		}
	}
	return ok
}

func (r *renderer) compression() bool {
	d := r.d
	sz := d.FindSorted("SevenZip", "threads")
	comp, decomp := d.Find("Compress"), d.Find("Decompress")
	if len(sz)+len(comp)+len(decomp) == 0 {
		return false
	}
	ok := false
	if len(sz) > 0 {
		r.p("### 7-Zip rating\n\n")
		r.p("`7z b -mmtN` method (METHODS.md §2). Per-thread efficiency = compress MIPS / threads (the report divides its `-mmt8` figure by 32 cores; see METHODS.md §0).\n\n")
		var rows []row
		for _, id := range sz {
			rows = append(rows, row{label: "Compress MIPS threads=" + id.Get("threads"), id: id, unit: "compress-MIPS", dir: Higher, pub: "7z/compress-MIPS", match: matchOf(id)})
		}
		for _, id := range sz {
			rows = append(rows, row{label: "Decompress MIPS threads=" + id.Get("threads"), id: id, unit: "decompress-MIPS", dir: Higher})
		}
		ok = r.metricTable("metric", rows)
		// Per-thread efficiency from the medians.
		hdr := []string{"threads"}
		for _, a := range d.Arms {
			hdr = append(hdr, a.Label+" compress MIPS/thread")
		}
		var lines [][]string
		for _, id := range sz {
			n := numOf(id.Get("threads"))
			line := []string{id.Get("threads")}
			for i := range d.Arms {
				m := r.median(id, "compress-MIPS", i)
				if m != m { // NaN
					line = append(line, "–")
				} else {
					line = append(line, trimf(m/n, 4))
				}
			}
			lines = append(lines, line)
		}
		r.table(hdr, lines)
		if id, ok1 := one(d.Find("SevenZip", "threads=1")); ok1 {
			r.headline("CPU", "7-Zip total rating, 1 thread", id, "MIPS", Higher)
		}
	}
	if len(comp)+len(decomp) > 0 {
		r.p("### Go codecs\n\n")
		var rows []row
		for _, set := range []struct {
			ids  []ID
			name string
		}{{comp, "Compress"}, {decomp, "Decompress"}} {
			for _, id := range set.ids {
				n := fmt.Sprintf("%s %s dict=%s threads=%s", set.name, id.Get("codec"), id.Get("dict"), id.Get("threads"))
				rows = append(rows, row{label: n, id: id, unit: "B/s", dir: Higher})
			}
		}
		ok = r.metricTable("benchmark", rows) || ok
	}
	return ok
}

func (r *renderer) gpu() bool {
	d := r.d
	cp, gemm := d.Find("Copy"), d.Find("GEMM")
	var keys []string
	seen := map[string]bool{}
	for _, a := range d.Arms {
		for _, k := range a.EnvKeys {
			if strings.HasPrefix(k, "gpu") && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(cp)+len(gemm)+len(keys) == 0 {
		return false
	}
	if len(keys) > 0 {
		r.p("### GPU inventory (NVML)\n\n")
		hdr := []string{"key"}
		for _, a := range d.Arms {
			hdr = append(hdr, a.Label)
		}
		var lines [][]string
		for _, k := range keys {
			line := []string{k}
			for _, a := range d.Arms {
				v := a.EnvValue(k)
				if v == "" {
					v = "–"
				}
				line = append(line, esc(v))
			}
			lines = append(lines, line)
		}
		r.table(hdr, lines)
		r.p("Published (§VI, vendor specifications, not measurements): H200 NVL 141 GB at 4.8 TB/s; AWS G6 (L4) 24 GB at 300 GB/s.\n\n")
	}
	if len(cp)+len(gemm) == 0 {
		return true
	}
	r.p("### Copy bandwidth and GEMM\n\n")
	r.p("CPU↔GPU copies go through encrypted bounce buffers in CC mode (METHODS.md §8); GEMM runs inside the GPU.\n\n")
	var rows []row
	for _, id := range cp {
		rows = append(rows, row{label: fmt.Sprintf("Copy %s %s %s", id.Get("dir"), id.Get("mem"), id.Get("size")), id: id, unit: "B/s", dir: Higher})
	}
	for _, id := range gemm {
		rows = append(rows, row{label: fmt.Sprintf("GEMM %s n=%s", id.Get("dtype"), id.Get("n")), id: id, unit: "TOPS", dir: Higher, pub: "gpu/gemm/TOPS", match: matchOf(id)})
	}
	ok := r.metricTable("metric", rows)
	for _, id := range cp {
		if id.Get("dir") == "h2d" {
			r.headline("GPU", fmt.Sprintf("H2D copy %s %s", id.Get("mem"), id.Get("size")), id, "B/s", Higher)
			break
		}
	}
	return ok
}

func (r *renderer) llm() bool {
	d := r.d
	all := d.Find("Serve")
	if len(all) == 0 {
		return false
	}
	r.p("vLLM `benchmark_serving` metrics (METHODS.md §4). TPS = output tok/s at concurrency=1; QPS = the highest req/s of the sweep (baseline median); TTFT/ITL from the rate=1 run when present, else concurrency=1.\n\n")
	ok := false
	for _, model := range Distinct(all, "model") {
		ids := d.Find("Serve", "model="+model)
		m := "/model=" + model + "/"
		var rows []row
		c1, hasC1 := one(d.Find("Serve", "model="+model, "concurrency=1"))
		if hasC1 {
			rows = append(rows, row{label: "TPS (concurrency=1)", id: c1, unit: "tok/s", dir: Higher, pub: "llm/tps", match: m})
		}
		var best ID
		bestV := -1.0
		for _, id := range ids {
			for arm := range d.Arms {
				if v := r.median(id, "req/s", arm); v == v && v > bestV {
					bestV, best = v, id
				}
				break // baseline arm decides
			}
		}
		if bestV >= 0 {
			rows = append(rows, row{label: "QPS (" + strings.Trim(strings.TrimPrefix(matchOf(best), "/model="+model), "/") + ")", id: best, unit: "req/s", dir: Higher, pub: "llm/qps", match: m})
		}
		lat, hasLat := one(d.Find("Serve", "model="+model, "rate=1"))
		if !hasLat {
			lat, hasLat = c1, hasC1
		}
		if hasLat {
			w := strings.Trim(strings.TrimPrefix(matchOf(lat), "/model="+model), "/")
			rows = append(rows,
				row{label: "TTFT mean (" + w + ")", id: lat, unit: "ttft-mean-sec", dir: Lower, pub: "llm/ttft", match: m},
				row{label: "TTFT p99 (" + w + ")", id: lat, unit: "ttft-p99-sec", dir: Lower},
				row{label: "TPOT mean (" + w + ")", id: lat, unit: "tpot-mean-sec", dir: Lower},
				row{label: "ITL mean (" + w + ")", id: lat, unit: "itl-mean-sec", dir: Lower, pub: "llm/itl", match: m},
				row{label: "ITL p99 (" + w + ")", id: lat, unit: "itl-p99-sec", dir: Lower},
				row{label: "E2E latency mean (" + w + ")", id: lat, unit: "e2el-mean-sec", dir: Lower},
				row{label: "Error rate (" + w + ")", id: lat, unit: "errors/op", dir: Lower})
			r.headline("LLM", model+" TTFT", lat, "ttft-mean-sec", Lower)
		}
		if hasC1 {
			r.headline("LLM", model+" TPS", c1, "tok/s", Higher)
		}
		r.p("### model=%s\n\n", model)
		ok = r.metricTable("metric", rows) || ok
	}
	r.llmChart()
	return ok
}

// efficiency is internal/scaling's Tot(N) / (N x Tot(1)) of two medians,
// NaN when it cannot be computed (no 1-thread value, non-positive rate).
func efficiency(totN, tot1, n float64) float64 {
	e, err := scaling.Efficiency(totN, tot1, int(n))
	if err != nil || math.IsNaN(totN) {
		return math.NaN()
	}
	return e
}

// efficiencyCell gives the scaling efficiency a conservative interval for
// the published-figure verdict: Tot(N)'s CI over Tot(1)'s CI (exactly 1 at
// one thread, by definition).
func (r *renderer) efficiencyCell(id, one1 ID, has1 bool, arm int, n, eff float64) Cell {
	a := r.d.Units.GetAssumption("MIPS")
	cn, _ := summarize(a, r.d.Values(id, "MIPS", arm))
	if !has1 || cn.N == 0 || math.IsNaN(eff) {
		return Cell{}
	}
	if n == 1 {
		return Cell{N: cn.N, Summary: benchmath.Summary{Center: 1, Lo: 1, Hi: 1}}
	}
	c1, _ := summarize(a, r.d.Values(one1, "MIPS", arm))
	return Cell{N: cn.N, Summary: benchmath.Summary{Center: eff,
		Lo: efficiency(cn.Lo, c1.Hi, n), Hi: efficiency(cn.Hi, c1.Lo, n)}}
}

func (r *renderer) scaling() bool {
	sz := r.sevenZipScaling()
	codecs := r.codecScaling()
	return sz || codecs
}

// codecScaling writes the scaling efficiency of the Go codec benchmarks,
// B/s(N) / (N x B/s(1)), per arm.
func (r *renderer) codecScaling() bool {
	d := r.d
	hdr := []string{"benchmark", "threads"}
	for _, a := range d.Arms {
		hdr = append(hdr, a.Label+" efficiency")
	}
	var lines [][]string
	for _, base := range []string{"Compress", "Decompress"} {
		all := d.Find(base)
		for _, codec := range Distinct(all, "codec") {
			for _, dict := range Distinct(d.Find(base, "codec="+codec), "dict") {
				ids := d.FindSorted(base, "threads", "codec="+codec, "dict="+dict)
				one1, has1 := one(d.Find(base, "codec="+codec, "dict="+dict, "threads=1"))
				if !has1 || len(ids) < 2 {
					continue
				}
				for _, id := range ids {
					line := []string{fmt.Sprintf("%s %s dict=%s", base, codec, dict), id.Get("threads")}
					for i := range d.Arms {
						line = append(line, pct(efficiency(r.median(id, "B/s", i), r.median(one1, "B/s", i), numOf(id.Get("threads")))))
					}
					lines = append(lines, line)
				}
			}
		}
	}
	if len(lines) == 0 {
		return false
	}
	r.p("### Go codecs\n\nScaling efficiency of the Go compression benchmarks, B/s(N) / (N × B/s(1)) of the medians.\n\n")
	r.table(hdr, lines)
	return true
}

// sevenZipScaling writes the §VIII tables: per arm, 7-Zip's usage, speeds,
// total rating and scaling efficiency by threads, with the published tables.
func (r *renderer) sevenZipScaling() bool {
	d := r.d
	ids := d.FindSorted("SevenZip", "threads")
	if len(ids) == 0 {
		return false
	}
	one1, has1 := one(d.Find("SevenZip", "threads=1"))
	r.p("`for t in 1 2 4 8 16 32; do 7z b -mmt$t; done`. Scaling efficiency = Tot(N) / (N × Tot(1)) of the medians of the total rating (MIPS).\n\n")
	for i, a := range d.Arms {
		r.p("### %s\n\n", a.Label)
		var lines [][]string
		for _, id := range ids {
			n := numOf(id.Get("threads"))
			m := matchOf(id)
			cells := map[string]Cell{}
			cell := func(unit string) string {
				c, _ := summarize(d.Units.GetAssumption(unit), d.Values(id, unit, i))
				cells[unit] = c
				return formatCell(c, unit) + r.warnMarks(c.Warnings)
			}
			line := []string{id.Get("threads"), cell("usage-%"), cell("compress-B/s"), cell("decompress-B/s"), cell("MIPS")}
			eff := math.NaN()
			if has1 {
				eff = efficiency(r.median(id, "MIPS", i), r.median(one1, "MIPS", i), n)
			}
			line = append(line, pct(eff))
			cells["efficiency"] = r.efficiencyCell(id, one1, has1, i, n, eff)
			var pubs, verdicts []string
			label := fmt.Sprintf("%s threads=%s", a.Label, id.Get("threads"))
			for _, col := range []struct{ key, unit string }{
				{"7z/usage", "usage-%"}, {"7z/compress-B/s", "compress-B/s"}, {"7z/decompress-B/s", "decompress-B/s"},
				{"7z/MIPS", "MIPS"}, {"7z/efficiency", "efficiency"},
			} {
				for _, p := range lookupPublished(col.key, m, true) {
					if !p.appliesTo(a) {
						continue
					}
					if len(pubs) == 0 {
						pubs = append(pubs, p.Env+":")
					}
					pubs = append(pubs, formatPublished(p, col.unit))
					v := r.verdict(p, label+" "+strings.TrimPrefix(col.key, "7z/"), i, cells[col.unit], col.unit)
					if col.unit == "MIPS" {
						verdicts = append(verdicts, "total rating: "+v)
					}
				}
			}
			line = append(line, esc(strings.Join(pubs, " ")), esc(strings.Join(verdicts, "")))
			lines = append(lines, line)
		}
		r.table([]string{"threads", "CPU usage", "compression", "decompression", "total rating", "scaling efficiency", "published (usage, compression, decompression, rating, efficiency)", "verdict"}, lines)
	}
	if len(d.Arms) > 1 {
		r.p("### Total rating, each arm vs the baseline\n\n")
		var rows []row
		for _, id := range ids {
			rows = append(rows, row{label: "Total rating threads=" + id.Get("threads"), id: id, unit: "MIPS", dir: Higher, pub: "7z/MIPS", match: matchOf(id)})
		}
		r.metricTable("metric", rows)
	}
	if has1 && len(ids) > 1 {
		top := ids[len(ids)-1]
		var parts []string
		for i, a := range d.Arms {
			parts = append(parts, fmt.Sprintf("`%s` %s", a.Label,
				pct(efficiency(r.median(top, "MIPS", i), r.median(one1, "MIPS", i), numOf(top.Get("threads"))))))
		}
		r.headlines = append(r.headlines, fmt.Sprintf("**CPU scaling**: 7-Zip efficiency at %s threads: %s (published TEE 79.91%%, bare metal 67.4%% at 32)",
			top.Get("threads"), strings.Join(parts, ", ")))
	}
	r.scalingChart(ids, one1, has1)
	return true
}

// bufWriter adapts a strings.Builder to the renderer's output buffer.
type bufWriter struct{ b *strings.Builder }

func (w *bufWriter) Write(p []byte) (int, error) { return w.b.Write(p) }
