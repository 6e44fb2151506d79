package runner

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/skips"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	r, err := config.WorkingModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testOptions runs the testdata package pkg. A test binary built with
// -tags tdx on a machine that is not a TDX guest cannot read the manifest
// (Run exits 3 before any package): the test says so and skips.
func testOptions(t *testing.T, pkg string) Options {
	t.Helper()
	if _, err := benchenv.Full(); err != nil {
		t.Skipf("the runner refuses to run here, before any package: %v", err)
	}
	return Options{Name: "runner-test", Root: moduleRoot(t), Profile: config.Smoke, Count: 1, Rounds: 1,
		OutDir: t.TempDir(), Revision: "test",
		Packages: []catalog.Package{{Name: "internal/runner/testdata/" + pkg, Runs: []catalog.Run{{Bench: "."}}}}}
}

var rowLineRE = regexp.MustCompile(`(?m)^Benchmark\S*\s+\d+\s.*$`)

// TestResultMatchesGoTest runs a package whose benchmarks report fixed
// metrics through the runner and checks that the result file's benchmark
// lines are byte for byte those of `go test -bench` on the same package,
// that the file keeps its config lines first and that the run-info lines
// are comments benchstat ignores.
func TestResultMatchesGoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	o := testOptions(t, "fixed")
	o.Count, o.Benchtime = 3, "7x"
	o.Noise = 200 * time.Millisecond
	code, res := Run(o, io.Discard, io.Discard)
	if code != ExitOK {
		t.Fatalf("exit %d: %+v", code, res)
	}
	got, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchtime", "7x", "-count", "3", "./internal/runner/testdata/fixed")
	cmd.Dir = o.Root
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("go test: %v\n%s", err, want)
	}
	g, w := rowLineRE.FindAllString(string(got), -1), rowLineRE.FindAllString(string(want), -1)
	if len(w) != 9 || strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("result rows differ from go test's:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	if !strings.HasPrefix(string(got), "tee: none\nprofile: smoke\n") {
		t.Errorf("result file does not start with the package's config lines:\n%s", got)
	}
	for _, k := range []string{"# run suite-revision: test\n", "# run started: ", "# run gcc-version: ", "# run fio-version: ", "# run duration: internal/runner/testdata/fixed ",
		"# run noise-cpu: ", "# run noise-mem: ", "# run steal: internal/runner/testdata/fixed ", "# run steal-accounting: ", "# run involuntary-ctxsw: internal/runner/testdata/fixed "} {
		if !strings.Contains(string(got), k) {
			t.Errorf("result file lacks %q:\n%s", k, got)
		}
	}
	if strings.Contains(string(got), "=== RUN") || regexp.MustCompile(`(?m)^BenchmarkFixed$`).Match(got) {
		t.Errorf("progress lines in the result file:\n%s", got)
	}
}

// TestFailureCause: a skip is listed with its reason, a failure with the
// error line that ended it (not the log lines before it), credentials in
// a URL never reach the result file or the skip list, and the package
// fails by name.
func TestFailureCause(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	o := testOptions(t, "failing")
	code, res := Run(o, io.Discard, io.Discard)
	if code != ExitFailed {
		t.Errorf("exit %d, want %d", code, ExitFailed)
	}
	es, err := skips.Read(res.Skips)
	if err != nil {
		t.Fatal(err)
	}
	pkg := "internal/runner/testdata/failing"
	want := []skips.Entry{
		{Kind: "skip", Package: pkg, Benchmark: "BenchmarkSkip", Reason: "tool not installed"},
		{Kind: "fail", Package: pkg, Benchmark: "BenchmarkFail", Reason: "warm-up request failed: http://REDACTED@127.0.0.1:1/v1 refused"},
		{Kind: "skip", Package: pkg, Benchmark: "BenchmarkSleep", Reason: "RUNNER_TEST_SLEEP not set"},
	}
	if len(es) != len(want) {
		t.Fatalf("skip list %+v, want %+v", es, want)
	}
	for i := range want {
		want[i].File = res.Skips
		if es[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, es[i], want[i])
		}
	}
	b, _ := os.ReadFile(res.Path)
	if strings.Contains(string(b), "s3cret") || !strings.Contains(string(b), "--- FAIL: BenchmarkFail") || !rowLineRE.Match(b) {
		t.Errorf("result file:\n%s", b)
	}
}

// TestDeadline: a package that runs past its deadline is stopped (with
// the process it started in a session of its own), fails by name, and the
// deadline is in the skip list.
func TestDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	o := testOptions(t, "failing")
	o.Bench, o.Deadline = "Sleep", 5*time.Second
	pidFile := filepath.Join(t.TempDir(), "pid")
	o.Env = []string{"RUNNER_TEST_SLEEP=" + pidFile}
	start := time.Now()
	code, res := Run(o, io.Discard, io.Discard)
	if el := time.Since(start); el > 2*time.Minute {
		t.Errorf("the run took %s under a 5 s deadline", el)
	}
	if code != ExitFailed {
		t.Errorf("exit %d, want %d", code, ExitFailed)
	}
	es, _ := skips.Read(res.Skips)
	found := false
	for _, e := range es {
		found = found || e.Kind == skips.Deadline && e.Package == "internal/runner/testdata/failing" && strings.Contains(e.Reason, "deadline of 5s")
	}
	if !found {
		t.Errorf("no deadline entry: %+v", es)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the benchmark never started its child: %v", err)
	}
	pid, _ := strconv.Atoi(string(b))
	if pid > 0 && syscall.Kill(pid, 0) == nil {
		if st, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); !strings.Contains(string(st), ") Z ") {
			t.Errorf("the benchmark's child %d (own session) outlived the deadline", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func TestFailReason(t *testing.T) {
	for _, c := range []struct {
		logs []string
		want string
	}{
		{nil, ""},
		{[]string{"    serve_test.go:200: 1 requests, 0 failed", "    serve_test.go:212: warm-up request failed"}, "warm-up request failed"},
		{[]string{"    a_test.go:3: first", "    a_test.go:9: it broke:", "        detail"}, "it broke: detail"},
		{[]string{"    no prefix"}, "no prefix"},
	} {
		if got := FailReason(c.logs); got != c.want {
			t.Errorf("FailReason(%q) = %q, want %q", c.logs, got, c.want)
		}
	}
}

// TestRounds: two rounds run the plan twice into one result file, the
// second with TEEBENCH_ORDER=reverse.
func TestRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	o := testOptions(t, "fixed")
	o.Benchtime, o.Rounds, o.Alternate = "2x", 2, true
	var stderr strings.Builder
	code, res := Run(o, io.Discard, &stderr)
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	b, _ := os.ReadFile(res.Path)
	if n := len(rowLineRE.FindAll(b, -1)); n != 6 {
		t.Errorf("%d rows, want 6 (3 per round):\n%s", n, b)
	}
	if !strings.Contains(stderr.String(), "[round 2/2 1/1] internal/runner/testdata/fixed ...") {
		t.Errorf("no second round:\n%s", stderr.String())
	}
	if !strings.Contains(string(b), "order: forward") || !strings.Contains(string(b), "order: reverse") {
		t.Errorf("the rounds did not alternate TEEBENCH_ORDER:\n%s", b)
	}
}
