package config

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

func TestMaxErrorRate(t *testing.T) {
	t.Setenv("TEEBENCH_MAX_ERROR_RATE", "")
	if got := MaxErrorRate(); got != 0.01 {
		t.Errorf("default %v, want 0.01", got)
	}
	t.Setenv("TEEBENCH_MAX_ERROR_RATE", "0.05")
	if got := MaxErrorRate(); got != 0.05 {
		t.Errorf("0.05 read as %v", got)
	}
	for _, bad := range []string{"5%", "-1", "1.5", "x"} {
		t.Setenv("TEEBENCH_MAX_ERROR_RATE", bad)
		if err := Validate(); err == nil || !strings.Contains(err.Error(), "TEEBENCH_MAX_ERROR_RATE="+strconv.Quote(bad)) {
			t.Errorf("TEEBENCH_MAX_ERROR_RATE=%s: Validate() = %v", bad, err)
		}
	}
}

// A relative TEEBENCH_IO_DIR is taken from the module root, where the
// README's commands run, not from the package directory go test runs in.
func TestIODirRelative(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEEBENCH_IO_DIR", "data/io")
	if got, want := IODir(), filepath.Join(root, "data/io"); got != want {
		t.Errorf("IODir() = %q, want %q", got, want)
	}
	t.Setenv("TEEBENCH_IO_DIR", "/abs/dir")
	if got := IODir(); got != "/abs/dir" {
		t.Errorf("IODir() = %q", got)
	}
	t.Setenv("TEEBENCH_IO_DIR", "")
	if got := IODir(); got != "" {
		t.Errorf("unset IODir() = %q", got)
	}
	// Outside a module: the working directory.
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("TEEBENCH_IO_DIR", "x")
	if got := IODir(); got != filepath.Join(dir, "x") {
		t.Errorf("outside a module IODir() = %q, want %q", got, filepath.Join(dir, "x"))
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:s3cret@127.0.0.1:18080/prpc/Version?token=t": "http://REDACTED@127.0.0.1:18080/prpc/Version?token=REDACTED",
		"https://tok@gw.example/x":                                "https://REDACTED@gw.example/x",
		"https://gw.example/prpc/Version?json":                    "https://gw.example/prpc/Version?json",
		"http://127.0.0.1:1":                                      "http://127.0.0.1:1",
		"http://a:b@[bad":                                         "http://REDACTED@[bad",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	msg := `reftool: /usr/bin/ab -n 4 http://user:s3cret@127.0.0.1:18080/prpc/Version?token=t: exit status 1: ab: invalid URL; Get "https://u:p@h/x?k=v": EOF`
	got := RedactText(msg)
	for _, leak := range []string{"s3cret", "token=t", "u:p", "k=v"} {
		if strings.Contains(got, leak) {
			t.Errorf("RedactText left %q in %q", leak, got)
		}
	}
	if !strings.Contains(got, "http://REDACTED@127.0.0.1:18080/prpc/Version?token=REDACTED: exit status 1") {
		t.Errorf("RedactText(%q) = %q", msg, got)
	}
}

func TestOrdered(t *testing.T) {
	s := []string{"go", "fio", "fio-ownfile"}
	for _, c := range []struct {
		env  string
		want []string
	}{
		{"", s},
		{"forward", s},
		{"reverse", []string{"fio-ownfile", "fio", "go"}},
		{"REVERSE", []string{"fio-ownfile", "fio", "go"}},
	} {
		t.Setenv("TEEBENCH_ORDER", c.env)
		if err := Validate(); err != nil {
			t.Errorf("TEEBENCH_ORDER=%q: %v", c.env, err)
		}
		if got := Ordered(s); !slices.Equal(got, c.want) {
			t.Errorf("TEEBENCH_ORDER=%q: Ordered = %v, want %v", c.env, got, c.want)
		}
	}
	if s[0] != "go" {
		t.Errorf("Ordered changed its argument: %v", s)
	}
	t.Setenv("TEEBENCH_ORDER", "backwards")
	if err := Validate(); err == nil || !strings.Contains(err.Error(), "TEEBENCH_ORDER") {
		t.Errorf("Validate with TEEBENCH_ORDER=backwards: %v, want an error naming it", err)
	}
}
