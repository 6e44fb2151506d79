// Package ci_test runs the CI scripts of scripts/ci as the workflows do,
// on real result files and attestation fixtures of this repository.
package ci_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repo is the repository root.
func repo(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// script runs scripts/ci/NAME with env added to the environment and
// returns its combined output and exit status.
func script(t *testing.T, name string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repo(t), "scripts/ci", name), args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s: %v", name, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

func TestTeeMatrix(t *testing.T) {
	type entry struct {
		Arm    string
		N      int
		Tags   string
		Labels []string
	}
	parse := func(out string) []entry {
		t.Helper()
		js, ok := strings.CutPrefix(strings.TrimSpace(out), "matrix=")
		if !ok {
			t.Fatalf("output %q lacks matrix=", out)
		}
		var m struct{ Include []entry }
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatalf("matrix JSON %q: %v", js, err)
		}
		return m.Include
	}
	out, code := script(t, "tee-matrix.sh", nil)
	if code != 0 {
		t.Fatalf("default: exit %d: %s", code, out)
	}
	m := parse(out)
	if len(m) != 2 || m[0].Arm != "tdx" || m[0].Tags != "tdx" || strings.Join(m[0].Labels, ",") != "self-hosted,tdx" ||
		m[1].Arm != "baseline" || m[1].Tags != "" || strings.Join(m[1].Labels, ",") != "self-hosted,baseline" {
		t.Errorf("default matrix %+v", m)
	}
	out, code = script(t, "tee-matrix.sh", []string{"BASELINE_RUNNERS=2", "GPU=true"})
	m = parse(out)
	if code != 0 || len(m) != 4 || m[2].N != 2 || m[3].Arm != "gpu" || strings.Join(m[3].Labels, ",") != "self-hosted,tdx,gpu" || m[3].Tags != "tdx,gpu" {
		t.Errorf("2 baselines + gpu: exit %d, %+v", code, m)
	}
	// SEV-SNP arms, opt-in: [self-hosted, snp] with TAGS=snp, and the GPU
	// one (the published H100 pair's TEE) with gpu,snp.
	out, code = script(t, "tee-matrix.sh", []string{"TDX_RUNNERS=0", "SNP_RUNNERS=2", "GPU=true", "GPU_RUNNERS=0", "SNP_GPU_RUNNERS=1"})
	m = parse(out)
	if code != 0 || len(m) != 4 || m[0].Arm != "snp" || m[0].Tags != "snp" || strings.Join(m[0].Labels, ",") != "self-hosted,snp" ||
		m[1].Arm != "snp" || m[1].N != 2 || m[2].Arm != "baseline" ||
		m[3].Arm != "gpu-snp" || m[3].Tags != "gpu,snp" || strings.Join(m[3].Labels, ",") != "self-hosted,snp,gpu" {
		t.Errorf("2 snp + baseline + gpu-snp: exit %d, %+v", code, m)
	}
	for _, bad := range [][]string{{"TDX_RUNNERS=two"}, {"SNP_RUNNERS=-1"}, {"GPU=yes"}, {"TDX_RUNNERS=0", "BASELINE_RUNNERS=0"}} {
		if out, code := script(t, "tee-matrix.sh", bad); code != 2 || !strings.Contains(out, "tee-matrix.sh:") {
			t.Errorf("%v: exit %d, %q; want 2 and a message", bad, code, out)
		}
	}
}

// reportStub stands in for scripts/report: it records its arguments and
// writes the -o file, so the scripts' logic is tested apart from the
// report's (whose multi-file arms come from another branch).
func reportStub(t *testing.T, dir string) (stub, argsFile string) {
	argsFile = filepath.Join(dir, "report-args")
	stub = filepath.Join(dir, "report-stub")
	writeFile(t, stub, `#!/bin/sh
printf '%s\n' "$@" >>`+argsFile+`
printf '%s\n' ---- >>`+argsFile+`
while [ $# -gt 0 ]; do [ "$1" = -o ] && { echo "# stub report" >"$2"; }; shift; done
`, 0o755)
	return stub, argsFile
}

// compareArms lays out three arms as actions/download-artifact does: two
// baselines (the committed real run, and the same run with the cpu-model
// line changed, standing in for a second machine; its first line says so)
// and one TDX arm (the attest fixture: a stand-in result file with a
// test-signed quote bound to it).
func compareArms(t *testing.T, arms string, tdx string) {
	root := repo(t)
	real, _ := filepath.Glob(filepath.Join(root, "results/*.txt"))
	if len(real) == 0 {
		t.Fatal("no committed result file under results/")
	}
	copyFile(t, real[0], filepath.Join(arms, "arm-baseline--1", "hostA-none.txt"))
	data, err := os.ReadFile(real[0])
	if err != nil {
		t.Fatal(err)
	}
	second := "# DERIVED for a test from " + filepath.Base(real[0]) + ": cpu-model changed to stand for a second machine; not a measurement of one.\n" +
		strings.Replace(string(data), "cpu-model: ", "cpu-model: second machine (fixture) ", 1)
	writeFile(t, filepath.Join(arms, "arm-baseline--2", "hostB-none.txt"), second, 0o644)
	fx := filepath.Join(root, "internal/attest/testdata", tdx)
	copyFile(t, filepath.Join(fx, "result.txt"), filepath.Join(arms, "arm-tdx--1", "result.txt"))
	if _, err := os.Stat(filepath.Join(fx, "result.txt.quote")); err == nil {
		copyFile(t, filepath.Join(fx, "result.txt.quote"), filepath.Join(arms, "arm-tdx--1", "result.txt.quote"))
	}
}

func TestTeeCompare(t *testing.T) {
	dir := t.TempDir()
	arms, out := filepath.Join(dir, "arms"), filepath.Join(dir, "out")
	compareArms(t, arms, "matching")
	stub, argsFile := reportStub(t, dir)
	summary := filepath.Join(dir, "summary.md")
	roots := filepath.Join(repo(t), "internal/attest/testdata/test-roots.pem")
	log, code := script(t, "tee-compare.sh", []string{"REPORT=" + stub, "VERIFY_FLAGS=-allow-test-root -roots " + roots, "GITHUB_STEP_SUMMARY=" + summary}, arms, out)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	verify, _ := os.ReadFile(filepath.Join(out, "verify.txt"))
	if !strings.Contains(string(verify), "verdict:         SIGNED AND BOUND, BUT NO POLICY") || !strings.Contains(string(verify), "Evidence verified for 1 TEE result file(s).") {
		t.Errorf("verify.txt:\n%s", verify)
	}
	args, _ := os.ReadFile(argsFile)
	want := strings.Join([]string{"-o", filepath.Join(out, "report.md"),
		"baseline=" + arms + "/arm-baseline--*/*.txt", "tdx=" + arms + "/arm-tdx--*/*.txt", "----", ""}, "\n")
	if string(args) != want {
		t.Errorf("report arguments:\n%s\nwant (baselines first, one label=glob per arm):\n%s", args, want)
	}
	if s, _ := os.ReadFile(summary); !strings.Contains(string(s), "# stub report") || !strings.Contains(string(s), "## Evidence") {
		t.Errorf("job summary lacks the evidence or the report:\n%s", s)
	}
}

// Evidence that is missing or does not bind the file fails the job, and the
// report is still rendered.
func TestTeeCompareBadEvidence(t *testing.T) {
	roots := filepath.Join(repo(t), "internal/attest/testdata/test-roots.pem")
	for _, tc := range []struct{ fixture, quote, want string }{
		{"tampered", "", "report data does not match SHA-512"},
		{"matching", "drop", "MISSING"},
		{"matching", "sgx", "says tee: sgx, which no TEE kind of this suite is"},
	} {
		dir := t.TempDir()
		arms, out := filepath.Join(dir, "arms"), filepath.Join(dir, "out")
		compareArms(t, arms, tc.fixture)
		if tc.quote == "drop" {
			os.Remove(filepath.Join(arms, "arm-tdx--1", "result.txt.quote"))
		}
		if tc.quote == "sgx" { // a TEE name no kind has: no evidence can be its
			res := filepath.Join(arms, "arm-tdx--1", "result.txt")
			b, _ := os.ReadFile(res)
			writeFile(t, res, "tee: sgx\n"+strings.SplitN(string(b), "\n", 2)[1], 0o644)
		}
		stub, argsFile := reportStub(t, dir)
		log, code := script(t, "tee-compare.sh", []string{"REPORT=" + stub, "VERIFY_FLAGS=-allow-test-root -roots " + roots}, arms, out)
		verify, _ := os.ReadFile(filepath.Join(out, "verify.txt"))
		if code != 1 || !strings.Contains(string(verify), tc.want) || !strings.Contains(string(verify), "Evidence check FAILED") {
			t.Errorf("%s/%s: exit %d, verify.txt:\n%s\nlog:\n%s", tc.fixture, tc.quote, code, verify, log)
		}
		if _, err := os.Stat(argsFile); err != nil {
			t.Errorf("%s: the report was not rendered after the failed check", tc.fixture)
		}
	}
}

// prRepo makes a git repository whose scripts/bench.sh writes a small result
// file, with pr-bench.sh copied in, and two commits (base, head).
func prRepo(t *testing.T) (dir, base string) {
	dir = t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.email=ci@test", "-c", "user.name=ci", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	copyFile(t, filepath.Join(repo(t), "scripts/ci/pr-bench.sh"), filepath.Join(dir, "scripts/ci/pr-bench.sh"))
	os.Chmod(filepath.Join(dir, "scripts/ci/pr-bench.sh"), 0o755)
	// The stand-in bench.sh writes -count COUNT lines of its tree's version
	// and logs the version to $SEQ, so the test sees the alternation.
	writeFile(t, filepath.Join(dir, "scripts/bench.sh"), `#!/bin/sh
mkdir -p "$OUTDIR"
f="$OUTDIR/host-none-$(date +%s%N).txt"
printf 'tee: none\n' >"$f"
for i in $(seq "$COUNT"); do printf 'BenchmarkX-2 1 %s ns/op\n' "$(cat version)" >>"$f"; done
printf '# teebench skips v1\nskip\tpkg\t-\tv%s\n' "$(cat version)" >"${f%.txt}.skips.tsv"
cat version >>"$SEQ"
`, 0o755)
	writeFile(t, filepath.Join(dir, "version"), "100\n", 0o644)
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "base")
	base = git("rev-parse", "HEAD")
	writeFile(t, filepath.Join(dir, "version"), "200\n", 0o644)
	git("commit", "-qam", "head")
	return dir, base
}

// The gate fails only when the rerun confirms the regression.
func TestPRBenchGate(t *testing.T) {
	// The fake repository has no Go code: pr-bench.sh gets the head's
	// bench command (it joins the rounds) built from this repository.
	bindir := t.TempDir()
	build := exec.Command("go", "build", "-o", bindir+"/", "./scripts/bench")
	build.Dir = repo(t)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./scripts/bench: %v\n%s", err, b)
	}
	for _, tc := range []struct {
		name    string
		verdict string // what the stub report says per -fail-on-regression call
		code    int
		note    string
		calls   int
	}{
		{"confirmed", "reg reg", 1, "regression confirmed by a rerun", 2},
		{"not confirmed", "reg ok", 0, "not confirmed by the rerun", 2},
		{"clean", "ok", 0, "no significant regression", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, base := prRepo(t)
			out := filepath.Join(t.TempDir(), "out")
			verdicts := filepath.Join(t.TempDir(), "verdicts")
			writeFile(t, verdicts, strings.ReplaceAll(tc.verdict, " ", "\n")+"\n", 0o644)
			calls := filepath.Join(t.TempDir(), "calls")
			stub := filepath.Join(t.TempDir(), "report")
			// -pr: print a section; with -fail-on-regression, pop the next
			// verdict and fail as scripts/report does on a regression.
			writeFile(t, stub, `#!/bin/bash
o=""; gate=""; pr=""
while [ $# -gt 0 ]; do case $1 in -o) o=$2; shift;; -fail-on-regression) gate=1;; -pr) pr=1;; esac; shift; done
echo "section from stub" >"$o"
[ -n "$gate" ] || exit 0
echo x >>`+calls+`
v=$(head -1 `+verdicts+`); sed -i 1d `+verdicts+`
if [ "$v" = reg ]; then echo "report: 1 significant regression over threshold" >&2; exit 1; fi
`, 0o755)
			cmd := exec.Command(filepath.Join(dir, "scripts/ci/pr-bench.sh"), out)
			seq := filepath.Join(t.TempDir(), "seq")
			cmd.Env = append(os.Environ(), "BASE_SHA="+base, "GATE=true", "REPORT="+stub, "PR_NUMBER=7", "RUNNER_KIND=hosted",
				"GITHUB_STEP_SUMMARY=", "SEQ="+seq, "COUNT=5", "ROUNDS=2", "PR_BINDIR="+bindir)
			outb, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, outb)
			}
			comment, _ := os.ReadFile(filepath.Join(out, "comment.md"))
			if !strings.Contains(string(comment), tc.note) || !strings.Contains(string(comment), "section from stub") {
				t.Errorf("comment.md:\n%s", comment)
			}
			n, _ := os.ReadFile(calls)
			if got := strings.Count(string(n), "x"); got != tc.calls {
				t.Errorf("%d gate calls, want %d", got, tc.calls)
			}
			// base and head alternated, each from its own tree, and each
			// side's runs are joined: 2 rounds of -count 3 (5 rounded up).
			wantSeq := strings.Repeat("100\n200\n", 2*tc.calls)
			if s, _ := os.ReadFile(seq); string(s) != wantSeq {
				t.Errorf("run order %q, want %q", s, wantSeq)
			}
			bd, _ := os.ReadFile(filepath.Join(out, "try1/base.txt"))
			hd, _ := os.ReadFile(filepath.Join(out, "try1/head.txt"))
			if strings.Count(string(bd), "BenchmarkX-2 1 100 ns/op") != 6 || strings.Contains(string(bd), " 200 ") ||
				strings.Count(string(hd), "BenchmarkX-2 1 200 ns/op") != 6 {
				t.Errorf("joined files:\nbase:\n%s\nhead:\n%s", bd, hd)
			}
			if sk, _ := os.ReadFile(filepath.Join(out, "try1/base.skips.tsv")); string(sk) != "# teebench skips v1\nskip\tpkg\t-\tv100\nskip\tpkg\t-\tv100\n" {
				t.Errorf("joined skips:\n%s", sk)
			}
			for name, want := range map[string]string{"pr": "7", "runner": "hosted"} {
				if v, _ := os.ReadFile(filepath.Join(out, name)); strings.TrimSpace(string(v)) != want {
					t.Errorf("%s = %q, want %q", name, v, want)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "base-src")); !os.IsNotExist(err) {
				t.Errorf("the base worktree was left behind: %v", err)
			}
		})
	}
}

// TestTeeArm: an arm with a TEE tag passes only when its result file says
// that TEE's tee: name and carries that TEE's evidence file (snp: tee:
// sev-snp and R.txt.snp-report; tdx: tee: tdx and R.txt.quote); a baseline
// only with tee: none; two TEE tags are bad input. bench.sh is a stand-in
// writing the result file the case gives, so the checks are under test.
func TestTeeArm(t *testing.T) {
	for _, tc := range []struct {
		name, tags, tee, evidence string
		code                      int
		want                      string
	}{
		{"snp", "snp", "sev-snp", ".snp-report", 0, "tee: sev-snp, exit 0"},
		{"snp gpu", "gpu,snp", "sev-snp", ".snp-report", 0, "tee: sev-snp, exit 0"},
		{"snp mislabelled", "snp", "none", ".snp-report", 1, "says tee: none, not sev-snp"},
		{"snp without evidence", "snp", "sev-snp", "", 1, "no sev-snp evidence bound to"},
		{"snp with a TDX quote", "snp", "sev-snp", ".quote", 1, "result.txt.snp-report missing"},
		{"tdx", "tdx", "tdx", ".quote", 0, "tee: tdx, exit 0"},
		{"baseline", "", "none", "", 0, "tee: none, exit 0"},
		{"baseline on SNP", "", "sev-snp", "", 1, "is a baseline but"},
		{"two TEEs", "tdx,snp", "none", "", 2, "tags tdx and snp name two TEEs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			stub := filepath.Join(dir, "bench.sh")
			ev := ""
			if tc.evidence != "" {
				ev = `echo evidence >"$OUTDIR/result.txt` + tc.evidence + `"`
			}
			writeFile(t, stub, "#!/bin/sh\nprintf 'tee: "+tc.tee+"\\nBenchmarkX 1 1 ns/op\\n' >\"$OUTDIR/result.txt\"\n"+ev+"\n", 0o755)
			log, code := script(t, "tee-arm.sh", []string{"ARM=a", "TAGS=" + tc.tags, "BENCH_SH=" + stub}, filepath.Join(dir, "out"))
			if code != tc.code || !strings.Contains(log, tc.want) {
				t.Errorf("exit %d, want %d and %q:\n%s", code, tc.code, tc.want, log)
			}
		})
	}
}
