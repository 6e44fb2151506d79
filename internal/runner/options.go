package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/llmclient"
)

// DefaultBinDir is where the container image keeps its prebuilt binaries;
// the runner uses it when TEEBENCH_BINDIR is unset and go is not on PATH.
const DefaultBinDir = "/opt/teebench/bin"

// Options is one run of the suite.
type Options struct {
	// Name prefixes the runner's messages ("bench.sh").
	Name string
	// Root is the teebench tree: the package directories (their testdata)
	// and, without BinDir, the module the test binaries are built from.
	Root string
	// Profile is TEEBENCH_PROFILE; Count the -count of each package.
	Profile config.Profile
	Count   int
	// Tags are the build tags (TAGS), sorted.
	Tags []string
	// Packages are the packages to run, in order; Absent are those left
	// out by design (gpu_bench without the gpu tag), listed in the skips.
	Packages []catalog.Package
	Absent   []string
	// Bench and Benchtime replace each package's runs when set.
	Bench, Benchtime string
	// OutDir receives the result file; Baseline, when set, is the result
	// file the report compares against.
	OutDir, Baseline string
	// Prefix starts the result file's name (CreateResult; crosscheck passes
	// "crosscheck-" to it).
	Prefix string
	// BinDir, when set, holds prebuilt <pkg>.test binaries and the attest
	// command (prebuilt mode: no Go toolchain).
	BinDir string
	// Deadline, when not 0, bounds each package; otherwise a package's
	// deadline is DeadlineFactor times its estimate, at least
	// MinDeadline, or NoEstimateDeadline without an estimate.
	Deadline time.Duration
	// IODir is TEEBENCH_IO_DIR made absolute ("" when unset).
	IODir string
	// Revision is the suite revision written into the result file.
	Revision string
	// Rounds repeats the whole run (ROUNDS) and Alternate flips
	// TEEBENCH_ORDER each round (RoundEnv), so that what one side leaves
	// behind does not always fall on the same side.
	Rounds    int
	Alternate bool
	// Report renders R.md after the run (bench.sh); crosscheck renders its
	// own table instead.
	Report bool
	// Env is added to each package's environment.
	Env []string
	// Noise, when not 0, is the length of the noise check run before the
	// first package (benchenv.NoiseCheck); FromEnv sets
	// benchenv.NoiseDuration. Its spread is written as run-info lines.
	Noise time.Duration
}

// The deadline rules.
const (
	// DeadlineFactor is how many times its estimate a package may run: the
	// estimates come from a 2-core VM, and a TD is slower than the machine
	// they were measured on.
	DeadlineFactor = 5
	// MinDeadline is the shortest deadline a package gets.
	MinDeadline = 20 * time.Minute
	// NoEstimateDeadline bounds a package without a measured duration
	// (the report profile, until a run of it has been recorded).
	NoEstimateDeadline = 8 * time.Hour
)

// BadInput is an error in the run's input (environment variables): the
// runner exits 2 with it before any benchmark runs.
type BadInput struct{ Err error }

func (e BadInput) Error() string { return e.Err.Error() }
func (e BadInput) Unwrap() error { return e.Err }

func bad(format string, a ...any) error { return BadInput{fmt.Errorf(format, a...)} }

// FromEnv reads a run's options from the environment bench.sh documents
// (TEEBENCH_PROFILE, COUNT, ROUNDS, TAGS, PKGS, BENCH, BENCHTIME, OUTDIR,
// BASELINE, TEEBENCH_BINDIR, TEEBENCH_DEADLINE and every TEEBENCH_*
// variable config validates). OUTDIR defaults to the tree's results
// directory; relative OUTDIR and BASELINE are taken from cwd, the
// directory the user ran the command in; a relative
// TEEBENCH_IO_DIR from the module root (config.IODir's rule, the same for
// a direct `go test`). Every error is a BadInput naming the variable.
func FromEnv(root, cwd string) (Options, error) {
	o := Options{Name: "bench.sh", Root: root, Rounds: 1, Report: true, Noise: benchenv.NoiseDuration}
	getenv := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(cwd, p)
	}
	if err := config.Validate(); err != nil {
		return o, BadInput{err}
	}
	o.Profile, _ = config.CurrentProfile()
	if g := config.LLMGoodput(); g != "" {
		if _, err := llmclient.ParseSLO(g); err != nil {
			return o, bad("TEEBENCH_LLM_GOODPUT=%q: %v", g, strings.TrimPrefix(err.Error(), "llmclient: "))
		}
	}
	o.Count = 1
	if o.Profile == config.Report {
		o.Count = 6 // benchstat needs >= 6 samples for a 95% CI
	}
	if c := getenv("COUNT"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			return o, bad("COUNT=%s: want a positive whole number", c)
		}
		o.Count = n
	}
	if r := getenv("ROUNDS"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n < 1 {
			return o, bad("ROUNDS=%s: want a positive whole number", r)
		}
		// Rounds alternate the order of each measured pair, as
		// crosscheck's do.
		o.Rounds, o.Alternate = n, n > 1
	}
	// GPUTag and the tags of tee.Kinds(), at most one TEE (-tags tdx,snp is
	// refused here, before anything is built).
	if _, err := TEEOf(getenv("TAGS")); err != nil {
		return o, bad("TAGS=%s: %v", getenv("TAGS"), err)
	}
	for t := range strings.SplitSeq(getenv("TAGS"), ",") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(o.Tags, t) {
			o.Tags = append(o.Tags, t)
		}
	}
	slices.Sort(o.Tags)
	o.Bench = getenv("BENCH")
	if err := checkBench(o.Bench); err != nil {
		return o, bad("BENCH=%s: %v", o.Bench, err)
	}
	o.Benchtime = getenv("BENCHTIME")
	if !validBenchtime(o.Benchtime) {
		return o, bad("BENCHTIME=%s: want a duration (2s) or a count of iterations (100x)", o.Benchtime)
	}
	o.Deadline, _ = config.Deadline() // checked by config.Validate
	o.OutDir = abs(getenv("OUTDIR"))
	if o.OutDir == "" {
		o.OutDir = filepath.Join(root, "results") // the tree's, wherever bench.sh is run from
	}
	if b := getenv("BASELINE"); b != "" {
		o.Baseline = abs(b)
		if st, err := os.Stat(o.Baseline); err != nil || !st.Mode().IsRegular() {
			return o, bad("BASELINE=%s: not a readable result file", b)
		}
	}
	if d := config.IODir(); d != "" {
		if !filepath.IsAbs(getenv("TEEBENCH_IO_DIR")) {
			d = filepath.Join(root, getenv("TEEBENCH_IO_DIR"))
		}
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return o, bad("TEEBENCH_IO_DIR=%s: %s is not a directory", getenv("TEEBENCH_IO_DIR"), d)
		}
		o.IODir = d
	}
	o.BinDir = getenv("TEEBENCH_BINDIR")
	if o.BinDir == "" {
		if _, err := exec.LookPath("go"); err != nil {
			o.BinDir = DefaultBinDir
		}
	}
	if o.BinDir != "" {
		o.BinDir = abs(o.BinDir)
		if st, err := os.Stat(o.BinDir); err != nil || !st.IsDir() {
			return o, bad("TEEBENCH_BINDIR=%s: no such directory (no go on PATH either)", o.BinDir)
		}
	}
	o.Revision = config.Revision()
	if err := o.selectPackages(getenv("PKGS")); err != nil {
		return o, err
	}
	return o, nil
}

// selectPackages sets Packages and Absent from PKGS ("" for all).
func (o *Options) selectPackages(pkgs string) error {
	if pkgs != "" {
		for _, name := range strings.Fields(strings.ReplaceAll(pkgs, ",", " ")) {
			p, ok := catalog.Lookup(name)
			if !ok {
				return bad("PKGS: unknown package %s (want some of: %s)", name, strings.Join(catalog.PackageNames(), " "))
			}
			if p.Tag != "" && !slices.Contains(o.Tags, p.Tag) {
				return bad("PKGS: %s needs TAGS=%s (its benchmarks are built only with -tags %s)", name, p.Tag, p.Tag)
			}
			o.Packages = append(o.Packages, p)
		}
		return nil
	}
	for _, p := range catalog.Packages {
		if p.Tag != "" && !slices.Contains(o.Tags, p.Tag) {
			o.Absent = append(o.Absent, p.Name)
			continue
		}
		o.Packages = append(o.Packages, p)
	}
	if len(o.Packages) == 0 {
		return errors.New("no benchmark packages to run")
	}
	return nil
}

// TagsFlag returns the tags as go's -tags value ("" for none).
func (o *Options) TagsFlag() string { return strings.Join(o.Tags, ",") }

// BinDirName is the name of the directory (under the image's
// /opt/teebench) that holds the prebuilt binaries of a tag set: "bin" for
// none, else "bin-" and the tags sorted and joined by "-" (bin-snp,
// bin-gpu-snp). The Dockerfile builds into these names and the
// entrypoint picks one by TAGS, both through `bench -bindir TAGS`.
func BinDirName(tags string) string {
	var ts []string
	for t := range strings.SplitSeq(tags, ",") {
		if t = strings.TrimSpace(t); t != "" && t != "none" && !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	slices.Sort(ts)
	if len(ts) == 0 {
		return "bin"
	}
	return "bin-" + strings.Join(ts, "-")
}
