package scripts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBenchScript runs bench.sh twice on one tiny benchmark into the same
// directory: each run must write its own result file (never overwriting),
// starting with the manifest's tee: line, plus a rendered report.
func TestBenchScript(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test twice")
	}
	out := t.TempDir()
	run := func() string {
		cmd := exec.Command("./bench.sh")
		cmd.Env = append(os.Environ(), "PKGS=cpu_bench", "BENCH=SHA256/size=64B", "BENCHTIME=1x",
			"TEEBENCH_PROFILE=smoke", "OUTDIR="+out)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bench.sh: %v\n%s", err, b)
		}
		return string(b)
	}
	for _, o := range []string{run(), run()} {
		for _, want := range []string{"[1/1] cpu_bench ...", "BenchmarkSHA256/size=64B", "bench.sh: report in "} {
			if !strings.Contains(o, want) {
				t.Errorf("bench.sh output lacks %q:\n%s", want, o)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.txt"))
	if len(files) != 2 {
		t.Fatalf("got result files %v, want 2 (a second run must not overwrite the first)", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "tee: ") {
			t.Errorf("%s starts with %q, want the tee: line", f, strings.SplitN(string(b), "\n", 2)[0])
		}
		if _, err := os.Stat(strings.TrimSuffix(f, ".txt") + ".md"); err != nil {
			t.Errorf("no report for %s: %v", f, err)
		}
	}
}

func TestBenchScriptBadProfile(t *testing.T) {
	cmd := exec.Command("./bench.sh")
	cmd.Env = append(os.Environ(), "TEEBENCH_PROFILE=huge", "OUTDIR="+t.TempDir())
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "TEEBENCH_PROFILE=huge: want smoke, quick or report") {
		t.Errorf("err %v, output:\n%s", err, b)
	}
}

// runBench runs bench.sh with env into a fresh OUTDIR and returns its
// output, exit status, and the contents of the result and skips files.
func runBench(t *testing.T, env ...string) (out string, code int, result, skips string) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("./bench.sh")
	cmd.Env = append(append(os.Environ(), "TEEBENCH_PROFILE=smoke", "BENCHTIME=1x", "OUTDIR="+dir), env...)
	b, err := cmd.CombinedOutput()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("bench.sh: %v\n%s", err, b)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) != 1 {
		t.Fatalf("result files %v, want 1:\n%s", files, b)
	}
	r, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.ReadFile(strings.TrimSuffix(files[0], ".txt") + ".skips.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(s), "# teebench skips v1\n") {
		t.Errorf("skips file starts %q", strings.SplitN(string(s), "\n", 2)[0])
	}
	return string(b), code, string(r), string(s)
}

// A configured target that fails is a failure: bench.sh exits 1, says so
// in its summary and in the skips file, and no credential of the URL
// reaches the terminal, the result file or the skips file.
func TestBenchScriptConfiguredTargetFails(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	out, code, res, skips := runBench(t, "PKGS=llm_bench",
		"TEEBENCH_LLM_URL=http://user:s3cret@127.0.0.1:1/?token=t0ken")
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(skips, "\nfail\tllm_bench\tBenchmarkServe\tTEEBENCH_LLM_URL=http://REDACTED@127.0.0.1:1/?token=REDACTED: its models cannot be listed") {
		t.Errorf("skips file lacks the failure:\n%s", skips)
	}
	if !strings.Contains(skips, "\nnorows\tllm_bench\t-\t") {
		t.Errorf("skips file lacks the package without rows:\n%s", skips)
	}
	if !strings.Contains(out, "bench.sh: not measured") || !strings.Contains(out, "  fail   llm_bench BenchmarkServe: ") {
		t.Errorf("no summary of the failure:\n%s", out)
	}
	for _, leak := range []string{"s3cret", "t0ken"} {
		for name, s := range map[string]string{"output": out, "result file": res, "skips file": skips} {
			if strings.Contains(s, leak) {
				t.Errorf("%s holds %q:\n%s", name, leak, s)
			}
		}
	}
}

// A -bench pattern that matches nothing leaves a package without rows:
// exit 1, listed as norows.
func TestBenchScriptNoRows(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	out, code, _, skips := runBench(t, "PKGS=cpu_bench", "BENCH=^BenchmarkNoSuchThing$")
	if code != 1 || !strings.Contains(skips, "\nnorows\tcpu_bench\t-\tno benchmark rows") ||
		!strings.Contains(out, "  norows cpu_bench -: no benchmark rows") {
		t.Errorf("exit %d, skips:\n%s\noutput:\n%s", code, skips, out)
	}
}

// A benchmark skipped by design (a reference tool not installed) is listed
// with its reason, is not a failure, and its progress lines stay out of
// the result file, which keeps the Go benchmark format.
func TestBenchScriptSkipListed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	// PATH without fio (nor anything but go and the basics).
	bin := t.TempDir()
	for _, tool := range []string{"bash", "sh", "env", "awk", "sed", "grep", "date", "hostname", "mkdir", "mktemp", "rm", "cat", "sleep", "setsid", "wc", "dirname", "printf", "kill", "gcc", "cc", "uname", "tr"} {
		if p, err := exec.LookPath(tool); err == nil {
			os.Symlink(p, filepath.Join(bin, tool))
		}
	}
	os.Symlink(gobin, filepath.Join(bin, "go"))
	out, code, res, skips := runBench(t, "PATH="+bin, "PKGS=io_bench", "BENCH=^BenchmarkFio$/^job=read_latency$/")
	if code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, out)
	}
	if !strings.Contains(skips, "\nskip\tio_bench\tBenchmarkFio/job=read_latency/engine=fio\tfio not installed") {
		t.Errorf("skips file:\n%s", skips)
	}
	if !strings.Contains(out, "--- SKIP: BenchmarkFio/job=read_latency/engine=fio: fio not installed") {
		t.Errorf("output lacks the skip:\n%s", out)
	}
	for _, l := range strings.Split(res, "\n") {
		if l == "BenchmarkFio" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			t.Errorf("result file holds the progress line %q", l)
		}
	}
	if !hasRow(res, "BenchmarkFio/job=read_latency/engine=go") {
		t.Errorf("result file lacks the engine=go row:\n%s", res)
	}
}

// Two runs with the same OUTDIR in the same second each take a name of
// their own: the names of the next seconds are taken in advance, so both
// runs must claim a suffixed name, racing each other.
func TestBenchScriptSameSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test twice")
	}
	dir := t.TempDir()
	// Prebuilt binaries start in milliseconds, so both runs reach the
	// naming step in the same second.
	bindir := t.TempDir()
	for _, c := range [][]string{
		{"go", "test", "-c", "-o", filepath.Join(bindir, "cpu_bench.test"), "../cpu_bench"},
		{"go", "build", "-o", bindir, "./manifest", "./report", "./bench"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	tee, err := exec.Command(filepath.Join(bindir, "manifest"), "-key", "tee").Output()
	if err != nil {
		t.Fatal(err)
	}
	host, err := exec.Command("sh", "-c", "hostname -s 2>/dev/null || hostname").Output()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for s := range 120 {
		name := fmt.Sprintf("%s-%s-%s.txt", strings.TrimSpace(string(host)), strings.TrimSpace(string(tee)), now.Add(time.Duration(s)*time.Second).Format("20060102T150405Z"))
		if err := os.WriteFile(filepath.Join(dir, name), []byte("taken\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for time.Now().Nanosecond() > 100e6 { // start early in a second
		time.Sleep(5 * time.Millisecond)
	}
	var wg sync.WaitGroup
	outs := make([]string, 2)
	codes := make([]int, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command("./bench.sh")
			cmd.Env = append(os.Environ(), "PKGS=cpu_bench", "BENCH=SHA256/size=64B", "BENCHTIME=1x", "TEEBENCH_PROFILE=smoke", "OUTDIR="+dir,
				"TEEBENCH_BINDIR="+bindir)
			b, _ := cmd.CombinedOutput()
			outs[i], codes[i] = string(b), cmd.ProcessState.ExitCode()
		})
	}
	wg.Wait()
	var mine []string
	for i := range 2 {
		if codes[i] != 0 {
			t.Errorf("run %d exit %d:\n%s", i, codes[i], outs[i])
		}
		m := regexp.MustCompile(`results in (\S+\.txt)`).FindStringSubmatch(outs[i])
		if m == nil {
			t.Fatalf("run %d names no result file:\n%s", i, outs[i])
		}
		mine = append(mine, m[1])
	}
	if mine[0] == mine[1] {
		t.Fatalf("both runs wrote %s", mine[0])
	}
	t.Logf("result files: %s, %s", filepath.Base(mine[0]), filepath.Base(mine[1]))
	for _, f := range mine {
		if !regexp.MustCompile(`Z-\d+\.txt$`).MatchString(f) {
			t.Errorf("%s: want a suffixed name (the plain one was taken)", f)
		}
		b, err := os.ReadFile(f)
		if err != nil || !hasRow(string(b), "BenchmarkSHA256/size=64B") {
			t.Errorf("%s: %v\n%s", f, err, b)
		}
	}
}

// Prebuilt mode (the container's): with no go on PATH, bench.sh runs the
// package's test binary and the built manifest and report commands from
// TEEBENCH_BINDIR, with the same result file, summary and exit statuses.
func TestBenchScriptPrebuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds test binaries")
	}
	bindir := t.TempDir()
	for _, c := range [][]string{
		{"go", "test", "-c", "-o", filepath.Join(bindir, "cpu_bench.test"), "../cpu_bench"},
		{"go", "build", "-o", bindir, "./manifest", "./report", "./bench"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	// A PATH with the tools bench.sh uses, and no go.
	bin := t.TempDir()
	for _, tool := range []string{"bash", "sh", "env", "awk", "sed", "grep", "date", "hostname", "mkdir", "mktemp", "rm", "cat", "sleep", "setsid", "wc", "dirname", "printf", "kill"} {
		if p, err := exec.LookPath(tool); err == nil {
			os.Symlink(p, filepath.Join(bin, tool))
		}
	}
	env := []string{"PATH=" + bin, "TEEBENCH_BINDIR=" + bindir, "PKGS=cpu_bench"}
	out, code, res, skips := runBench(t, append(env, "BENCH=SHA256/size=64B")...)
	if code != 0 || !hasRow(res, "BenchmarkSHA256/size=64B") || !strings.HasPrefix(res, "tee: ") ||
		!strings.Contains(out, "prebuilt="+bindir) || !strings.Contains(out, "bench.sh: report in ") {
		t.Errorf("exit %d, result file:\n%s\noutput:\n%s", code, res, out)
	}
	if skips != "# teebench skips v1\n" {
		t.Errorf("skips file:\n%s", skips)
	}
	// No rows: the same status and summary as in a checkout.
	out, code, _, skips = runBench(t, append(env, "BENCH=^BenchmarkNoSuchThing$")...)
	if code != 1 || !strings.Contains(skips, "\nnorows\tcpu_bench\t-\t") || !strings.Contains(out, "  norows cpu_bench -: ") {
		t.Errorf("exit %d, skips:\n%s\noutput:\n%s", code, skips, out)
	}
}

// hasRow reports whether text holds a result row of the benchmark name,
// with or without the -N suffix (go test leaves it out at GOMAXPROCS 1).
func hasRow(text, name string) bool {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(-\d+)?\s`).MatchString(text)
}

// TestBenchScriptBadInput: each bad value is refused before the first
// benchmark with exit 2 and a message naming the variable. bench.sh used
// to run the packages with them and end with exit 1 and `norows ... (go
// test exit 1)`; a missing BASELINE failed only after every benchmark.
func TestBenchScriptBadInput(t *testing.T) {
	for _, c := range []struct{ env, want string }{
		{"BENCHTIME=xyz", "BENCHTIME=xyz: want a duration"},
		{"TEEBENCH_MAX_ERROR_RATE=abc", `TEEBENCH_MAX_ERROR_RATE="abc"`},
		{"TEEBENCH_CACHE=relative/cache", `TEEBENCH_CACHE="relative/cache": want an absolute directory path`},
		{"TEEBENCH_LLM_GOODPUT=bogus:5", `TEEBENCH_LLM_GOODPUT="bogus:5"`},
		{"BASELINE=/nonexistent/base.txt", "BASELINE=/nonexistent/base.txt: not a readable result file"},
		{"COUNT=0", "COUNT=0: want a positive whole number"},
		{"COUNT=many", "COUNT=many: want a positive whole number"},
		{"PKGS=cpu_bench nosuch_bench", "PKGS: unknown package nosuch_bench"},
		{"PKGS=gpu_bench", "PKGS: gpu_bench needs TAGS=gpu"},
		{"TAGS=sgx", `TAGS=sgx: unknown tag "sgx"`},
		{"BENCH=(", "BENCH=(: "},
		{"TEEBENCH_IO_DIR=/nonexistent/io", "TEEBENCH_IO_DIR=/nonexistent/io: "},
		{"TEEBENCH_DEADLINE=soon", "TEEBENCH_DEADLINE=soon: want a positive duration"},
	} {
		t.Run(c.env, func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command("./bench.sh")
			cmd.Env = append(os.Environ(), "TEEBENCH_PROFILE=smoke", "PKGS=cpu_bench", "BENCH=SHA256/size=64B", "OUTDIR="+out, c.env)
			b, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(b), "bench.sh: "+c.want) {
				t.Errorf("exit %d, want 2 and %q:\n%s", code, c.want, b)
			}
			if strings.Contains(string(b), "[1/1]") {
				t.Errorf("a package ran:\n%s", b)
			}
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Errorf("%d files written to OUTDIR", len(ents))
			}
		})
	}
}
