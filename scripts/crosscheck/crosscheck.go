package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/report"
	"github.com/teebench/teebench/internal/report/overhead"
	"github.com/teebench/teebench/internal/report/results"
	"github.com/teebench/teebench/internal/runner"
	"github.com/teebench/teebench/internal/skips"
)

// Goal is the range a ratio Go / reference must lie in (declared in
// internal/catalog, which the report's cross-check tables read too).
type Goal = catalog.Goal

var (
	twoSided5 = catalog.GoalWithin5
	atLeast09 = catalog.GoalAtLeast09
	atLeast1  = catalog.GoalAtLeast1
	noGoal    = catalog.NoGoal
)

// benchRun is one invocation of a package's test binary.
type benchRun struct {
	bench, benchtime string
}

// pair is one figure measured by the Go implementation (ours) and the
// reference tool (ref).
type pair struct {
	figure    string
	refTool   string // the reference's name value (fio, wrk, c ...)
	ours, ref results.ID
	unit      string
	goal      Goal
}

// group is one cross-checked pair of implementations: the runs of one round
// (Go first, then the reference), how to tell a reference benchmark by
// name, and how to find its pairs among the results.
type group struct {
	name, pkg string
	runs      []benchRun
	isRef     func(name string) bool
	pairs     func(d *results.Dataset) []pair
	// fixedOrder: the group's order does not alternate by round (its
	// benchmark interleaves the two sides itself).
	fixedOrder bool
}

// with returns id with the value of key replaced.
func with(id results.ID, key, val string) results.ID {
	out := results.ID{Base: id.Base, Params: slices.Clone(id.Params)}
	for i, p := range out.Params {
		if p.Key == key {
			out.Params[i].Value = val
		}
	}
	return out
}

// without returns id without its key part.
func without(id results.ID, key string) results.ID {
	out := results.ID{Base: id.Base}
	for _, p := range id.Params {
		if p.Key != key {
			out.Params = append(out.Params, p)
		}
	}
	return out
}

// contextUnits lists the units shown beside a pair's figures without a goal:
// the engines' own cost, which explains a gap rather than being one. CPU
// per I/O is one: on a disk that coalesces interrupts, a loop that costs
// less CPU per I/O gets more completions per interrupt and so more IOPS,
// so a Go/fio IOPS ratio above 1 with a CPU ratio below 1 points at the
// engines' loops, not their I/O. Its scopes differ (the whole Go test process; fio's
// job threads only, from its JSON), so only a ratio below 1 says which
// loop costs less.
var contextUnits = map[string]bool{"cpu-sec/op": true}

// swapPairs pairs every benchmark of base matching where with its
// counterpart whose key is ref instead of ours, in each unit.
func swapPairs(d *results.Dataset, base, key, ours, ref string, units []string, goal Goal, where ...string) []pair {
	var ps []pair
	for _, id := range d.Find(base, append(where, key+"="+ours)...) {
		rid := with(id, key, ref)
		// A reference that measured some of the units but not this one
		// does not report it by design (fio times I/Os only in its
		// latency jobs); one that measured none was not measured.
		refMeasured := slices.ContainsFunc(units, func(u string) bool { return d.Has(rid, u) })
		for _, u := range units {
			if !d.Has(id, u) || refMeasured && !d.Has(rid, u) {
				continue
			}
			g := goal
			if contextUnits[u] {
				g = noGoal
			}
			ps = append(ps, pair{figure: without(id, key).String() + " " + u, refTool: ref, ours: id, ref: rid, unit: u, goal: g})
		}
	}
	return ps
}

// groups lists every cross-checked pair, in the order they run.
func groups() []group {
	gw := func(ka, ref string) group {
		// One op is one request: 5000x is the report's `ab -n 5000`. wrk
		// runs for a time (config.WrkDuration), so client=go gets the same
		// time: 5000 keep-alive requests take a fraction of a second, of
		// which the start and the tail are a large part (0.66-0.72 of
		// wrk's req/s at 5000x on the 2-core dev VM, 0.86-0.93 at 3 s).
		benchtime := "5000x"
		if ref == "wrk" {
			benchtime = config.WrkDuration().String()
		}
		return group{
			name: ref, pkg: "net_bench",
			runs:  []benchRun{{fmt.Sprintf("^BenchmarkGateway$/^path=direct$/^keepalive=%s$/^c=/^client=(go|%s)$", ka, ref), benchtime}},
			isRef: func(n string) bool { return strings.Contains(n, "/client="+ref) },
			pairs: func(d *results.Dataset) []pair {
				goal := atLeast09
				if ref == "ab" {
					goal = atLeast1
				}
				return swapPairs(d, "Gateway", "client", "go", ref, []string{"req/s"}, goal, "path=direct", "keepalive="+ka)
			},
		}
	}
	return []group{
		{
			name: "fio", pkg: "io_bench",
			// fio-ownfile is standalone fio on a file it lays out itself.
			runs:  []benchRun{{"^BenchmarkFio$/^job=/^engine=(go|fio|fio-ownfile)$", ""}},
			isRef: func(n string) bool { return strings.Contains(n, "/engine=fio") },
			pairs: func(d *results.Dataset) []pair {
				// cpu-sec/op (CPU per I/O) gets no goal: see contextUnits.
				units := []string{"IOPS", "B/s", "lat-mean-sec", "cpu-sec/op"}
				return append(swapPairs(d, "Fio", "engine", "go", "fio", units, twoSided5),
					swapPairs(d, "Fio", "engine", "go", "fio-ownfile", units, twoSided5)...)
			},
		},
		gw("on", "wrk"),
		gw("off", "ab"),
		{
			name: "stream", pkg: "cpu_bench",
			runs: []benchRun{{"^BenchmarkStream$/^kernel=triad$/^impl=(go|c)$/^threads=(1|2)$", ""}},
			// impl=c alternates its passes with the Go triad's already.
			fixedOrder: true,
			isRef:      func(n string) bool { return strings.Contains(n, "/impl=c/") },
			pairs: func(d *results.Dataset) []pair {
				return swapPairs(d, "Stream", "impl", "go", "c", []string{"B/s"}, atLeast09, "kernel=triad")
			},
		},
		{
			// BenchmarkSevenZip runs -md22 under the smoke and quick
			// profiles only, so only dict=22 pairs with it.
			name: "7zip", pkg: "cpu_bench",
			runs: []benchRun{
				{"^Benchmark(Compress|Decompress)$/^codec=lzma$/^dict=22$/", ""},
				{"^BenchmarkSevenZip$", ""},
			},
			isRef: func(n string) bool { return strings.HasPrefix(n, "BenchmarkSevenZip") },
			pairs: func(d *results.Dataset) []pair {
				var ps []pair
				for _, m := range []struct{ base, unit string }{{"Compress", "compress-MIPS"}, {"Decompress", "decompress-MIPS"}} {
					for _, id := range d.Find(m.base, "codec=lzma", "dict=22") {
						rid := results.ID{Base: "SevenZip", Params: []results.Param{{Key: "threads", Value: id.Get("threads")}}}
						if d.Has(id, m.unit) {
							ps = append(ps, pair{figure: id.String() + " " + m.unit, refTool: "7-Zip", ours: id, ref: rid, unit: m.unit, goal: noGoal})
						}
					}
				}
				return ps
			},
		},
	}
}

// options are the parsed flags.
type options struct {
	rounds  int
	out     string
	strict  bool
	verbose bool
}

// selectGroups returns the groups named by -pkgs and -pairs; an unknown
// name is an error that lists the known ones.
func selectGroups(pkgs, pairs string) ([]group, error) {
	all := groups()
	var knownPkgs, knownPairs []string
	for _, g := range all {
		if !slices.Contains(knownPkgs, g.pkg) {
			knownPkgs = append(knownPkgs, g.pkg)
		}
		knownPairs = append(knownPairs, g.name)
	}
	parse := func(flagName, list string, known []string) (map[string]bool, error) {
		if list == "" {
			return nil, nil
		}
		m := map[string]bool{}
		for _, s := range strings.Split(list, ",") {
			s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "./"))
			if s == "" {
				continue
			}
			if !slices.Contains(known, s) {
				return nil, fmt.Errorf("-%s: unknown %q (known: %s)", flagName, s, strings.Join(known, ", "))
			}
			m[s] = true
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("-%s: empty list", flagName)
		}
		return m, nil
	}
	pk, err := parse("pkgs", pkgs, knownPkgs)
	if err != nil {
		return nil, err
	}
	pr, err := parse("pairs", pairs, knownPairs)
	if err != nil {
		return nil, err
	}
	var sel []group
	for _, g := range all {
		if (pk == nil || pk[g.pkg]) && (pr == nil || pr[g.name]) {
			sel = append(sel, g)
		}
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("-pkgs %q and -pairs %q select no pair", pkgs, pairs)
	}
	return sel, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crosscheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rounds := fs.Int("rounds", 6, "interleaved rounds (Go and reference, alternately first); a 95% interval of the ratio needs 6 or more")
	pkgs := fs.String("pkgs", "", "comma-separated packages to cross-check (default all: io_bench, net_bench, cpu_bench)")
	pairs := fs.String("pairs", "", "comma-separated pairs to run (default all: fio, wrk, ab, stream, 7zip)")
	out := fs.String("o", "", "result file to write (default results/crosscheck-<host>-<tee>-<UTC time>.txt; must not exist)")
	strict := fs.Bool("strict", false, "exit 1 when a goal is missed or a reference was not measured")
	verbose := fs.Bool("v", false, "copy every run's output to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "crosscheck: unexpected arguments %q (flags only)\n", fs.Args())
		return 2
	}
	if *rounds < 1 {
		fmt.Fprintf(stderr, "crosscheck: -rounds %d: want 1 or more\n", *rounds)
		return 2
	}
	sel, err := selectGroups(*pkgs, *pairs)
	if err != nil {
		fmt.Fprintln(stderr, "crosscheck:", err)
		return 2
	}
	if err := config.Validate(); err != nil {
		fmt.Fprintln(stderr, "crosscheck:", err)
		return 2
	}
	if config.MustProfile() == config.Report {
		// BenchmarkSevenZip averages dictionaries 22..25 there.
		sel = slices.DeleteFunc(sel, func(g group) bool {
			if g.name == "7zip" {
				fmt.Fprintln(stderr, "crosscheck: 7zip: not cross-checked under the report profile (7-Zip's rating averages dictionaries 2^22..2^25, the Go codec's rows are per dictionary)")
				return true
			}
			return false
		})
		if len(sel) == 0 {
			fmt.Fprintln(stderr, "crosscheck: nothing left to run")
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &checker{opt: options{rounds: *rounds, out: *out, strict: *strict, verbose: *verbose}, stdout: stdout, stderr: stderr}
	return c.run(ctx, sel)
}

// checker runs the selected groups and keeps what they printed.
type checker struct {
	opt            options
	stdout, stderr io.Writer
	result         *os.File
	skipped        []skips.Entry // the benchmarks that skipped (kind skip)
	failed         []string
	notes          []string
	results        int // benchmark result lines written to the result file
}

// plan returns the groups as the runner's rounds plan: what to run, in
// which order, and how to tell the reference's rows.
func plan(sel []group) []runner.Group {
	var gs []runner.Group
	for _, g := range sel {
		rg := runner.Group{Name: g.name, Pkg: g.pkg, FixedOrder: g.fixedOrder, IsRef: g.isRef}
		for _, br := range g.runs {
			rg.Runs = append(rg.Runs, catalog.Run{Bench: br.bench, Benchtime: br.benchtime})
		}
		gs = append(gs, rg)
	}
	return gs
}

func (c *checker) run(ctx context.Context, sel []group) int {
	root, err := config.WorkingModuleRoot()
	if err != nil {
		fmt.Fprintln(c.stderr, "crosscheck:", err)
		return 2
	}
	if err := c.openResult(root); err != nil {
		fmt.Fprintln(c.stderr, "crosscheck:", err)
		return 2
	}
	defer c.result.Close()
	sess, err := c.session(root)
	if err != nil {
		fmt.Fprintln(c.stderr, "crosscheck:", err)
		os.Remove(c.opt.out) // holds the manifest only
		return 1
	}
	defer sess.Close()
	for _, g := range sel {
		if _, err := sess.Binary(g.pkg); err != nil {
			fmt.Fprintln(c.stderr, "crosscheck:", err)
			os.Remove(c.opt.out) // holds the manifest only
			return 1
		}
	}
	fmt.Fprintf(c.stderr, "crosscheck: %d rounds of %s -> %s\n", c.opt.rounds, names(sel), c.opt.out)
	byName := map[string]group{}
	for _, g := range sel {
		byName[g.name] = g
	}
	// The runner alternates the order (even rounds: the reference first,
	// TEEBENCH_ORDER=reverse) and stops every process on an interrupt.
	rr := sess.Rounds(ctx, plan(sel), c.opt.rounds, func(x runner.RoundRun) {
		n := c.absorbOutcome(byName[x.Group.Name], x.Outcome)
		c.results += n.results
		order := ""
		if x.Reverse {
			order = " (reference first)"
		}
		fmt.Fprintf(c.stderr, "[round %d/%d] %s %s%s: %d results in %s\n", x.Round, x.Rounds, x.Group.Pkg, x.Group.Name, order, n.results, x.Took.Round(time.Second))
		if err := x.Err(); err != nil {
			c.failed = append(c.failed, fmt.Sprintf("round %d %s (%s): %v", x.Round, x.Group.Name, x.Run.Bench, err))
			fmt.Fprintf(c.stderr, "crosscheck: round %d %s: %v\n", x.Round, x.Group.Name, err)
		}
	})
	c.notes = append(c.notes, rr.Dropped...)
	if rr.Interrupted {
		c.failed = append(c.failed, "interrupted")
	}
	if err := c.result.Sync(); err != nil {
		fmt.Fprintln(c.stderr, "crosscheck:", err)
	}
	if c.results == 0 {
		// The file holds the manifest only: nothing to keep or report on.
		if err := os.Remove(c.opt.out); err != nil {
			fmt.Fprintf(c.stderr, "crosscheck: no benchmark measured anything; could not remove %s: %v\n", c.opt.out, err)
		} else {
			fmt.Fprintf(c.stderr, "crosscheck: no benchmark measured anything; removed %s\n", c.opt.out)
		}
		for _, f := range c.failed {
			fmt.Fprintln(c.stdout, "FAILED:", f)
		}
		for _, e := range c.skipped {
			fmt.Fprintf(c.stdout, "skipped: %s/%s: %s\n", e.Package, e.Benchmark, e.Reason)
		}
		return c.failStatus(rr)
	}
	if err := c.writeSkips(); err != nil {
		fmt.Fprintln(c.stderr, "crosscheck:", err)
	}
	rows, err := c.rows(sel)
	if err != nil {
		fmt.Fprintln(c.stderr, "crosscheck:", err)
		return 1
	}
	missed := printTable(c.stdout, rows, c.skipped)
	for _, n := range c.notes {
		fmt.Fprintln(c.stdout, "note:", n)
	}
	fmt.Fprintf(c.stdout, "samples: %s (go run ./scripts/report %s)\n", c.opt.out, c.opt.out)
	for _, f := range c.failed {
		fmt.Fprintln(c.stdout, "FAILED:", f)
	}
	switch {
	case len(c.failed) > 0:
		return c.failStatus(rr)
	case c.opt.strict && missed > 0:
		fmt.Fprintf(c.stderr, "crosscheck: -strict: %d figures missed their goal or were not measured\n", missed)
		return 1
	}
	return 0
}

// failStatus is the exit status of a run that failed: 130 when it was
// interrupted (the runner's ExitInterrupted), else 1.
func (c *checker) failStatus(rr runner.RoundsResult) int {
	if rr.Interrupted {
		return runner.ExitInterrupted
	}
	return runner.ExitFailed
}

func names(sel []group) string {
	var s []string
	for _, g := range sel {
		s = append(s, g.name)
	}
	return strings.Join(s, ", ")
}

// session starts the runner session that builds (or, with
// TEEBENCH_BINDIR, finds) the test binaries and runs them: each run in a
// process group of its own, read as test2json events, bounded by
// TEEBENCH_DEADLINE when set.
func (c *checker) session(root string) (*runner.Session, error) {
	o := runner.Options{Name: "crosscheck", Root: root, Profile: config.MustProfile(), Count: 1,
		BinDir: os.Getenv("TEEBENCH_BINDIR")}
	o.Deadline, _ = config.Deadline() // checked by config.Validate
	if dir := config.IODir(); dir != "" {
		o.IODir = dir
	}
	term := io.Discard
	if c.opt.verbose {
		term = c.stderr
	}
	return runner.NewSession(o, c.result, term, c.stderr)
}

// openResult creates the result file (never overwriting one) and writes
// the manifest and unit lines at its top.
func (c *checker) openResult(root string) error {
	man, err := benchenv.Full()
	if err != nil {
		return err
	}
	f, err := runner.CreateResult(c.opt.out, filepath.Join(root, "results"), "crosscheck-", man.Get("tee"))
	if err != nil {
		return err
	}
	c.opt.out = f.Name()
	if _, err = man.WriteTo(f); err == nil {
		err = benchenv.WriteUnits(f)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", c.opt.out, err)
	}
	c.result = f
	return nil
}

// counts are what one run's output held.
type counts struct{ results, refs int }

// absorb counts the results of one run's -test.v output (and those of
// the reference) and records its skipped benchmarks, as the runner reads
// them (runner.ParseOutput).
func (c *checker) absorb(g group, out []byte) counts {
	return c.absorbOutcome(g, runner.ParseOutput(g.pkg, out))
}

// absorbOutcome counts one invocation's result rows (and those of the
// reference) and records its skipped benchmarks.
func (c *checker) absorbOutcome(g group, o runner.Outcome) counts {
	var n counts
	for _, name := range o.Rows {
		n.results++
		if g.isRef(name) {
			n.refs++
		}
	}
	for _, e := range o.Entries {
		if e.Kind == skips.Skip {
			c.skipped = append(c.skipped, e)
		}
	}
	return n
}

// writeSkips writes the skipped benchmarks to the result file's
// .skips.tsv (internal/skips), when there are any.
func (c *checker) writeSkips() error {
	if len(c.skipped) == 0 {
		return nil
	}
	w, err := skips.Create(skips.Path(c.opt.out))
	if err != nil {
		return err
	}
	for _, e := range c.skipped {
		if err := w.Add(e); err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}

// row is one line of the table.
type row struct {
	pair
	cr overhead.CrossRatio
	// rounds, when not 0, is the number of rounds (2 to 5) that both
	// sides measured, and lo, hi the smallest and largest per-round ratio
	// (round i's Go figure over round i's reference figure). Below 6
	// rounds there is no 95% interval, but the median of the per-round
	// ratios lies in their range with confidence 1 − 2^(1−n) (94% at 5
	// rounds).
	rounds int
	lo, hi float64
}

// interval returns the row's 95% interval of the ratio, or with 2 to 5
// rounds the range of the per-round ratios, and the brackets the table
// shows it in ("[]" for the interval, "{}" for the range); brackets is ""
// with neither.
func (r row) interval() (lo, hi float64, brackets string) {
	switch {
	case !math.IsNaN(r.cr.Lo) && !math.IsNaN(r.cr.Hi):
		return r.cr.Lo, r.cr.Hi, "[]"
	case r.rounds > 0:
		return r.lo, r.hi, "{}"
	}
	return 0, 0, ""
}

// rows reads the result file back with internal/report and compares every
// pair of the selected groups.
func (c *checker) rows(sel []group) ([]row, error) {
	d, err := results.Read([]results.Input{{Path: c.opt.out}})
	if err != nil {
		return nil, err
	}
	if len(d.Arms) != 1 {
		return nil, fmt.Errorf("%s: %d arms (tee values) in one run", c.opt.out, len(d.Arms))
	}
	var rows []row
	for _, g := range sel {
		for _, p := range g.pairs(d) {
			rows = append(rows, compare(d, p))
		}
	}
	return rows, nil
}

func compare(d *results.Dataset, p pair) row {
	a := d.Units.GetAssumption(p.unit)
	ref, ours := d.Values(p.ref, p.unit, 0), d.Values(p.ours, p.unit, 0)
	r := row{pair: p, cr: overhead.Cross(a, ref, ours)}
	if n := len(ours); n == len(ref) && n >= 2 && n < 6 && !slices.Contains(ref, 0) {
		r.rounds, r.lo, r.hi = n, math.Inf(1), math.Inf(-1)
		for i := range ours {
			q := ours[i] / ref[i]
			r.lo, r.hi = min(r.lo, q), max(r.hi, q)
		}
	}
	return r
}

// printTable writes the table and returns how many figures missed their
// goal or had no reference sample.
func printTable(w io.Writer, rows []row, skipped []skips.Entry) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tref\tGo median\tref median\tratio Go/ref [95% CI] or {range of <6 rounds}\tp (n)\tgoal\tmeets")
	missed := 0
	for _, r := range rows {
		ref := "–"
		if r.cr.Ref.N > 0 {
			ref = report.FormatValue(r.cr.Ref.Center, r.unit)
		}
		ours := "–"
		if r.cr.Ours.N > 0 {
			ours = report.FormatValue(r.cr.Ours.Center, r.unit)
		}
		ratio, p, meets := "–", "–", "–"
		if math.IsNaN(r.cr.Ratio) {
			if r.cr.Ref.N == 0 {
				ratio = "not measured: " + skipReason(skipped, r.ref)
			}
		} else {
			ratio = fmt.Sprintf("%.3f", r.cr.Ratio)
			if lo, hi, br := r.interval(); br != "" {
				ratio += fmt.Sprintf(" %c%.3f, %.3f%c", br[0], lo, hi, br[1])
			} else {
				ratio += " [n<6]"
			}
			p = r.cr.Delta.Comparison.String()
		}
		if met, ok := r.goal.Met(r.cr.Ratio); ok {
			meets = "yes"
			if !met {
				meets = "NO"
				missed++
			}
			if lo, hi, br := r.interval(); br != "" && r.goal.Spans(lo, hi) {
				meets += " (interval spans goal)"
			}
		} else if r.goal.Label != "" {
			missed++ // a goal with nothing to judge is not met
		}
		goal := r.goal.Label
		if goal == "" {
			goal = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.figure, r.refTool, ours, ref, ratio, p, goal, meets)
	}
	tw.Flush()
	return missed
}

// skipReason returns why the reference benchmark id was not measured.
func skipReason(skipped []skips.Entry, id results.ID) string {
	name := "Benchmark" + id.String()
	for _, e := range skipped {
		if e.Benchmark == name || strings.HasPrefix(name, e.Benchmark+"/") {
			return "skipped: " + e.Reason
		}
	}
	return "no sample"
}
