package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
	"github.com/teebench/teebench/internal/tee"
)

// teeArm reports whether arm a claims a TEE: its `tee:` is neither "none"
// nor absent.
func teeArm(a *results.Arm) bool {
	v := a.EnvValue("tee")
	return v != "" && v != "none"
}

// evidenceOf returns the evidence of every file of every arm, once.
func (r *renderer) evidenceOf() [][]attest.Evidence {
	if r.ev == nil {
		r.ev = make([][]attest.Evidence, len(r.d.Arms))
		for i, a := range r.d.Arms {
			for _, f := range a.Files {
				r.ev[i] = append(r.ev[i], r.opt.Evidence(f))
			}
		}
	}
	return r.ev
}

// unattested reports whether arm i claims a TEE but not every one of its
// files carries evidence that verifies (attest.StateVerified): its TEE
// label is then the run's own claim.
func (r *renderer) unattested(i int) bool {
	if !teeArm(r.d.Arms[i]) {
		return false
	}
	for _, e := range r.evidenceOf()[i] {
		if e.Status != attest.StateVerified {
			return true
		}
	}
	return false
}

// armName is arm i's label as the report's headings show it: "`tdx`", or
// "`tdx` (unattested)". The label itself stays the token that -arms and
// scripts/compare.sh parse.
func (r *renderer) armName(i int) string {
	s := "`" + r.d.Arms[i].Label + "`"
	if r.unattested(i) {
		s += " (unattested)"
	}
	return s
}

// colName is arm i's label in a table header: "tdx" or "tdx (unattested)".
func (r *renderer) colName(i int) string {
	if r.unattested(i) {
		return r.d.Arms[i].Label + " (unattested)"
	}
	return r.d.Arms[i].Label
}

// verdictArm is the verdict of arm i against a published overhead: "not
// comparable" when the pair ran on another TEE than the arm, none for an
// unattested arm unless Options.AllowUnattested.
func (r *renderer) verdictArm(p overhead.PubOverhead, dl overhead.Delta, n0, n1, arm int) string {
	if v := r.checkRow(dl); v != "" {
		return v
	}
	if why := r.teeMismatch(p, arm); p.NotComparable == "" && why != "" {
		p.NotComparable = why
	}
	if p.NotComparable != "" || !dl.OK {
		return r.verdict(p, dl, n0, n1)
	}
	v := r.verdict(p, dl, n0, n1)
	if r.unattested(arm) && !r.opt.AllowUnattested {
		v = fmt.Sprintf("no verdict: `%s` is unattested", r.d.Arms[arm].Label)
	}
	return r.confounded(v, overhead.AreaOf(r.vrow.id), arm)
}

// evidenceBanner says which arms are unattested, what that withholds and
// how to fix it.
func (r *renderer) evidenceBanner() {
	var un []string
	for i := range r.d.Arms {
		if r.unattested(i) {
			un = append(un, "`"+r.d.Arms[i].Label+"`")
		}
	}
	if len(un) == 0 {
		return
	}
	claim := "claim"
	if len(un) == 1 {
		claim = "claims"
	}
	var tees []string
	for i := range r.d.Arms {
		if t := r.d.Arms[i].EnvValue("tee"); r.unattested(i) && !slices.Contains(tees, t) {
			tees = append(tees, t)
		}
	}
	var fixes []string
	for _, t := range tees {
		fixes = append(fixes, attestFix(tee.ByName(t)))
	}
	fix := strings.Join(fixes, "; ")
	if r.opt.AllowUnattested {
		r.banner("Unattested", "%s %s a TEE without evidence that verifies; **-allow-unattested** was given, so verdicts against published overheads are drawn anyway. To attest a result, %s.",
			strings.Join(un, ", "), claim, fix)
		return
	}
	r.banner("Unattested", "%s %s a TEE without evidence that verifies (per-file state in the environment table), so no verdict is drawn against the published overheads (`-allow-unattested` draws them). To attest a result, %s.",
		strings.Join(un, ", "), claim, fix)
}

// attestFix says how to attest a result of TEE k, naming its guest, its
// build tag and its evidence file as internal/tee declares them; a TEE the
// suite does not know (k nil) gets the generic text.
func attestFix(k tee.Kind) string {
	const check = "then check it with `go run ./scripts/verify FILE`"
	if k == nil {
		return "run `scripts/attest FILE` inside the TEE guest right after the run (bench.sh does it when `TAGS` names the TEE's build tag; a plain `go test -bench` writes no evidence), " + check
	}
	return fmt.Sprintf("run `scripts/attest FILE` inside the %s guest right after the run (bench.sh does it with `TAGS=%s`; a plain `go test -bench -tags %s` writes no `FILE%s`), %s",
		k.Title(), k.Tag(), k.Tag(), k.Suffixes()[0], check)
}
