// Command bench runs the whole suite through internal/runner; it is what
// scripts/bench.sh runs (built with the run's TAGS, or prebuilt as
// $TEEBENCH_BINDIR/bench in the container):
//
//	bench [-root DIR]
//	bench -bindir TAGS
//
// Its input is the environment bench.sh documents (TEEBENCH_PROFILE, PKGS,
// BENCH, COUNT, BENCHTIME, TAGS, OUTDIR, BASELINE, TEEBENCH_BINDIR,
// TEEBENCH_DEADLINE and the TEEBENCH_* variables of internal/config), all
// checked before the first benchmark runs. -root is the teebench tree
// (default: the module root above the working directory; bench.sh passes
// its own tree). Exit status: 0 measured, 1 a
// failure or a package without rows, 2 bad input, 3 no manifest, 130
// interrupted.
//
// -bindir prints the directory name that holds the prebuilt binaries of a
// tag set (bin, bin-tdx, bin-gpu-tdx): the Dockerfile builds into it and
// the container's entrypoint picks it by TAGS.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/teebench/teebench/internal/runner"
)

func main() {
	root := flag.String("root", "", "the teebench tree (package directories, go.mod)")
	bindir := flag.String("bindir", "", "print the name of the prebuilt-binary directory of this tag set (tdx,gpu; none) and exit")
	flag.Parse()
	if isSet("bindir") {
		fmt.Println(runner.BinDirName(*bindir))
		return
	}
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

// isSet reports whether the flag name was given on the command line.
func isSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
