// Package config reads every TEEBENCH_* environment variable of the suite, in
// one place. Benchmark packages never call os.Getenv for their settings; they
// call the functions here, and the README's variable table lists exactly the
// variables in Vars.
//
// Secrets (TEEBENCH_LLM_API_KEY) are returned by their getter but never
// appear in String output, in the environment manifest or in result files.
package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Profile selects the size of every benchmark: how big the files, how long
// the runs, how wide the sweeps.
type Profile string

const (
	// Smoke is the smallest size that still runs every code path; CI uses it
	// with -benchtime 1x so that no benchmark can rot.
	Smoke Profile = "smoke"
	// Quick keeps the whole suite runnable on a 2-core machine in minutes.
	// It is the default.
	Quick Profile = "quick"
	// Report uses the sizes of the published report (2 GiB fio files, 15 s
	// runs, concurrency up to 2000, 7-Zip dictionaries 2^22..2^25 ...).
	Report Profile = "report"
)

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Doc     string
	Secret  bool
}

// Vars is the single table of the suite's environment variables. The README
// repeats it; TestVarsInREADME keeps the two in step.
var Vars = []Var{
	{Name: "TEEBENCH_PROFILE", Default: "quick", Doc: "benchmark sizes: `smoke` (CI), `quick` (a 2-core machine in minutes) or `report` (the published report's sizes)"},
	{Name: "TEEBENCH_IO_DIR", Default: "the system temp dir", Doc: "directory on the filesystem under test for io_bench's test file; a relative path is taken from the module root (where `go.mod` is), under `go test` and `bench.sh` alike"},
	{Name: "TEEBENCH_NET_URL", Default: "embedded loopback backend and TLS proxy", Doc: "URL of a real gateway for net_bench, e.g. `https://gw.example/prpc/Version`"},
	{Name: "TEEBENCH_NET_INSECURE", Default: "0", Doc: "`1` turns TLS certificate verification off for TEEBENCH_NET_URL"},
	{Name: "TEEBENCH_LLM_URL", Default: "embedded OpenAI-compatible server", Doc: "base URL of an OpenAI-compatible server (vLLM, SGLang ...), e.g. `http://host:8000`"},
	{Name: "TEEBENCH_LLM_MODEL", Default: "the server's first model", Doc: "model name sent to TEEBENCH_LLM_URL"},
	{Name: "TEEBENCH_LLM_API_KEY", Default: "none", Doc: "bearer token for TEEBENCH_LLM_URL; never printed or written to results", Secret: true},
	{Name: "TEEBENCH_MAX_ERROR_RATE", Default: "0.01", Doc: "fraction of failed requests above which a row is marked and gives no headline; a run with every request failed fails"},
	{Name: "TEEBENCH_BINDIR", Default: "none (go test); `/opt/teebench/bin` when go is not on PATH", Doc: "scripts/bench.sh only: directory of prebuilt `<pkg>.test` binaries and the manifest, report and attest commands"},
	{Name: "TEEBENCH_LLM_GOODPUT", Default: "none", Doc: "vLLM `--goodput` SLOs in ms for llm_bench, e.g. `ttft:200 tpot:50 e2el:2000`; adds goodput-req/s"},
	{Name: "TEEBENCH_CACHE", Default: "`teebench` in the user cache dir (`~/.cache/teebench`)", Doc: "absolute path of the cache directory (zk_bench's compiled circuits and keys)"},
	{Name: "TEEBENCH_ZK_SETUP", Default: "0", Doc: "`1` runs zk_bench's BenchmarkSetup (compile + setup, minutes) outside the report profile"},
	{Name: "TEEBENCH_ORDER", Default: "forward", Doc: "`reverse` runs the reference tool before the Go implementation in each measured pair (io_bench's engines, net_bench's clients); scripts/crosscheck alternates it by round, so that what one run leaves behind (on a VM, possibly the host still writing back a write job's data) does not always fall on the same side"},
	{Name: "TEEBENCH_DEADLINE", Default: "5 × the package's measured duration, at least 20m; 8h without one", Doc: "scripts/bench.sh and crosscheck: the most one package may run (e.g. `90m`); a package stopped there fails by name"},
	{Name: "TEEBENCH_REVISION", Default: "`git describe` of the tree", Doc: "the suite revision written into each result file (`# run suite-revision:`); the container image sets it at build time"},
	{Name: "TEEBENCH_NONCE", Default: "none", Doc: "scripts/attest: a verifier's nonce (1-128 of `[A-Za-z0-9._-]`) recorded in the binding list the quote covers, so the verifier can tell the quote is fresh"},
	{Name: "TEEBENCH_KEEP_COMPOSE", Default: "0", Doc: "scripts/attest in dstack: `1` also stores the app's compose file (it may hold secrets written literally) beside the result"},
	{Name: "TEEBENCH_COLLATERAL", Default: "0", Doc: "scripts/attest: `1` fetches Intel's collateral (TCB info, QE identity, CRLs) inside the TD and saves it beside the quote as `R.txt.collateral.json`; on SEV-SNP, when the host provisions no certificates, the VCEK and its chain from AMD's KDS (`R.txt.snp-certs`)"},
	{Name: "TEEBENCH_IMAGE", Default: "none", Doc: "the container image the run is in, as a digest reference (`repo@sha256:...`); the container image sets it from compose.yaml or `docker run -e`, the manifest records it as `container-image`"},
}

func get(name string) string { return strings.TrimSpace(os.Getenv(name)) }

// CurrentProfile returns the profile named by TEEBENCH_PROFILE (Quick when
// unset). An unknown name is an error that names the variable and the
// accepted values.
func CurrentProfile() (Profile, error) {
	v := get("TEEBENCH_PROFILE")
	switch Profile(v) {
	case "":
		return Quick, nil
	case Smoke, Quick, Report:
		return Profile(v), nil
	}
	return "", fmt.Errorf("TEEBENCH_PROFILE=%s: want smoke, quick or report", v)
}

// MustProfile is CurrentProfile for benchmark code. The TestMain of every
// benchmark package has already validated the variable (benchenv.Main);
// anywhere else an invalid value panics with the message naming it rather
// than running other sizes than the ones asked for.
func MustProfile() Profile {
	p, err := CurrentProfile()
	if err != nil {
		panic("teebench: " + err.Error())
	}
	return p
}

// Pick returns smoke, quick or report according to the current profile; it
// keeps size tables in benchmark code short.
func Pick[T any](smoke, quick, report T) T {
	switch MustProfile() {
	case Smoke:
		return smoke
	case Report:
		return report
	}
	return quick
}

// WrkDuration is how long net_bench runs wrk per benchmark in the current
// profile (wrk runs for a time, not a count of requests): 1 s smoke, 3 s
// quick, 15 s report. scripts/crosscheck gives client=go the same time.
func WrkDuration() time.Duration {
	return Pick(1*time.Second, 3*time.Second, 15*time.Second)
}

// IODir returns TEEBENCH_IO_DIR as an absolute path, or "" when unset
// (io_bench then uses the system temp dir). The one rule: a relative value
// is resolved against the module root (the directory holding go.mod above
// the working directory), which is where the README's commands run; go
// test runs each package's binary in the package directory, so the
// working directory cannot be the base. With no go.mod above (a prebuilt
// test binary) it is resolved against the working directory; the runner
// resolves it against the tree it runs before starting any package.
func IODir() string {
	d := get("TEEBENCH_IO_DIR")
	if d == "" || filepath.IsAbs(d) {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return d
	}
	return filepath.Join(moduleRoot(wd), d)
}

// ModuleRoot returns the nearest directory at or above dir holding a
// go.mod (the teebench tree), and false when there is none. It is the one
// place that finds the repository root: the runner, crosscheck and fleet
// call it.
func ModuleRoot(dir string) (string, bool) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, true
		}
		up := filepath.Dir(d)
		if up == d {
			return "", false
		}
		d = up
	}
}

// moduleRoot returns ModuleRoot(dir), or dir itself when there is no
// go.mod above it.
func moduleRoot(dir string) string {
	if r, ok := ModuleRoot(dir); ok {
		return r
	}
	return dir
}

// WorkingModuleRoot returns the module root above the working directory,
// or an error saying that the command must run inside the teebench tree.
func WorkingModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	r, ok := ModuleRoot(wd)
	if !ok {
		return "", fmt.Errorf("no go.mod in %s or above: run this inside the teebench tree", wd)
	}
	return r, nil
}

// MaxErrorRate returns TEEBENCH_MAX_ERROR_RATE, the fraction of failed
// requests (errors/op) above which a measurement is marked and no
// throughput or latency headline is drawn from it; 0.01 when unset.
// Validate rejects a value that is not a number in [0, 1].
func MaxErrorRate() float64 {
	v, err := ReadMaxErrorRate()
	if err != nil {
		panic("teebench: " + err.Error())
	}
	return v
}

// ReadMaxErrorRate is MaxErrorRate with the error instead of a panic, for
// commands that report bad input themselves (scripts/report).
func ReadMaxErrorRate() (float64, error) {
	s := get("TEEBENCH_MAX_ERROR_RATE")
	if s == "" {
		return 0.01, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 1 {
		return 0, fmt.Errorf("TEEBENCH_MAX_ERROR_RATE=%q: want a fraction between 0 and 1, e.g. 0.01", s)
	}
	return v, nil
}

// NetURL returns TEEBENCH_NET_URL, or "" to use the embedded target.
func NetURL() string { return get("TEEBENCH_NET_URL") }

// NetInsecure reports whether TEEBENCH_NET_INSECURE asks to skip TLS
// verification.
func NetInsecure() bool {
	switch strings.ToLower(get("TEEBENCH_NET_INSECURE")) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// LLMURL returns TEEBENCH_LLM_URL, or "" to use the embedded server.
func LLMURL() string { return get("TEEBENCH_LLM_URL") }

// LLMModel returns TEEBENCH_LLM_MODEL, or "".
func LLMModel() string { return get("TEEBENCH_LLM_MODEL") }

// LLMAPIKey returns TEEBENCH_LLM_API_KEY, or "". Never print it.
func LLMAPIKey() string { return os.Getenv("TEEBENCH_LLM_API_KEY") }

// LLMGoodput returns TEEBENCH_LLM_GOODPUT (vLLM --goodput syntax, parsed by
// llmclient.ParseSLO), or "" for no goodput.
func LLMGoodput() string { return get("TEEBENCH_LLM_GOODPUT") }

// CacheDir returns the suite's cache directory: TEEBENCH_CACHE, which must
// be an absolute path, or teebench under os.UserCacheDir(). It does not
// create the directory.
func CacheDir() (string, error) {
	if v := get("TEEBENCH_CACHE"); v != "" {
		if !filepath.IsAbs(v) || strings.ContainsAny(v, "\x00\n\r") {
			return "", fmt.Errorf("TEEBENCH_CACHE=%q: want an absolute directory path", v)
		}
		return filepath.Clean(v), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (set TEEBENCH_CACHE to an absolute path): %w", err)
	}
	return filepath.Join(d, "teebench"), nil
}

// ReverseOrder reports whether TEEBENCH_ORDER=reverse asks benchmarks that
// measure a Go implementation and its reference tool to run the reference
// first.
func ReverseOrder() bool { return strings.EqualFold(get("TEEBENCH_ORDER"), "reverse") }

// Ordered returns s in the order TEEBENCH_ORDER asks for: as given
// (forward, the Go implementation first), or reversed.
func Ordered[T any](s []T) []T {
	if !ReverseOrder() {
		return s
	}
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// ZKSetup reports whether TEEBENCH_ZK_SETUP=1 asks for zk_bench's
// BenchmarkSetup outside the report profile.
func ZKSetup() bool { return get("TEEBENCH_ZK_SETUP") == "1" }

// Validate checks every variable that has a fixed set of values, so that a
// typo fails the run before any benchmark starts.
func Validate() error {
	if _, err := CurrentProfile(); err != nil {
		return err
	}
	if _, err := ReadMaxErrorRate(); err != nil {
		return err
	}
	switch strings.ToLower(get("TEEBENCH_NET_INSECURE")) {
	case "", "0", "1", "true", "false", "yes", "no", "on", "off":
	default:
		return fmt.Errorf("TEEBENCH_NET_INSECURE=%q: want 0 or 1", get("TEEBENCH_NET_INSECURE"))
	}
	switch strings.ToLower(get("TEEBENCH_ORDER")) {
	case "", "forward", "reverse":
	default:
		return fmt.Errorf("TEEBENCH_ORDER=%q: want forward or reverse", get("TEEBENCH_ORDER"))
	}
	if v := get("TEEBENCH_ZK_SETUP"); v != "" && v != "0" && v != "1" {
		return fmt.Errorf("TEEBENCH_ZK_SETUP=%q: want 0 or 1", v)
	}
	if get("TEEBENCH_CACHE") != "" {
		if _, err := CacheDir(); err != nil {
			return err
		}
	}
	if _, err := Deadline(); err != nil {
		return err
	}
	return nil
}

// Redacted stands for a credential removed from a URL or a message.
const Redacted = "REDACTED"

// RedactURL returns u with its userinfo (user:password, or a token given
// as the user name) and the value of every query parameter replaced by
// Redacted (a gateway token is often a query parameter), so that a target
// URL can be printed or written to a result file. A string that does not
// parse as a URL is returned with anything between "://" and "@" replaced.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		return userinfoRE.ReplaceAllString(u, "${1}"+Redacted+"@")
	}
	if p.User != nil {
		p.User = url.User(Redacted)
	}
	if p.RawQuery != "" {
		q := strings.Split(p.RawQuery, "&")
		for i, kv := range q {
			if k, _, ok := strings.Cut(kv, "="); ok {
				q[i] = k + "=" + Redacted
			}
		}
		p.RawQuery = strings.Join(q, "&")
	}
	return p.String()
}

var (
	userinfoRE = regexp.MustCompile(`(://)[^/@\s]*@`)
	urlRE      = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)
)

// RedactText returns s with every URL in it passed through RedactURL; use
// it on any message that may quote a configured target (a tool's command
// line, an HTTP client's error).
func RedactText(s string) string {
	return urlRE.ReplaceAllStringFunc(s, func(u string) string {
		// Punctuation that ends a sentence is not part of the URL.
		t := strings.TrimRight(u, ":;,.)")
		return RedactURL(t) + u[len(t):]
	})
}

// RedactedError is an error whose message had credentials removed (by
// RedactText, and whatever else its maker knows to be secret); errors.Is
// and errors.As still reach Err.
type RedactedError struct {
	Msg string
	Err error
}

func (e *RedactedError) Error() string { return e.Msg }

// Unwrap returns the error whose message was redacted.
func (e *RedactedError) Unwrap() error { return e.Err }

// Deadline returns TEEBENCH_DEADLINE, the most one package may run under
// the runner, or 0 when unset (the runner derives it from the package's
// measured duration).
func Deadline() (time.Duration, error) {
	v := get("TEEBENCH_DEADLINE")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("TEEBENCH_DEADLINE=%s: want a positive duration per package, e.g. 90m", v)
	}
	return d, nil
}

// Revision returns TEEBENCH_REVISION, the suite revision to record, or ""
// (the runner then asks git).
func Revision() string { return get("TEEBENCH_REVISION") }

// Nonce returns TEEBENCH_NONCE, a verifier's nonce for the binding list,
// or "" when none was given (the attest package checks its form).
func Nonce() string { return get("TEEBENCH_NONCE") }

// KeepCompose reports whether TEEBENCH_KEEP_COMPOSE=1 asks attest to store
// the dstack app's compose file.
func KeepCompose() bool { return get("TEEBENCH_KEEP_COMPOSE") == "1" }

// SaveCollateral reports whether TEEBENCH_COLLATERAL=1 asks attest to fetch
// and save Intel's collateral beside the quote (on SEV-SNP, the VCEK chain
// from AMD's KDS when the host provisions none).
func SaveCollateral() bool { return get("TEEBENCH_COLLATERAL") == "1" }

// Image returns TEEBENCH_IMAGE, the container image reference the run is
// in, or "" outside the image.
func Image() string { return get("TEEBENCH_IMAGE") }
