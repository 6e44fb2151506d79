package report

import (
	"fmt"
	"strings"

	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
)

// gatewayMetrics are the rows of the by-concurrency table.
var gatewayMetrics = []struct{ unit, label string }{
	{"req/s", "QPS"},
	{"lat-p99-sec", "P99 latency"},
	{"lat-mean-sec", "Mean latency"},
	{"errors/op", "Error rate"},
	{"connect-max-sec", "Max connect time"},
}

// gateway is §III. The published gateway figures compare two TEE
// deployments, not a TEE with a baseline, so no verdict is drawn here; the
// TLS-proxy overhead inside each arm is set beside the published TProxy one.
func (r *renderer) gateway() bool {
	d := r.d
	all := d.Find("Gateway")
	multi := d.Find("GatewayMulti")
	rate := d.Find("GatewayRate")
	if len(all)+len(multi)+len(rate) == 0 {
		return false
	}
	r.para("There is no published TEE overhead for the gateway: the published figures compare two TEE deployments (Prod5, TDX-Lab). " +
		"Rows with the published parameters list the published absolute figures in the appendix.")
	any := false
	if len(all) > 0 {
		path := prefer(results.Distinct(all, "path"), "tls-proxy", "direct")[0]
		ka := prefer(results.Distinct(all, "keepalive"), "off", "on")[0]
		r.heading(3, "By concurrency (path=%s, keepalive=%s)", path, ka)
		if path == "tls-proxy" {
			r.leadWith("The published report's `ab -n 5000 -c N` against the TLS gateway (docs/methods.md §3). ")
		} else {
			r.leadWith("`ab -n 5000 -c N` against the backend over plain HTTP (path=%s, no TLS gateway; docs/methods.md §3). ", path)
		}
		// One table on the reference client (ab without keep-alive, wrk
		// with it) when it ran in every arm, the Go client's cost and the
		// go/ref ratio beside each row; the Go client's table otherwise.
		ref := map[string]string{"off": "ab", "on": "wrk"}[ka]
		primary, other := "go", ref
		if ref != "" && d.EveryArm("Gateway", "path="+path, "keepalive="+ka, "client="+ref) {
			primary, other = ref, "go"
		}
		for _, client := range prefer(results.Distinct(d.Find("Gateway", "path="+path, "keepalive="+ka), "client"), primary) {
			if client == other && primary != "go" {
				continue // shown beside the reference's rows
			}
			ids := d.FindSorted("Gateway", "c", "path="+path, "keepalive="+ka, "client="+client)
			var rows []row
			for _, m := range gatewayMetrics {
				for _, id := range ids {
					rw := row{label: fmt.Sprintf("%s c=%s", m.label, id.Get("c")), id: id, unit: m.unit, abs: "gw/" + m.unit}
					if alt, ok := one(d.Find("Gateway", "path="+path, "keepalive="+ka, "c="+id.Get("c"), "client="+other)); ok && client == primary && other != "" {
						rw.alt, rw.hasAlt, rw.altOurs, rw.goal = alt, true, other == "go", catalog.GatewayGoal(ref, path, m.unit)
					}
					rows = append(rows, rw)
				}
			}
			if !r.anyData(rows) {
				continue
			}
			if client == primary && other != "" {
				r.alt = altSpec{name: map[string]string{"go": "Go client"}[other], ratio: "go/" + ref}
				if other != "go" {
					r.alt.name = ref
				}
				r.para("Rows: client=%s (the reference), the Go client beside it.", client)
			} else {
				r.para("Rows: client=%s.", client)
			}
			any = r.metricTable("metric", rows) || any
		}
		r.gatewayChart(path, ka)
		any = r.tlsVsDirect(all) || any
		var pairs []crossPair
		for _, ref := range []string{"ab", "wrk"} {
			for _, id := range all {
				if id.Get("client") != "go" || id.Get("path") != "direct" {
					continue // scripts/crosscheck pairs the clients on path=direct only
				}
				rid, ok := one(d.Find("Gateway", "path="+id.Get("path"), "keepalive="+id.Get("keepalive"), "c="+id.Get("c"), "client="+ref))
				if !ok {
					continue
				}
				n := fmt.Sprintf("path=%s keepalive=%s c=%s", id.Get("path"), id.Get("keepalive"), id.Get("c"))
				pairs = append(pairs, crossPair{label: "QPS " + n + " vs " + ref, a: id, b: rid, unit: "req/s", goal: catalog.GatewayGoal(ref, id.Get("path"), "req/s")})
			}
		}
		r.crossCheck("Cross-check: Go load generator vs ab and wrk", "go/ref", pairs)
	}
	if len(multi) > 0 {
		r.heading(3, "Multi-client test")
		r.para("The published test is 51 concurrent `ab -n 5000 -c 40` through the TLS gateway; each row here is labelled with its own path, " +
			"number of clients (K) and per-client concurrency (c), and the published figure is listed only for rows with path=tls-proxy, clients=51 and c=40.")
		var rows []row
		for _, id := range multi {
			n := multiLabel(id)
			rows = append(rows,
				row{label: "Total QPS " + n, id: id, unit: "req/s", abs: "gw-multi/req/s"},
				row{label: "Error rate " + n, id: id, unit: "errors/op"},
				row{label: "Slowest client " + n, id: id, unit: "slowest-client-sec"},
				row{label: "Target CPU, % of one core " + n, id: id, unit: "target-cpu-%"},
				row{label: "Benchmark process CPU, % of one core " + n, id: id, unit: "usage-%"})
		}
		any = r.metricTable("metric", rows) || any
	}
	if len(rate) > 0 {
		any = r.openLoop(rate) || any
	}
	return any
}

// multiLabel names a GatewayMulti row by its real parameters.
func multiLabel(id results.ID) string {
	return fmt.Sprintf("path=%s K=%s clients × c=%s (client=%s)", id.Get("path"), id.Get("clients"), id.Get("c"), id.Get("client"))
}

// openLoop writes the open-loop sweep as latency against offered rate, per
// path, and its chart.
func (r *renderer) openLoop(rate []results.ID) bool {
	d := r.d
	r.heading(3, "Open-loop rate sweep")
	r.para("Latency against the offered rate (requests sent on a fixed schedule, docs/methods.md §3): a latency that climbs with the rate marks the saturation point (the chart has the median latencies too).")
	var rows []row
	for _, path := range prefer(results.Distinct(rate, "path"), "tls-proxy", "direct") {
		ids := d.FindSorted("GatewayRate", "rate", "path="+path)
		for _, m := range []struct{ unit, label string }{
			{"req/s", "Achieved rate"}, {"lat-p99-sec", "P99 latency"}, {"errors/op", "Error rate"},
		} {
			for _, id := range ids {
				rows = append(rows, row{label: fmt.Sprintf("%s, path=%s, %s req/s offered", m.label, path, id.Get("rate")), id: id, unit: m.unit})
			}
		}
	}
	any := r.metricTable("metric", rows)
	r.rateChart(rate)
	return any
}

// tlsVsDirect writes the TProxy table: direct HTTP vs the TLS proxy at the
// highest concurrency measured on both paths, and the TLS latency overhead
// inside each arm beside the published one (no verdict: it is not a TEE
// overhead).
func (r *renderer) tlsVsDirect(all []results.ID) bool {
	d := r.d
	ka := prefer(results.Distinct(all, "keepalive"), "off", "on")[0]
	client := prefer(results.Distinct(all, "client"), "go", "ab", "wrk")[0]
	direct := d.FindSorted("Gateway", "c", "path=direct", "keepalive="+ka, "client="+client)
	tls := d.FindSorted("Gateway", "c", "path=tls-proxy", "keepalive="+ka, "client="+client)
	cs := map[string]results.ID{}
	for _, id := range direct {
		cs[id.Get("c")] = id
	}
	var dID, tID results.ID
	found := false
	for _, id := range tls {
		if did, ok := cs[id.Get("c")]; ok {
			dID, tID, found = did, id, true
		}
	}
	if !found {
		return false
	}
	r.heading(3, "HTTP vs TLS proxy (c=%s, keepalive=%s, client=%s)", tID.Get("c"), ka, client)
	var parts []string
	rows := []row{
		{label: "Direct (HTTP) QPS", id: dID, unit: "req/s", abs: "gw-path/direct/req/s"},
		{label: "TLS proxy QPS", id: tID, unit: "req/s", abs: "gw-path/tls-proxy/req/s"},
		{label: "Direct (HTTP) mean latency", id: dID, unit: "lat-mean-sec", abs: "gw-path/direct/lat-mean-sec"},
		{label: "TLS proxy mean latency", id: tID, unit: "lat-mean-sec", abs: "gw-path/tls-proxy/lat-mean-sec"},
	}
	r.recordPubs(rows) // their tables are above (by concurrency) and in the cross-checks
	unit := "lat-mean-sec"
	for i := range d.Arms {
		_, _, dl := overhead.Compare(d.Units.GetAssumption(unit), d.Values(dID, unit, i), d.Values(tID, unit, i), DirOfBetter(r.betterOf(unit)))
		parts = append(parts, "`"+r.colName(i)+"` "+formatOverhead(dl)+r.warnMarks(dl.Warnings))
	}
	r.para("TLS-proxy latency overhead inside each arm, (TLS − direct)/direct of the mean latency ↓ (`%s` against path=direct, `lat-mean-sec`): %s. "+
		"Published TProxy overhead (TDX-Lab, c≈1000): 791.3/89.8 − 1 = +781%% (the report prints +702%%). It is not a TEE overhead, so no verdict.", tID, strings.Join(parts, ", "))
	return true
}
