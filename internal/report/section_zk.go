package report

import (
	"fmt"
	"slices"

	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/report/overhead"
)

// zkAndMemory is §IV: the zkTLS proving figures and the memory-encryption
// impact, as two sub-sections of one section.
func (r *renderer) zkAndMemory() bool { return subsections(r.zk, r.memory) }

// subsections writes each sub-section of a section, in order, and reports
// whether any of them wrote (the section then has data).
func subsections(parts ...func() bool) bool {
	wrote := false
	for _, p := range parts {
		wrote = p() || wrote
	}
	return wrote
}

// zk writes the gnark proving figures. The published zkTLS overheads are
// SP1 zkVM proofs: shown for reference, verdict "not comparable".
func (r *renderer) zk() bool {
	d := r.d
	prove, verify, setup := d.Find("Prove"), d.Find("Verify"), d.Find("Setup")
	if len(prove)+len(verify)+len(setup) == 0 {
		return false
	}
	r.heading(3, "zk proving")
	r.para("gnark proofs. The published zkTLS figures are SP1 zkVM proofs of an RSA-2048 verification: their overheads are shown beside our RSA-2048 circuit for reference, not compared.")
	var rows []row
	for _, id := range prove {
		n := id.Get("circuit") + " " + id.Get("backend")
		var pubs []overhead.PubOverhead
		if id.Get("circuit") == "rsa2048" {
			pubs = overhead.ZKPairs()
		}
		rw := row{label: "Proof time " + n, id: id, unit: "sec/op", pubs: pubs, abs: "zk/prove/sec/op"}
		rows = append(rows, rw,
			row{label: "Constraints/s " + n, id: id, unit: "constraints/s"},
			row{label: "Constraints " + n, id: id, unit: "constraints"},
			row{label: "Proof size " + n, id: id, unit: "proof-B", abs: "zk/prove/proof-B"})
	}
	for _, id := range verify {
		rows = append(rows, row{label: "Verify time " + id.Get("circuit") + " " + id.Get("backend"), id: id, unit: "sec/op"})
	}
	for _, id := range setup {
		n := id.Get("circuit") + " " + id.Get("backend")
		rows = append(rows,
			row{label: "Compile time " + n, id: id, unit: "compile-sec"},
			row{label: "Setup time " + n, id: id, unit: "setup-sec"})
	}
	return r.metricTable("metric", rows)
}

// memory writes what memory encryption costs the CPU. The published hash
// speed overhead has no published method: shown, not compared.
func (r *renderer) memory() bool {
	d := r.d
	sha := d.FindSorted("SHA256", "size")
	stream := d.FindSorted("Stream", "threads")
	lat := d.FindSorted("MemLatency", "size")
	wake := d.Find("Wakeup")
	if len(sha)+len(stream)+len(lat)+len(wake) == 0 {
		return false
	}
	r.heading(3, "Memory encryption impact")
	r.para("Hashing, STREAM bandwidth (docs/methods.md §7), dependent-load latency and thread wake-up. " +
		"Our SHA-256 is Go's crypto/sha256 over a buffer of the named size; the published hash-speed overhead's method is unpublished, so it is shown for reference only.")
	var rows []row
	for _, id := range sha {
		var pubs []overhead.PubOverhead
		if id.Get("size") == "64MiB" {
			pubs = overhead.HashPairs()
		}
		rows = append(rows, row{label: "SHA-256 " + id.Get("size"), id: id, unit: "B/s", pubs: pubs, abs: "mem/sha256/B/s"})
	}
	cEvery := d.EveryArm("Stream", "impl=c")
	for _, id := range stream {
		rw := row{label: "STREAM " + paramsLabel(id), id: id, unit: "B/s"}
		if cEvery && id.Get("impl") == "go" && len(d.Find("Stream", "kernel="+id.Get("kernel"), "impl=c", "threads="+id.Get("threads"))) > 0 {
			continue // beside the C triad's row
		}
		if goID, ok := one(d.Find("Stream", "kernel="+id.Get("kernel"), "impl=go", "threads="+id.Get("threads"))); ok && id.Get("impl") == "c" && cEvery {
			rw.alt, rw.hasAlt, rw.altOurs, rw.goal = goID, true, true, catalog.GoalAtLeast09
		}
		rows = append(rows, rw)
	}
	for _, id := range lat {
		rows = append(rows, row{label: "Memory latency " + id.Get("size"), id: id, unit: "sec/op"})
	}
	for _, id := range wake {
		rows = append(rows, row{label: fmt.Sprintf("Wake-up %s", paramsLabel(id)), id: id, unit: "sec/op"})
	}
	if slices.ContainsFunc(rows, func(rw row) bool { return rw.hasAlt }) {
		r.alt = altSpec{name: "Go triad", ratio: "go/c"}
	}
	return r.metricTable("metric", rows)
}
