package report

import (
	"fmt"
	"strings"

	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
	"github.com/teebench/teebench/internal/tee"
)

// teeMismatch says why arm i cannot be held against published pair p
// though their methods match: the pair ran on another TEE than the arm
// claims ("published pair ran on SEV-SNP"). "" when the TEEs match or the
// pair names none (then it is not comparable for its method already).
func (r *renderer) teeMismatch(p overhead.PubOverhead, arm int) string {
	if p.TEE == "" || r.d.Arms[arm].EnvValue("tee") == p.TEE {
		return ""
	}
	t := results.TEETitle(p.TEE)
	if t == "" {
		t = p.TEE
	}
	return "published pair ran on " + t
}

// comparableFor reports whether a verdict of arm i can be drawn against p:
// the same method and the same TEE.
func (r *renderer) comparableFor(p overhead.PubOverhead, arm int) bool {
	return p.NotComparable == "" && r.teeMismatch(p, arm) == ""
}

// pairText names a published pair with its TEE when the pair's name does
// not: "H100 Llama-3.1-8B TEE-off → TEE-on, SEV-SNP".
func pairText(p overhead.PubOverhead) string {
	if t := results.TEETitle(p.TEE); t != "" && !strings.Contains(p.Pair, t) {
		return p.Pair + ", " + t
	}
	return p.Pair
}

// teeTags lists the build tag of every TEE the suite knows with where it
// runs: "`TAGS=tdx` in a TDX guest, `TAGS=snp` in an SEV-SNP guest", with
// format giving the phrase for one Kind's tag and title.
func teeTags(format string) string {
	var parts []string
	for _, k := range tee.Kinds() {
		parts = append(parts, fmt.Sprintf(format, k.Tag(), k.Title()))
	}
	return strings.Join(parts, ", ")
}
