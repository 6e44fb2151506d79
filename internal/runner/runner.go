// Package runner is the one engine that runs the suite: scripts/bench.sh
// (through scripts/bench), scripts/crosscheck, the container's entrypoint
// and CI all run their benchmarks through it.
//
// A run plans its packages (internal/catalog) with an estimate from
// measured durations, builds or finds each package's test binary (prebuilt
// mode: $TEEBENCH_BINDIR/<pkg>.test, for the container, which has no Go
// toolchain), and runs each package as `-test.v=test2json` in a process
// group of its own, reading its events through the toolchain's own
// converter (internal/runner/test2json). The result file R.txt keeps the Go
// benchmark format (config lines, result rows, failures with their logs),
// which benchstat reads unchanged; run-info lines (benchenv.RunInfoLine)
// add the suite revision, the start time, the reference tools' versions
// and each package's duration. R.skips.tsv (internal/skips) lists every
// skip with its reason, every failure with its cause, every package
// without rows, a package stopped at its deadline and an interruption.
//
// TEEs: a run is built for at most one TEE, the tee.Kinds() entry whose
// build tag is in TAGS (TEEOf, TEETags; gpu is not a TEE). Under
// it, the manifest fails unless this machine is a guest of that TEE, and
// after R.txt and R.skips.tsv are final the attest command of the build
// binds that TEE's evidence to them. Nothing here names a TEE: a new Kind
// in internal/tee is a new accepted tag.
//
// Processes: the runner is a child subreaper, so a process that leaves its
// package's group and session (fio's job processes call setsid) is still
// below it; after each package, and on SIGINT or SIGTERM, it stops the
// package's group and every process below it (SIGINT, then SIGKILL after
// 15 s). go test's -timeout does not bound benchmarks (testing stops its
// alarm before running them), so each package has a deadline: a generous
// multiple of its estimate (DeadlineFactor, MinDeadline), or
// TEEBENCH_DEADLINE; a package stopped there fails by name.
//
// Exit statuses (Run's return value): 0 every package measured (skips by
// design allowed), 1 a failure or a package without rows, 2 bad input, 3
// the manifest could not be read, 130 interrupted.
package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/report/cli"
	"github.com/teebench/teebench/internal/runner/test2json"
	"github.com/teebench/teebench/internal/skips"
)

// Exit statuses.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitBadInput    = 2
	ExitManifest    = 3
	ExitInterrupted = 130
)

// Result is what a run wrote.
type Result struct {
	// Path is the result file, Skips its skip list.
	Path, Skips string
	// Entries are the skip list's entries.
	Entries []skips.Entry
	// Failed names what failed (packages, attest, report).
	Failed []string
}

// runState is one run in progress.
type runState struct {
	o              Options
	stdout, stderr io.Writer
	out            *os.File
	sk             *skips.Writer
	work           string
	bins           map[string]string
	plan           []PlanItem

	mu       sync.Mutex
	cur      string // package running
	pgid     int    // its process group
	stopping bool
	runInfo  []string // lines not yet written
}

func (r *runState) logf(format string, a ...any) {
	fmt.Fprintf(r.stderr, r.o.Name+": "+format+"\n", a...)
}

// Run runs the suite as o describes and returns the exit status and what
// it wrote. Messages go to stderr, the result lines and skips to stdout.
func Run(o Options, stdout, stderr io.Writer) (int, Result) {
	r := &runState{o: o, stdout: stdout, stderr: stderr, bins: map[string]string{}}
	var res Result
	if err := becomeSubreaper(); err != nil {
		r.logf("warning: cannot become a child subreaper (%v); processes that leave their session may outlive the run", err)
	}
	man, err := benchenv.Full()
	if err != nil {
		r.logf("manifest: %v", err)
		return ExitManifest, res
	}
	tee := man.Get("tee")
	if err := r.create(tee); err != nil {
		r.logf("%v", err)
		return ExitBadInput, res
	}
	res.Path, res.Skips = r.out.Name(), r.sk.Path()
	defer r.out.Close()
	defer r.sk.Close()
	if r.work, err = os.MkdirTemp("", "teebench-run."); err != nil {
		r.logf("temporary directory: %v", err)
		return ExitBadInput, res
	}
	defer os.RemoveAll(r.work)
	os.MkdirAll(filepath.Join(r.work, "tmp"), 0o755)
	r.runInfo = r.runInfoLines()

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	interrupted := make(chan string, 1)
	go func() {
		s := <-sigs
		name := "SIGINT"
		if s == syscall.SIGTERM {
			name = "SIGTERM"
		}
		r.mu.Lock()
		r.stopping = true
		cur, pgid := r.cur, r.pgid
		r.mu.Unlock()
		fmt.Fprintln(r.stderr)
		r.logf("%s: stopping %s ...", name, cur)
		stopAll(pgid, 0)
		interrupted <- fmt.Sprintf("%s during %s", name, cur)
	}()

	r.plan = Plan(o)
	r.printPlan()
	if o.Noise > 0 && len(r.plan) > 0 {
		r.logf("noise check (%s: a CPU loop and a memory loop, outside any measured region) ...", o.Noise)
		r.runInfo = append(r.runInfo, benchenv.NoiseCheck(o.Noise).RunInfoLines()...)
	}
	for _, name := range o.Absent {
		p, _ := catalog.Lookup(name)
		r.sk.Add(skips.Entry{Kind: skips.Skip, Package: name, Benchmark: "-", Reason: "needs -tags " + p.Tag + " (TAGS=" + p.Tag + ")"})
	}
	var failed []string
	t0 := time.Now()
	var doneEst time.Duration
	total := TotalEstimate(r.plan)
	for round := 1; round <= o.Rounds; round++ {
		for i, it := range r.plan {
			if r.isStopping() {
				break
			}
			tag := fmt.Sprintf("[%d/%d]", i+1, len(r.plan))
			if o.Rounds > 1 {
				tag = fmt.Sprintf("[round %d/%d %d/%d]", round, o.Rounds, i+1, len(r.plan))
			}
			fmt.Fprintf(r.stderr, "%s %s ...\n", tag, it.Pkg.Name)
			start := time.Now()
			var env []string
			if o.Alternate {
				env = RoundEnv(Reversed(round))
			}
			pr := r.runPackage(it, env)
			el := time.Since(start)
			ran := el - pr.buildTime
			doneEst += it.Estimate
			eta := ""
			if total > 0 && doneEst > 0 {
				left := time.Duration(float64(time.Since(t0)) * float64(total*time.Duration(o.Rounds)-doneEst) / float64(doneEst))
				eta = fmt.Sprintf(", ETA ~%d min", int(left.Minutes()+0.5))
			}
			fmt.Fprintf(r.stderr, "%s %s done in %ds (exit %d, %d rows); elapsed %ds%s\n", tag, it.Pkg.Name, int(el.Seconds()), pr.code, pr.rows, int(time.Since(t0).Seconds()), eta)
			if r.isStopping() {
				break
			}
			if pr.built {
				// A run of part of a package (BENCH, BENCHTIME) says so:
				// the plan takes only whole runs as estimates.
				part := ""
				if o.Bench != "" || o.Benchtime != "" {
					part = fmt.Sprintf(" bench=%q benchtime=%q", o.Bench, o.Benchtime)
				}
				r.writeLine(benchenv.RunInfoLine("duration", fmt.Sprintf("%s %.1fs count=%d profile=%s%s", it.Pkg.Name, ran.Seconds(), o.Count, o.Profile, part)))
				for _, l := range benchenv.RunInfoLines(it.Pkg.Name, pr.before, pr.after) {
					r.writeLine(l)
				}
			}
			if f := r.judge(it.Pkg.Name, pr); f != "" && !slices.Contains(failed, f) {
				failed = append(failed, f)
			}
		}
	}
	r.flushRunInfo()
	stopped := func() (int, Result) {
		why := <-interrupted
		r.sk.Add(skips.Entry{Kind: skips.Interrupted, Package: r.curName(), Benchmark: "-", Reason: why})
		os.RemoveAll(r.work)
		r.logf("interrupted; results so far are in %s (skips and failures in %s)", r.out.Name(), r.sk.Path())
		res.Entries = r.sk.Entries()
		return ExitInterrupted, res
	}
	if r.isStopping() {
		return stopped()
	}
	r.setCur("-", 0)

	if k := o.TEE(); k != nil {
		r.logf("binding %s evidence to %s", k.Title(), r.out.Name())
		if err := r.attest(); err != nil {
			r.logf("attest: %v", err)
			failed = append(failed, "attest")
		}
	}
	r.logf("results in %s", r.out.Name())
	if o.Report {
		if !r.hasRows() {
			r.logf("no benchmark rows in %s: no report", r.out.Name())
		} else if err := r.report(); err != nil {
			r.logf("report: %v", err)
			failed = append(failed, "report")
		}
	}
	if r.isStopping() { // during attest or the report
		return stopped()
	}
	res.Entries = r.sk.Entries()
	if len(res.Entries) > 0 {
		r.logf("not measured (also in %s):", r.sk.Path())
		for _, e := range res.Entries {
			fmt.Fprintf(r.stderr, "  %-6s %s %s: %s\n", e.Kind, e.Package, e.Benchmark, e.Reason)
		}
	}
	res.Failed = failed
	if len(failed) > 0 {
		r.logf("failed: %s (the results of every package are still in %s)", strings.Join(failed, " "), r.out.Name())
		return ExitFailed, res
	}
	return ExitOK, res
}

func (r *runState) isStopping() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopping
}

func (r *runState) setCur(name string, pgid int) {
	r.mu.Lock()
	r.cur, r.pgid = name, pgid
	r.mu.Unlock()
}

func (r *runState) curName() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// create claims the result file's name (never overwriting one: a second
// run in the same second takes the next suffix) and creates its skip list.
func (r *runState) create(tee string) error {
	if err := os.MkdirAll(r.o.OutDir, 0o755); err != nil {
		return fmt.Errorf("OUTDIR=%s: %w", r.o.OutDir, err)
	}
	f, err := CreateResult("", r.o.OutDir, r.o.Prefix, tee)
	if err != nil {
		return err
	}
	r.out = f
	r.sk, err = skips.Create(skips.Path(f.Name()))
	return err
}

// ClaimName creates dir/base.txt, or base-1.txt, base-2.txt ... when it is
// taken (O_EXCL: two runs racing each other take different names).
func ClaimName(dir, base string) (*os.File, error) {
	p := filepath.Join(dir, base+".txt")
	for n := 1; ; n++ {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrExist) || n > 1000 {
			return nil, fmt.Errorf("cannot create %s: %w", p, err)
		}
		p = filepath.Join(dir, fmt.Sprintf("%s-%d.txt", base, n))
	}
}

// writeLine appends a line to the result file.
func (r *runState) writeLine(l string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.out, l+"\n")
}

// flushRunInfo writes the run-info lines not yet written.
func (r *runState) flushRunInfo() {
	r.mu.Lock()
	lines := r.runInfo
	r.runInfo = nil
	r.mu.Unlock()
	for _, l := range lines {
		r.writeLine(l)
	}
}

// runInfoLines are the run's facts: suite revision, start time, the
// reference tools' versions.
func (r *runState) runInfoLines() []string {
	rev := r.o.Revision
	if rev == "" {
		if b, err := exec.Command("git", "-C", r.o.Root, "describe", "--always", "--dirty", "--abbrev=40").Output(); err == nil {
			rev = strings.TrimSpace(string(b))
		} else {
			rev = "unknown (no TEEBENCH_REVISION, not a git checkout)"
		}
	}
	lines := []string{
		benchenv.RunInfoLine("suite-revision", rev),
		benchenv.RunInfoLine("started", time.Now().UTC().Format(time.RFC3339)),
	}
	for _, t := range ToolVersions() {
		name, v, _ := strings.Cut(t, " ")
		lines = append(lines, benchenv.RunInfoLine(name+"-version", v))
	}
	return lines
}

// ToolVersions returns "name version" for each reference tool the suite
// runs (fio, 7zz, ab, wrk, gcc), "name not installed" for one missing.
func ToolVersions() []string {
	tools := []struct {
		name string
		args []string
	}{{"fio", []string{"--version"}}, {"7zz", nil}, {"ab", []string{"-V"}}, {"wrk", []string{"-v"}}, {"gcc", []string{"--version"}}}
	var out []string
	for _, t := range tools {
		path, err := exec.LookPath(t.name)
		if err != nil {
			out = append(out, t.name+" not installed")
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		b, _ := exec.CommandContext(ctx, path, t.args...).CombinedOutput() // wrk -v exits 1
		cancel()
		v := ""
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				v = l
				break
			}
		}
		if v == "" {
			v = "version unknown"
		}
		out = append(out, t.name+" "+v)
	}
	return out
}

// pkgResult is one package's outcome.
type pkgResult struct {
	code      int // the test binary's exit status (summed over its runs)
	rows      int
	nskip     int
	nfail     int
	deadline  time.Duration // when the deadline stopped it
	buildErr  error
	built     bool          // it ran (not stopped before starting)
	buildTime time.Duration // of its test binary
	// before and after are the per-run counters (steal, context
	// switches, swiotlb use) taken just before its first test binary
	// started and after its last was waited for.
	before, after benchenv.Sample
}

// judge records a package's outcome in the skip list and returns its
// name when it failed.
func (r *runState) judge(pkg string, pr pkgResult) string {
	add := func(kind, reason string) {
		r.sk.Add(skips.Entry{Kind: kind, Package: pkg, Benchmark: "-", Reason: reason})
	}
	switch {
	case pr.buildErr != nil:
		add(skips.Fail, pr.buildErr.Error())
		return pkg
	case pr.deadline > 0:
		add(skips.Deadline, fmt.Sprintf("stopped at its deadline of %s (TEEBENCH_DEADLINE overrides it)", pr.deadline))
		return pkg
	case pr.rows == 0 && pr.code == 0 && pr.nskip > 0:
		add(skips.Skip, fmt.Sprintf("every benchmark skipped (%d skips)", pr.nskip))
		return ""
	case pr.rows == 0:
		add(skips.NoRows, fmt.Sprintf("no benchmark rows (go test exit %d)", pr.code))
		return pkg
	case pr.code != 0:
		if pr.nfail == 0 {
			add(skips.Fail, fmt.Sprintf("go test exited %d", pr.code))
		}
		return pkg
	}
	return ""
}

// binary returns the package's test binary: prebuilt, or built now.
func (r *runState) binary(p catalog.Package) (string, error) {
	if r.o.BinDir != "" {
		b := filepath.Join(r.o.BinDir, p.Name+".test")
		if _, err := os.Stat(b); err != nil {
			return "", fmt.Errorf("no prebuilt test binary %s", b)
		}
		return b, nil
	}
	b := filepath.Join(r.work, p.Name+".test")
	args := []string{"test", "-c", "-o", b}
	if t := r.o.TagsFlag(); t != "" {
		args = append(args, "-tags", t)
	}
	cmd := exec.Command("go", append(args, "./"+p.Name)...)
	cmd.Dir = r.o.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return "", fmt.Errorf("go test -c ./%s: %v: %s", p.Name, err, first)
	}
	return b, nil
}

// runPackage runs one package's runs, env added to their environment.
func (r *runState) runPackage(it PlanItem, env []string) pkgResult {
	var pr pkgResult
	r.setCur(it.Pkg.Name, 0)
	bin, ok := r.bins[it.Pkg.Name]
	if !ok {
		var err error
		t := time.Now()
		bin, err = r.binary(it.Pkg)
		pr.buildTime = time.Since(t)
		if err != nil {
			pr.buildErr = err
			return pr
		}
		r.bins[it.Pkg.Name] = bin
	}
	runs := it.Pkg.Runs
	if r.o.Bench != "" || r.o.Benchtime != "" {
		b := r.o.Bench
		if b == "" {
			b = "."
		}
		runs = []catalog.Run{{Bench: b, Benchtime: r.o.Benchtime}}
	}
	end := time.Now().Add(it.Deadline)
	pr.before = benchenv.TakeSample()
	f := newFilter(it.Pkg.Name, r.out, r.stdout, func(e skips.Entry) { r.sk.Add(e) })
	// The run-info lines go below the first package's config lines (the
	// file starts with the manifest's tee: line), before its first row.
	f.before = func(l string) {
		if !headerRE.MatchString(l) {
			r.flushRunInfo()
		}
	}
	for _, run := range runs {
		if r.isStopping() {
			break
		}
		code, hit := r.exec(bin, it.Pkg.Name, run, f, time.Until(end), env)
		pr.built = true
		pr.code += code
		if hit {
			pr.deadline = it.Deadline
			break
		}
	}
	pr.after = benchenv.TakeSample()
	f.finish()
	pr.rows, pr.nskip, pr.nfail = f.rows, f.nskip, f.nfail
	return pr
}

// exec runs one invocation of a test binary in a process group of its own,
// with env (a round's: RoundEnv) and then Options.Env added to its
// environment, and feeds its events to f. It returns the exit status and
// whether the deadline stopped it.
func (r *runState) exec(bin, pkg string, run catalog.Run, f *filter, left time.Duration, env []string) (int, bool) {
	args := []string{"-test.run", "^$", "-test.bench", run.Bench, "-test.count", fmt.Sprint(r.o.Count),
		"-test.timeout", "0", "-test.v=test2json"}
	if run.Benchtime != "" {
		args = append(args, "-test.benchtime", run.Benchtime)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = r.o.Root
	if st, err := os.Stat(filepath.Join(r.o.Root, pkg)); err == nil && st.IsDir() {
		cmd.Dir = filepath.Join(r.o.Root, pkg) // its testdata
	}
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(r.work, "tmp"), "TEEBENCH_PROFILE="+string(r.o.Profile), "PWD="+cmd.Dir)
	if r.o.IODir != "" {
		cmd.Env = append(cmd.Env, "TEEBENCH_IO_DIR="+r.o.IODir)
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, r.o.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		f.add(skips.Entry{Kind: skips.Fail, Package: pkg, Benchmark: "-", Reason: err.Error()})
		return 1, false
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		pr.Close()
		pw.Close()
		return 0, false
	}
	err = cmd.Start()
	if err == nil {
		r.cur, r.pgid = pkg, cmd.Process.Pid
	}
	r.mu.Unlock()
	pw.Close()
	if err != nil {
		pr.Close()
		f.add(skips.Entry{Kind: skips.Fail, Package: pkg, Benchmark: "-", Reason: err.Error()})
		return 1, false
	}
	var mu sync.Mutex // f is fed by the reader only; mu orders it with finish
	conv := test2json.NewConverter(&eventWriter{fn: func(e Event) { mu.Lock(); f.event(e); mu.Unlock() }}, pkg, 0)
	read := make(chan struct{})
	go func() {
		io.Copy(conv, pr)
		conv.Close()
		close(read)
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	timer := time.NewTimer(max(left, time.Second))
	defer timer.Stop()
	hit := false
	var werr error
	select {
	case werr = <-waited:
	case <-timer.C:
		hit = true
		r.logf("%s ran past its deadline: stopping it", pkg)
		stopAll(cmd.Process.Pid, cmd.Process.Pid)
		werr = <-waited
	}
	// Whatever the package left running (a server, a tool, a process in a
	// session of its own) is stopped.
	stopAll(cmd.Process.Pid, 0)
	select {
	case <-read:
	case <-time.After(5 * time.Second):
	}
	pr.Close()
	r.setCur(pkg, 0)
	code := 0
	if werr != nil {
		code = 1
		if ee, ok := werr.(*exec.ExitError); ok && ee.ExitCode() > 0 {
			code = ee.ExitCode()
		}
	}
	return code, hit
}

// headerRE is a config line (key: value) or a Unit line of the Go
// benchmark format.
var headerRE = regexp.MustCompile(`^([a-z][^\s:A-Z]*:(\s|$)|Unit\s)`)

// hasRows reports whether the result file holds a benchmark row.
func (r *runState) hasRows() bool {
	b, err := os.ReadFile(r.out.Name())
	if err != nil {
		return false
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if rowRE.MatchString(l) {
			return true
		}
	}
	return false
}

// attest runs the attest command on the result file (after it and its
// skip list are final): $BinDir/attest, or the command built now with the
// run's tags, beside the test binaries.
func (r *runState) attest() error {
	r.out.Sync()
	bin := filepath.Join(r.o.BinDir, "attest")
	if r.o.BinDir == "" {
		bin = filepath.Join(r.work, "attest")
		build := exec.Command("go", "build", "-tags", r.o.TagsFlag(), "-o", bin, "./scripts/attest")
		build.Dir = r.o.Root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./scripts/attest: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
	cmd := exec.Command(bin, r.out.Name())
	cmd.Stdout, cmd.Stderr = r.stderr, r.stderr
	return cmd.Run()
}

// report renders R.md with the report package: the result file alone, or
// against BASELINE with the arms report -arms resolves.
func (r *runState) report() error {
	out := r.out.Name()
	md := strings.TrimSuffix(out, ".txt") + ".md"
	arms := []string{out}
	if r.o.Baseline != "" {
		var b strings.Builder
		if err := cli.Command([]string{"-arms", r.o.Baseline, out}, &b, r.stderr); err == nil {
			arms = strings.Split(strings.TrimSpace(b.String()), "\n")
		} else {
			arms = []string{r.o.Baseline, out} // the report names what is wrong with them
		}
	}
	if err := cli.Command(append([]string{"-o", md}, arms...), r.stderr, r.stderr); err != nil {
		return err
	}
	r.logf("report in %s", md)
	return nil
}

// ModuleRootOf returns the teebench tree for a command: root when given,
// else the module root above the working directory.
func ModuleRootOf(root string) (string, error) {
	if root != "" {
		return filepath.Abs(root)
	}
	return config.WorkingModuleRoot()
}
