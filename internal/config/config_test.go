package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProfile(t *testing.T) {
	for v, want := range map[string]Profile{"": Quick, "smoke": Smoke, "quick": Quick, "report": Report} {
		t.Setenv("TEEBENCH_PROFILE", v)
		got, err := CurrentProfile()
		if err != nil || got != want {
			t.Errorf("TEEBENCH_PROFILE=%q: %q, %v", v, got, err)
		}
	}
	t.Setenv("TEEBENCH_PROFILE", "fast")
	if _, err := CurrentProfile(); err == nil || !strings.Contains(err.Error(), "TEEBENCH_PROFILE") {
		t.Errorf("bad profile: %v", err)
	}
	if err := Validate(); err == nil {
		t.Error("Validate accepted TEEBENCH_PROFILE=fast")
	}
	t.Setenv("TEEBENCH_PROFILE", "report")
	if got := Pick(1, 2, 3); got != 3 {
		t.Errorf("Pick under report = %d", got)
	}
}

func TestNetInsecure(t *testing.T) {
	t.Setenv("TEEBENCH_NET_INSECURE", "1")
	if !NetInsecure() {
		t.Error("1 not insecure")
	}
	t.Setenv("TEEBENCH_NET_INSECURE", "maybe")
	if Validate() == nil {
		t.Error("Validate accepted TEEBENCH_NET_INSECURE=maybe")
	}
}

// TestVarsInREADME keeps the README's variable table and Vars in step: every
// TEEBENCH_ variable the README names is in Vars and the other way round.
func TestVarsInREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, v := range Vars {
		if !strings.Contains(readme, "| `"+v.Name+"` |") {
			t.Errorf("README's variable table lacks %s", v.Name)
		}
	}
	known := map[string]bool{}
	for _, v := range Vars {
		known[v.Name] = true
	}
	for _, f := range strings.FieldsFunc(readme, func(r rune) bool {
		return !(r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if strings.HasPrefix(f, "TEEBENCH_") && f != "TEEBENCH_" && !known[f] {
			t.Errorf("README mentions %s, which config.Vars does not define", f)
		}
	}
}

func TestMustProfilePanicsOnBadValue(t *testing.T) {
	t.Setenv("TEEBENCH_PROFILE", "huge")
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "TEEBENCH_PROFILE") {
			t.Errorf("recover() = %v, want a panic naming TEEBENCH_PROFILE", r)
		}
	}()
	MustProfile()
}

func TestCacheDir(t *testing.T) {
	t.Setenv("TEEBENCH_CACHE", "/var/tmp/tb/../tb-cache")
	if d, err := CacheDir(); err != nil || d != "/var/tmp/tb-cache" {
		t.Errorf("absolute: %q, %v", d, err)
	}
	for _, bad := range []string{"relative/dir", "./x", "~/cache"} {
		t.Setenv("TEEBENCH_CACHE", bad)
		if _, err := CacheDir(); err == nil || !strings.Contains(err.Error(), "TEEBENCH_CACHE") {
			t.Errorf("%q: err = %v, want one naming TEEBENCH_CACHE", bad, err)
		}
		if err := Validate(); err == nil {
			t.Errorf("%q: Validate accepted it", bad)
		}
	}
	t.Setenv("TEEBENCH_CACHE", "")
	if d, err := CacheDir(); err != nil || filepath.Base(d) != "teebench" {
		t.Errorf("default: %q, %v", d, err)
	}
	t.Setenv("TEEBENCH_ZK_SETUP", "yes")
	if err := Validate(); err == nil || !strings.Contains(err.Error(), "TEEBENCH_ZK_SETUP") {
		t.Errorf("TEEBENCH_ZK_SETUP=yes: %v", err)
	}
}
