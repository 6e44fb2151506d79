package tee

import (
	"strings"
	"testing"
)

// TestKindKeys: every Kind names the prefixes of its manifest lines and a
// testbed key under one of them, and the TD's identity lines all carry its
// prefix, so the report can tell a TEE's own lines from a confounder
// without naming any TEE itself.
func TestKindKeys(t *testing.T) {
	under := func(k Kind, key string) bool {
		for _, p := range k.KeyPrefixes() {
			if strings.HasPrefix(key, p) {
				return true
			}
		}
		return false
	}
	for _, k := range Kinds() {
		if len(k.KeyPrefixes()) == 0 {
			t.Errorf("%s: no key prefixes", k.Name())
		}
		for _, p := range k.KeyPrefixes() {
			if !strings.HasSuffix(p, "-") || p == "-" {
				t.Errorf("%s: prefix %q", k.Name(), p)
			}
		}
		if !under(k, k.TestbedKey()) {
			t.Errorf("%s: testbed key %q under none of %v", k.Name(), k.TestbedKey(), k.KeyPrefixes())
		}
	}
	for _, l := range tdxLines(&TDXInfo{MRTD: "aa", TDAttributes: "00", TEETCBSVN: "01"}, ViaAgent) {
		if !under(TDX, l.Key) {
			t.Errorf("TDX line %q is under none of %v", l.Key, TDX.KeyPrefixes())
		}
	}
}
