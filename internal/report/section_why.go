package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/teebench/teebench/internal/report/blocks"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// whySpec names the rows of one benchmark pattern: every benchmark with
// base name base and the name parts in where (or those pick keeps), each
// in every unit of units.
type whySpec struct {
	label string
	base  string
	where []string
	units []string
	pick  func(d *results.Dataset, ids []results.ID) []results.ID
}

// whyGroup is one macro overhead of the report and the mechanism
// benchmarks that explain it: the table sets them side by side,
// so each mechanism's overhead reads beside the macro one.
type whyGroup struct {
	title string
	text  string
	macro []whySpec
	mech  []whySpec
	// none is said when no arm measured any mechanism row.
	none string
	// after writes what follows the group's table (the TLS ceiling).
	after func(r *renderer)
}

// whyGroups is the spec of the Why section, in its order.
var whyGroups = []whyGroup{
	{
		title: "Storage latency and IOPS",
		text: "Queue-depth-1 4 KiB I/O is the bounce-buffer and exit cost per I/O without queueing (cpu-sec/op is the CPU time per I/O); " +
			"first touch of a 4 KiB page (fault, zeroing, secure-EPT work in a TD, PVALIDATE/RMP work in an SNP guest) against the second touch of the resident page (the control); " +
			"a 4-byte read of a PCI device's config space, which exits to the host in every VM kind (a VM exit; a #VE and a TDVMCALL in a TD; a #VC and a VMGEXIT in an SNP guest), " +
			"and a CPUID hypervisor leaf, which exits in a TD (a #VE and a TDVMCALL) but which an SNP guest answers from its CPUID page without an exit, " +
			"against getpid (a syscall that stays in the guest, the control).",
		macro: []whySpec{
			{label: "Avg read latency (4K QD4)", base: "Fio", where: []string{"job=read_latency"}, units: []string{"lat-mean-sec"}},
			{label: "Avg write latency (4K QD4)", base: "Fio", where: []string{"job=write_latency"}, units: []string{"lat-mean-sec"}},
			{label: "Random read IOPS (4K QD64)", base: "Fio", where: []string{"job=read_iops"}, units: []string{"IOPS"}},
			{label: "Random write IOPS (4K QD64)", base: "Fio", where: []string{"job=write_iops"}, units: []string{"IOPS"}},
		},
		mech: []whySpec{
			{label: "QD1 4K random read", base: "Fio", where: []string{"job=lat_qd1_read"}, units: []string{"lat-mean-sec", "lat-p99-sec", "cpu-sec/op"}},
			{label: "QD1 4K random write", base: "Fio", where: []string{"job=lat_qd1_write"}, units: []string{"lat-mean-sec", "lat-p99-sec", "cpu-sec/op"}},
			{label: "First touch of a page", base: "PageTouch", where: []string{"page=4KiB", "mode=first"}, units: []string{"sec/page"}},
			{label: "Second touch (control)", base: "PageTouch", where: []string{"page=4KiB", "mode=second"}, units: []string{"sec/page"}},
			{label: "PCI config read (exits to the host in every VM kind)", base: "Exit", where: []string{"op=pci-config-read"}, units: []string{"sec/op"}},
			{label: "CPUID hypervisor leaf (exits in a TD; an SNP guest answers it from its CPUID page)", base: "Exit", where: []string{"op=cpuid-hypervisor-leaf"}, units: []string{"sec/op"}},
			{label: "getpid (syscall, control)", base: "Exit", where: []string{"op=getpid"}, units: []string{"sec/op"}},
		},
		none: "Mechanism rows: not measured here (`go test -run '^$' -bench 'Fio/job=lat_qd1' ./io_bench` and `-bench 'Exit|PageTouch' ./cpu_bench` fill them).",
	},
	{
		title: "Gateway TLS",
		text: "Without keep-alive every request through the TLS proxy is a full handshake, so the proxy's QPS is bounded by the server's CPU time per handshake " +
			"(X25519MLKEM768 with an ECDSA P-256 certificate, Go's default and what the proxy negotiates; resume=on is the control: a resumed handshake skips the certificate signature and its verification, but Go's TLS 1.3 resumption still does a fresh key exchange, psk_dhe_ke). " +
			"The gateway, the handshake benchmark and their clients talk over loopback, which crosses no NIC and no bounce buffer: " +
			"these figures carry the CPU's share of the TEE cost (crypto under memory encryption, exits), not the virtio/NIC cost a remote client also pays.",
		macro: []whySpec{
			{label: "TLS proxy QPS", base: "Gateway", where: []string{"path=tls-proxy", "keepalive=off"}, units: []string{"req/s"}, pick: gatewayTop},
			{label: "TLS proxy mean connect time", base: "Gateway", where: []string{"path=tls-proxy", "keepalive=off"}, units: []string{"connect-mean-sec"}, pick: gatewayTop},
		},
		mech: []whySpec{
			{label: "Full handshake", base: "TLSHandshake", where: []string{"kex=x25519mlkem768", "cert=ecdsa-p256", "resume=off"}, units: []string{"handshakes/s", "server-cpu-sec/handshake"}},
			{label: "Resumed handshake (control)", base: "TLSHandshake", where: []string{"kex=x25519mlkem768", "cert=ecdsa-p256", "resume=on"}, units: []string{"handshakes/s", "server-cpu-sec/handshake"}},
		},
		none:  "Mechanism rows: not measured here (`go test -run '^$' -bench TLSHandshake ./net_bench` fills them).",
		after: (*renderer).tlsCeiling,
	},
	{
		title: "LLM latency",
		text: "Each decode step moves a few KiB between host and GPU, through encrypted bounce buffers in CC mode (small-copy latency, pageable host memory); " +
			"CC serialises encrypted copies (two streams against one); loading the weights is one large host-to-device copy; every step launches kernels.",
		macro: []whySpec{
			{label: "TTFT mean", base: "Serve", units: []string{"ttft-mean-sec"}, pick: llmLatencyRuns},
			{label: "TPOT mean", base: "Serve", units: []string{"tpot-mean-sec"}, pick: llmLatencyRuns},
			{label: "E2E latency mean", base: "Serve", units: []string{"e2el-mean-sec"}, pick: llmLatencyRuns},
		},
		mech: []whySpec{
			{label: "4 KiB copy", base: "CopyLatency", where: []string{"mem=pageable", "size=4KiB"}, units: []string{"sec/op"}},
			{label: "Copy, two streams", base: "CopyStreams", where: []string{"streams=2"}, units: []string{"B/s"}},
			{label: "Copy, one stream (control)", base: "CopyStreams", where: []string{"streams=1"}, units: []string{"B/s"}},
			{label: "Load", base: "Load", units: []string{"sec/op", "B/s"}},
			{label: "Kernel launch", base: "Launch", units: []string{"sec/op"}},
		},
		none: "GPU mechanisms: not measured here (no GPU: no gpu_bench rows in any arm).",
	},
	{
		title: "GPU copies under CC",
		text: "In CC mode the driver encrypts every host-to-device buffer on the CPU (AES-256-GCM) into a shared bounce buffer that the GPU's copy engine fetches and decrypts, " +
			"so one core's AES-GCM rate is the predicted ceiling of a copy one thread encrypts (a prediction: this suite has not set the two side by side on CC hardware). " +
			"The ISPASS'25 confidential-GPU artifact (fig4) has 3.36 GB/s for one Emerald Rapids core at 2.1 GHz (`openssl speed -evp aes-256-gcm -bytes 8192`) " +
			"and pinned host-to-device copies of 2.5–3.0 GB/s under CC (8 MiB–1 GiB) against 43 GB/s without (cpu_bench's BenchmarkAESGCM cites its files).",
		macro: []whySpec{
			{label: "Host-to-device copy", base: "Copy", where: []string{"dir=h2d"}, units: []string{"B/s"}},
		},
		mech: []whySpec{
			{label: "AES-256-GCM seal, one core", base: "AESGCM", where: []string{"impl=go"}, units: []string{"B/s"}},
			{label: "openssl speed AES-256-GCM (cross-check)", base: "AESGCM", where: []string{"impl=openssl"}, units: []string{"best-B/s", "go/openssl-ratio"}},
		},
		none:  "CPU-side ceiling of CC copies: not measured here (`go test -run '^$' -bench AESGCM ./cpu_bench` fills it).",
		after: (*renderer).copyCeiling,
	},
	{
		title: "Memory-bound rows",
		text:  "Memory encryption shows in bandwidth (STREAM triad), in the latency of a dependent load chain, and in touching resident pages.",
		macro: []whySpec{
			{label: "7-Zip total rating", base: "SevenZip", units: []string{"MIPS"}},
			{label: "STREAM triad", base: "Stream", where: []string{"kernel=triad"}, units: []string{"B/s"}},
		},
		mech: []whySpec{
			{label: "Memory latency", base: "MemLatency", units: []string{"sec/op"}},
			{label: "Touch of a resident page", base: "PageTouch", where: []string{"mode=second"}, units: []string{"sec/page"}},
		},
		none: "Mechanism rows: not measured here (`go test -run '^$' -bench 'MemLatency|PageTouch' ./cpu_bench` fills them).",
	},
	{
		title: "Attestation",
		text:  "Obtaining the TEE's evidence (a TDX quote, an SEV-SNP attestation report) is paid once per attested session, not per request.",
		mech:  []whySpec{{label: "Quote", base: "Quote", units: []string{"sec/op"}}},
		none:  "Quote: not measured here (`BenchmarkQuote` needs the TEE's build tag inside that guest: " + teeTags("`-tags %s` in the %s guest") + ").",
	},
}

// gatewayTop keeps the gateway row at the highest concurrency of the
// preferred client (go, then ab, wrk): the row with the most handshakes per
// second.
func gatewayTop(d *results.Dataset, ids []results.ID) []results.ID {
	if len(ids) == 0 {
		return nil
	}
	client := prefer(results.Distinct(ids, "client"), "go", "ab", "wrk")[0]
	var top results.ID
	best := math.Inf(-1)
	for _, id := range ids {
		if id.Get("client") == client && results.PartValue(id.Get("c")) > best {
			top, best = id, results.PartValue(id.Get("c"))
		}
	}
	return []results.ID{top}
}

// llmLatencyRuns keeps, per model, the run the LLM latency rows of §VII
// come from.
func llmLatencyRuns(d *results.Dataset, ids []results.ID) []results.ID {
	var out []results.ID
	for _, m := range results.Distinct(ids, "model") {
		if id, ok := llmLatencyRun(d, m); ok {
			out = append(out, id)
		}
	}
	return out
}

// rows expands a spec into metric-table rows, each labelled with the name
// parts the spec does not fix.
func (s whySpec) rows(d *results.Dataset, prefix string) []row {
	ids := d.Find(s.base, s.where...)
	if s.pick != nil {
		ids = s.pick(d, ids)
	}
	fixed := map[string]bool{}
	for _, w := range s.where {
		fixed[w] = true
	}
	var out []row
	for _, id := range ids {
		var rest []string
		for _, p := range id.Params {
			if kv := p.Key + "=" + p.Value; !fixed[kv] {
				rest = append(rest, kv)
			}
		}
		label := prefix + s.label
		if len(rest) > 0 {
			label += " (" + strings.Join(rest, " ") + ")"
		}
		for _, u := range s.units {
			out = append(out, row{label: label, id: id, unit: u})
		}
	}
	return out
}

// why is the Why section: each macro overhead beside the mechanism rows
// that explain it, with each mechanism's own overhead when two arms are
// present (the figures as measured in a one-arm report). Without any
// mechanism row it has no data: the macro rows alone are in their sections.
func (r *renderer) why() bool {
	type built struct {
		g           whyGroup
		macro, mech []row
	}
	var groups []built
	anyMech := false
	for _, g := range whyGroups {
		b := built{g: g}
		for _, s := range g.macro {
			b.macro = append(b.macro, s.rows(r.d, "")...)
		}
		for _, s := range g.mech {
			b.mech = append(b.mech, s.rows(r.d, "")...)
		}
		anyMech = anyMech || r.anyData(b.mech)
		groups = append(groups, b)
	}
	if !anyMech {
		return false
	}
	if len(r.d.Arms) > 1 {
		r.para("Each table sets a macro row of the sections above beside the mechanism benchmarks that explain it, each with its own overhead: " +
			"a mechanism whose overhead is as large as the macro one is a candidate cause, one without overhead is not.")
	} else {
		r.para("Each table sets a macro row of the sections above beside the mechanism benchmarks that explain it. " +
			"One arm: the mechanism figures as measured, no overhead.")
	}
	var absent []string
	for k := range groups {
		groups[k].mech = r.pairEngines(groups[k].mech)
	}
	shown := func(rw row) bool { return r.shown[rowKey{rw.id.String(), rw.unit}] }
	for _, b := range groups {
		hasMacro, hasMech := r.anyData(b.macro), r.anyData(b.mech)
		if !hasMech { // the macro rows alone are in their sections
			absent = append(absent, b.g.none)
			continue
		}
		r.heading(3, "%s", b.g.title)
		text := b.g.text
		if hasMacro {
			text += fmt.Sprintf(" *Macro, as in the sections above:* %s.", r.macroLine(b.macro))
		}
		// A mechanism row an earlier table showed is listed, not repeated.
		var again []row
		for _, rw := range b.mech {
			if shown(rw) {
				again = append(again, rw)
			}
		}
		b.mech = slices.DeleteFunc(b.mech, shown)
		if len(again) > 0 {
			text += fmt.Sprintf(" *Mechanisms shown above:* %s.", r.macroLine(again))
		}
		r.para("%s", text)
		if slices.ContainsFunc(b.mech, func(rw row) bool { return rw.hasAlt }) {
			r.alt = altSpec{name: "Go engine", ratio: "go/fio"}
		}
		r.metricTable(b.g.title, b.mech)
		if !hasMech {
			r.para("*%s*", b.g.none)
		}
		if b.g.after != nil {
			b.g.after(r)
		}
	}
	for _, a := range absent {
		r.para("*%s*", a)
	}
	return true
}

// pairEngines folds the Go engine's fio rows into the reference's: a row
// of engine=go whose engine=fio twin is also listed becomes that row's
// alt (shown beside it), when fio ran in every arm.
func (r *renderer) pairEngines(rows []row) []row {
	if !r.d.EveryArm("Fio", "engine=fio") {
		return rows
	}
	idx := map[string]int{}
	for i, rw := range rows {
		if rw.id.Base == "Fio" && rw.id.Get("engine") == "fio" {
			idx[rw.id.Get("job")+" "+rw.unit] = i
		}
	}
	var out []row
	for _, rw := range rows {
		if rw.id.Base == "Fio" && rw.id.Get("engine") == "go" {
			if k, ok := idx[rw.id.Get("job")+" "+rw.unit]; ok {
				rows[k].alt, rows[k].hasAlt, rows[k].altOurs = rw.id, true, true
				continue
			}
		}
		out = append(out, rw)
	}
	for i, rw := range out {
		if k, ok := idx[rw.id.Get("job")+" "+rw.unit]; ok && rw.id.Get("engine") == "fio" {
			out[i] = rows[k]
			out[i].label = strings.TrimSuffix(out[i].label, " (engine=fio)")
		}
	}
	return out
}

// macroLine lists macro rows in one line, without repeating their tables:
// each TEE arm's cost (the first TEE arm's with two or more), or the
// median in a one-arm report.
func (r *renderer) macroLine(rows []row) string {
	d := r.d
	var parts []string
	for _, rw := range rows {
		if !d.Has(rw.id, rw.unit) {
			continue
		}
		dir := DirOfBetter(r.betterOf(rw.unit))
		if len(d.Arms) == 1 {
			parts = append(parts, fmt.Sprintf("%s %s", rw.label, NumText(r.median(rw.id, rw.unit, 0), rw.unit)))
			continue
		}
		var cs []string
		for i := 1; i < len(d.Arms); i++ {
			st := r.pairStat(rw.id, rw.unit, dir, i)
			oc := overheadCell(d.Arms[i].Label, st.Deltas[1], st.Cells[0], st.Cells[1], dir)
			c := costText(&oc)
			if len(d.Arms) > 2 {
				c = d.Arms[i].Label + " " + c
			}
			cs = append(cs, c)
		}
		parts = append(parts, rw.label+Arrow(r.betterOf(rw.unit))+" "+strings.Join(cs, ", "))
	}
	return strings.Join(parts, "; ")
}

// tlsCeiling writes, per arm, the gateway's predicted TLS ceiling beside
// the measured TLS-proxy QPS: vCPUs ÷ the server's CPU time per full
// handshake (BenchmarkTLSHandshake, resume=off), the handshakes per second
// the machine could complete with every vCPU doing nothing else.
func (r *renderer) tlsCeiling() {
	d := r.d
	hs, ok := one(d.Find("TLSHandshake", "kex=x25519mlkem768", "cert=ecdsa-p256", "resume=off"))
	if !ok || !d.Has(hs, "server-cpu-sec/handshake") {
		return
	}
	gw, hasGW := one(gatewayTop(d, d.Find("Gateway", "path=tls-proxy", "keepalive=off")))
	const cpuUnit = "server-cpu-sec/handshake"
	hdr := []string{"figure"}
	lines := [][]string{
		{"vCPUs (manifest `vcpus:`)"},
		{fmt.Sprintf("server CPU per handshake (median, `%s %s`)", hs, cpuUnit)},
		{"predicted ceiling = vCPUs ÷ CPU per handshake"},
		{"measured TLS-proxy QPS (median)"},
		{"measured ÷ predicted"},
	}
	if hasGW {
		lines[3][0] = fmt.Sprintf("measured TLS-proxy QPS (median, `%s req/s`)", gw)
	}
	for i, a := range d.Arms {
		hdr = append(hdr, r.colName(i))
		v, err := strconv.Atoi(a.EnvValue("vcpus"))
		cpu := r.median(hs, cpuUnit, i)
		qps := math.NaN()
		if hasGW {
			qps = r.median(gw, "req/s", i)
		}
		cells := []string{"– (no `vcpus:`)", "–", "–", "–", "–"}
		if err == nil && v > 0 {
			cells[0] = strconv.Itoa(v)
		}
		if overhead.Finite(cpu) {
			cells[1] = FormatValue(cpu, "sec")
		}
		ceiling := math.NaN()
		if err == nil && v > 0 && overhead.Finite(cpu) && cpu > 0 {
			ceiling = float64(v) / cpu
			cells[2] = FormatValue(ceiling, "handshakes/s")
		}
		if overhead.Finite(qps) {
			cells[3] = FormatValue(qps, "req/s")
			if overhead.Finite(ceiling) {
				cells[4] = trimf(qps/ceiling, 3)
			}
		}
		for k := range lines {
			lines[k] = append(lines[k], cells[k])
		}
	}
	r.para("Predicted TLS ceiling of the gateway: vCPUs × 1e9 ÷ `server-cpu-ns/handshake` (here vCPUs ÷ the median server CPU seconds per full handshake), " +
		"the full handshakes per second the machine could serve if every vCPU did nothing but the server's side of the handshake; " +
		"the load client keeps no session cache, so every keepalive=off request is a full handshake. The load client runs on the same vCPUs over loopback and does its half of every handshake " +
		"(its key share, verifying the certificate), so a proxy bound by handshakes measures about 0.5 of this ceiling, not 1; well below 0.5, something else bounds the proxy " +
		"(forwarding, the backend, the scheduler); above 1, the two figures were not measured under the same conditions (separate runs, other load on the machine).")
	r.table(hdr, lines)
}

// copyCeiling writes, per arm, the predicted CPU-side ceiling of a CC
// host-to-device copy (the fastest single-core AES-256-GCM seal rate of
// the Go rows, whose largest buffer is the bulk rate) beside the arm's
// fastest measured host-to-device copy.
func (r *renderer) copyCeiling() {
	d := r.d
	var parts []string
	for i, a := range d.Arms {
		ceil := math.NaN()
		for _, id := range d.Find("AESGCM", "impl=go") {
			if m := r.median(id, "B/s", i); overhead.Finite(m) && !(m <= ceil) {
				ceil = m
			}
		}
		if !overhead.Finite(ceil) {
			continue
		}
		s := fmt.Sprintf("`%s` %s", a.Label, NumText(ceil, "B/s"))
		best := math.NaN()
		for _, id := range d.Find("Copy", "dir=h2d") {
			if m := r.median(id, "B/s", i); overhead.Finite(m) && !(m <= best) {
				best = m
			}
		}
		if overhead.Finite(best) {
			s += fmt.Sprintf(" (its fastest host-to-device copy: %s, %.2f× the ceiling)", NumText(best, "B/s"), best/ceil)
		}
		parts = append(parts, s)
	}
	if len(parts) > 0 {
		r.para("*Predicted CPU-side ceiling of a CC host-to-device copy encrypted by one thread* (the fastest one-core AES-256-GCM seal): %s.", blocks.Literal(strings.Join(parts, "; ")))
	}
}
