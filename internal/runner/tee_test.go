package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTEEOf: a tag set names at most one TEE, each of tee.Kinds() by its
// tag; an unknown tag and two TEE tags are refused naming them.
func TestTEEOf(t *testing.T) {
	for _, c := range []struct{ tags, name, err string }{
		{"", "", ""},
		{"gpu", "", ""},
		{"snp", "sev-snp", ""},
		{"gpu,snp", "sev-snp", ""},
		{" snp , gpu ", "sev-snp", ""},
		{"tdx", "tdx", ""},
		{"tdx,gpu", "tdx", ""},
		{"tdx,snp", "", "tags tdx and snp name two TEEs (TDX, SEV-SNP)"},
		{"snp,gpu,tdx", "", "tags snp and tdx name two TEEs"},
		{"sgx", "", `unknown tag "sgx" (want gpu and at most one TEE tag: tdx, snp)`},
		{"none", "", `unknown tag "none"`},
	} {
		k, err := TEEOf(c.tags)
		name := ""
		if k != nil {
			name = k.Name()
		}
		if name != c.name || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("TEEOf(%q) = %q, %v; want %q, error %q", c.tags, name, err, c.name, c.err)
		}
	}
	if ts := TEETags(); strings.Join(ts, ",") != "tdx,snp" {
		t.Errorf("TEETags() = %v, want the TEEs' tags (tdx, snp), not gpu", ts)
	}
}

// TestFromEnvTags: TAGS=tdx,snp is bad input (exit 2 in bench.sh) before
// anything is built; a TEE tag with gpu is kept, sorted.
func TestFromEnvTags(t *testing.T) {
	t.Setenv("TEEBENCH_PROFILE", "smoke")
	t.Setenv("TAGS", "tdx,snp")
	_, err := FromEnv(moduleRoot(t), t.TempDir())
	if _, bad := err.(BadInput); !bad || !strings.Contains(err.Error(), "TAGS=tdx,snp: tags tdx and snp name two TEEs") {
		t.Errorf("TAGS=tdx,snp: %v (%T), want bad input naming both", err, err)
	}
	t.Setenv("TAGS", "snp,gpu")
	o, err := FromEnv(moduleRoot(t), t.TempDir())
	if err != nil || o.TagsFlag() != "gpu,snp" || o.TEE() == nil || o.TEE().Name() != "sev-snp" {
		t.Errorf("TAGS=snp,gpu: tags %q, TEE %v, err %v", o.TagsFlag(), o.TEE(), err)
	}
}

// TestAttestStep: for every TEE tag (snp as tdx), the runner calls the
// attest command of the run (a fake one in BinDir, as in the image) once,
// on the result file, after the result file and its skip list are final,
// and says which TEE's evidence it binds; a failing attest fails the run
// by name and keeps the results. Without a TEE tag no attest runs.
func TestAttestStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	o := testOptions(t, "fixed")
	o.Benchtime = "1x"
	bin := t.TempDir()
	test := filepath.Join(bin, o.Packages[0].Name+".test")
	cmd := exec.Command("go", "test", "-c", "-o", test, "./"+o.Packages[0].Name)
	cmd.Dir = o.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	o.BinDir = bin
	calls := filepath.Join(t.TempDir(), "calls")
	// The fake attest records its argument and whether the skip list and
	// the result file's rows were there, then writes evidence beside it.
	fake := `#!/bin/sh
skips="${1%.txt}.skips.tsv"
rows=$(grep -c '^BenchmarkFixed' "$1")
echo "$1 skips=$([ -f "$skips" ] && echo yes || echo no) rows=$rows" >>` + calls + `
[ -z "$ATTEST_FAIL" ] || { echo "attest: no guest device" >&2; exit 1; }
echo evidence >"$1.evidence"
`
	if err := os.WriteFile(filepath.Join(bin, "attest"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tag := range append(TEETags(), "") {
		t.Run("tags="+tag, func(t *testing.T) {
			os.Remove(calls)
			o := o
			o.OutDir = t.TempDir()
			o.Tags = nil
			if tag != "" {
				o.Tags = []string{tag}
			}
			var log strings.Builder
			code, res := Run(o, &log, &log)
			got, _ := os.ReadFile(calls)
			if tag == "" {
				if code != ExitOK || len(got) != 0 || strings.Contains(log.String(), "evidence") {
					t.Errorf("no TEE tag: exit %d, attest calls %q\n%s", code, got, log.String())
				}
				return
			}
			k, _ := TEEOf(tag)
			if code != ExitOK || string(got) != res.Path+" skips=yes rows=1\n" {
				t.Errorf("exit %d, attest calls %q, want one on %s after its rows and skip list\n%s", code, got, res.Path, log.String())
			}
			if want := "binding " + k.Title() + " evidence to " + res.Path; !strings.Contains(log.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, log.String())
			}
			if _, err := os.Stat(res.Path + ".evidence"); err != nil {
				t.Errorf("the attest command's side file: %v", err)
			}

			t.Setenv("ATTEST_FAIL", "1")
			o.OutDir = t.TempDir()
			code, res = Run(o, &log, &log)
			b, _ := os.ReadFile(res.Path)
			if code != ExitFailed || !slices.Contains(res.Failed, "attest") || !strings.Contains(string(b), "BenchmarkFixed") ||
				!strings.Contains(log.String(), "no guest device") {
				t.Errorf("failing attest: exit %d, failed %v, result rows kept %v\n%s", code, res.Failed, strings.Contains(string(b), "BenchmarkFixed"), log.String())
			}
		})
	}
}
