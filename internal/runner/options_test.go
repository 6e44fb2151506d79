package runner

import (
	"errors"
	"strings"
	"testing"
)

// TestTEETags: TAGS takes gpu and at most one TEE tag, any Kind's
// (tee.Kinds: tdx, snp); the run attests with the TEE it names.
func TestTEETags(t *testing.T) {
	root := moduleRoot(t)
	for _, c := range []struct {
		tags, tee, err string
	}{
		{"", "", ""},
		{"gpu", "", ""},
		{"tdx", "tdx", ""},
		{"snp,gpu", "sev-snp", ""},
		{"tdx,snp", "", "two TEEs"},
		{"sgx", "", `unknown tag "sgx" (want gpu and at most one TEE tag: tdx, snp)`},
	} {
		t.Setenv("TAGS", c.tags)
		o, err := FromEnv(root, root)
		var bi BadInput
		switch {
		case c.err != "":
			if !errors.As(err, &bi) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("TAGS=%s: %v, want a BadInput with %q", c.tags, err, c.err)
			}
		case err != nil:
			t.Errorf("TAGS=%s: %v", c.tags, err)
		case c.tee == "" && o.TEE() != nil, c.tee != "" && (o.TEE() == nil || o.TEE().Name() != c.tee):
			t.Errorf("TAGS=%s: TEE %v, want %q", c.tags, o.TEE(), c.tee)
		}
	}
}
