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
	"os"
	"strings"
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
	{Name: "TEEBENCH_IO_DIR", Default: "the system temp dir", Doc: "directory on the filesystem under test for io_bench's test file"},
	{Name: "TEEBENCH_NET_URL", Default: "embedded loopback backend and TLS proxy", Doc: "URL of a real gateway for net_bench, e.g. `https://gw.example/prpc/Version`"},
	{Name: "TEEBENCH_NET_INSECURE", Default: "0", Doc: "`1` turns TLS certificate verification off for TEEBENCH_NET_URL"},
	{Name: "TEEBENCH_LLM_URL", Default: "embedded OpenAI-compatible server", Doc: "base URL of an OpenAI-compatible server (vLLM, SGLang ...), e.g. `http://host:8000`"},
	{Name: "TEEBENCH_LLM_MODEL", Default: "the server's first model", Doc: "model name sent to TEEBENCH_LLM_URL"},
	{Name: "TEEBENCH_LLM_API_KEY", Default: "none", Doc: "bearer token for TEEBENCH_LLM_URL; never printed or written to results", Secret: true},
	{Name: "TEEBENCH_LLM_GOODPUT", Default: "none", Doc: "vLLM `--goodput` SLOs in ms for llm_bench, e.g. `ttft:200 tpot:50 e2el:2000`; adds goodput-req/s"},
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
	return "", fmt.Errorf("TEEBENCH_PROFILE=%q: want smoke, quick or report", v)
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

// IODir returns TEEBENCH_IO_DIR, or "" when unset (io_bench then uses the
// system temp dir).
func IODir() string { return get("TEEBENCH_IO_DIR") }

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

// Validate checks every variable that has a fixed set of values, so that a
// typo fails the run before any benchmark starts.
func Validate() error {
	if _, err := CurrentProfile(); err != nil {
		return err
	}
	switch strings.ToLower(get("TEEBENCH_NET_INSECURE")) {
	case "", "0", "1", "true", "false", "yes", "no", "on", "off":
	default:
		return fmt.Errorf("TEEBENCH_NET_INSECURE=%q: want 0 or 1", get("TEEBENCH_NET_INSECURE"))
	}
	return nil
}

// Image returns TEEBENCH_IMAGE, the container image reference the run is
// in, or "" outside the image.
func Image() string { return get("TEEBENCH_IMAGE") }
