package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestTagSets: cpu and gpu expand to every TEE of internal/tee (snp as
// tdx), so the Dockerfile builds bin-snp and bin-gpu-snp without naming
// them; a set with two TEEs is refused.
func TestTagSets(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"cpu", "none tdx snp", ""},
		{"gpu", "none tdx snp gpu gpu,tdx gpu,snp", ""},
		{"none tdx none", "none tdx", ""},
		{"gpu,snp", "gpu,snp", ""},
		{"none tdx,snp", "", `tag set "tdx,snp": tags tdx and snp name two TEEs`},
		{"none sgx", "", `tag set "sgx": unknown tag "sgx"`},
		{" ", "", "no tag set"},
	} {
		got, err := tagSets(c.in)
		if strings.Join(got, " ") != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("tagSets(%q) = %q, %v; want %q, error %q", c.in, got, err, c.want, c.err)
		}
	}
}

// TestPrintTEE: -tee answers for a tag set and for a tee: name with the
// TEE's name and its main evidence file, nothing for none.
func TestPrintTEE(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"snp", "sev-snp .snp-report\n", ""},
		{"gpu,snp", "sev-snp .snp-report\n", ""},
		{"sev-snp", "sev-snp .snp-report\n", ""},
		{"tdx", "tdx .quote\n", ""},
		{"gpu", "", ""},
		{"none", "", ""},
		{"", "", ""},
		{"tdx,snp", "", "name two TEEs"},
		{"sgx", "", `unknown tag "sgx"`},
	} {
		var b bytes.Buffer
		err := printTEE(&b, c.in)
		if b.String() != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("-tee %q: %q, %v; want %q, error %q", c.in, b.String(), err, c.want, c.err)
		}
	}
}
