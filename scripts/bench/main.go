// Command bench runs the whole suite through internal/runner; it is what
// scripts/bench.sh runs (built with the run's TAGS, or prebuilt as
// $TEEBENCH_BINDIR/bench in the container):
//
//	bench [-root DIR]
//
// Its input is the environment bench.sh documents (TEEBENCH_PROFILE, PKGS,
// BENCH, COUNT, BENCHTIME, TAGS, OUTDIR, BASELINE, TEEBENCH_BINDIR,
// TEEBENCH_DEADLINE and the TEEBENCH_* variables of internal/config), all
// checked before the first benchmark runs. -root is the teebench tree
// (default: the module root above the working directory; bench.sh passes
// its own tree). Exit status: 0 measured, 1 a
// failure or a package without rows, 2 bad input, 3 no manifest, 130
// interrupted.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/teebench/teebench/internal/runner"
)

func main() {
	root := flag.String("root", "", "the teebench tree (package directories, go.mod)")
	flag.Parse()
	r, err := runner.ModuleRootOf(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench.sh:", err)
		os.Exit(runner.ExitBadInput)
	}
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench.sh:", err)
		os.Exit(runner.ExitBadInput)
	}
	o, err := runner.FromEnv(r, cwd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench.sh:", err)
		os.Exit(runner.ExitBadInput)
	}
	code, _ := runner.Run(o, os.Stdout, os.Stderr)
	os.Exit(code)
}
