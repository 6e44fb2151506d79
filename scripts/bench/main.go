// Command bench runs the whole suite through internal/runner; it is what
// scripts/bench.sh runs (built with the run's TAGS, or prebuilt as
// $TEEBENCH_BINDIR/bench in the container):
//
//	bench [-root DIR]
//	bench -bindir TAGS
//	bench -join DST FILE...
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
//
// -join writes DST as the result files FILE... joined: their lines in
// order (config lines repeat unchanged, which the benchmark format allows)
// and, beside it, their skip lists merged (skips.Merge). scripts/ci joins
// the rounds of one side of a pull request's comparison so.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/teebench/teebench/internal/runner"
	"github.com/teebench/teebench/internal/skips"
)

func main() {
	root := flag.String("root", "", "the teebench tree (package directories, go.mod)")
	bindir := flag.String("bindir", "", "print the name of the prebuilt-binary directory of this tag set (tdx,gpu; none) and exit")
	joinTo := flag.String("join", "", "write the result files given as arguments, joined, to `file`, with their skip lists merged, and exit")
	flag.Parse()
	if isSet("bindir") {
		fmt.Println(runner.BinDirName(*bindir))
		return
	}
	if isSet("join") {
		if *joinTo == "" || flag.NArg() == 0 {
			fmt.Fprintln(os.Stderr, "bench: usage: bench -join DST FILE...")
			os.Exit(runner.ExitBadInput)
		}
		if err := join(*joinTo, flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
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

// join writes dst as the result files srcs joined, and its skip list as
// theirs merged.
func join(dst string, srcs []string) error {
	var b []byte
	for _, src := range srcs {
		data, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("join: %w", err)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			data = append(data, '\n')
		}
		b = append(b, data...)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	return skips.Merge(dst, srcs...)
}
