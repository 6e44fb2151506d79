// Command bench runs the whole suite through internal/runner; it is what
// scripts/bench.sh runs (built with the run's TAGS, or prebuilt as
// $TEEBENCH_BINDIR/bench in the container):
//
//	bench [-root DIR]
//	bench -bindir TAGS
//	bench -tee TAGS|NAME
//	bench -tagsets SETS
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
// tag set (bin, bin-snp, bin-gpu-snp): the Dockerfile builds into it and
// the container's entrypoint picks it by TAGS. A tag set the runner would
// refuse (an unknown tag, two TEEs) is refused here too, exit status 2.
//
// -tee prints the TEE of a tag set ("gpu,snp") or of a result file's
// `tee:` value ("sev-snp") as `NAME SUFFIX`: its `tee:` name and the side
// file of its main evidence (".snp-report"); nothing for none (a tag set
// without a TEE tag, or the name "none"). The CI scripts ask it instead of
// naming a TEE. Exit status 2 for an unknown tag or name, or two TEEs.
//
// -tagsets prints the tag sets an image is built with, one line separated
// by spaces: SETS is a space-separated list of tag sets ("none", "snp",
// "gpu,snp") and the words cpu (none and each TEE's tag: "none tdx snp")
// and gpu (those and gpu with each: "gpu gpu,tdx gpu,snp"). The Dockerfile
// builds one binary directory (-bindir) per set, so a new TEE gets its
// binaries without an edit there.
//
// -join writes DST as the result files FILE... joined: their lines in
// order (config lines repeat unchanged, which the benchmark format allows)
// and, beside it, their skip lists merged (skips.Merge). scripts/ci joins
// the rounds of one side of a pull request's comparison so.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/runner"
	"github.com/teebench/teebench/internal/skips"
	"github.com/teebench/teebench/internal/tee"
)

func main() {
	root := flag.String("root", "", "the teebench tree (package directories, go.mod)")
	bindir := flag.String("bindir", "", "print the name of the prebuilt-binary directory of this tag set (gpu,snp; none) and exit")
	teeOf := flag.String("tee", "", "print `NAME SUFFIX` of the TEE of this tag set or tee: name (nothing for none) and exit")
	tagsets := flag.String("tagsets", "", "print the tag sets of this space-separated list, cpu and gpu expanded to every TEE, and exit")
	joinTo := flag.String("join", "", "write the result files given as arguments, joined, to `file`, with their skip lists merged, and exit")
	flag.Parse()
	if isSet("tagsets") {
		sets, err := tagSets(*tagsets)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench -tagsets:", err)
			os.Exit(runner.ExitBadInput)
		}
		fmt.Println(strings.Join(sets, " "))
		return
	}
	if isSet("tee") {
		if err := printTEE(os.Stdout, *teeOf); err != nil {
			fmt.Fprintln(os.Stderr, "bench -tee:", err)
			os.Exit(runner.ExitBadInput)
		}
		return
	}
	if isSet("bindir") {
		if *bindir != "none" {
			if _, err := runner.TEEOf(*bindir); err != nil {
				fmt.Fprintln(os.Stderr, "bench -bindir:", err)
				os.Exit(runner.ExitBadInput)
			}
		}
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

// printTEE writes `NAME SUFFIX` for the TEE that arg (a tag set or a
// `tee:` name) names, or nothing for none.
func printTEE(w io.Writer, arg string) error {
	if arg == "none" {
		return nil
	}
	k := tee.ByName(arg)
	if k == nil {
		var err error
		if k, err = runner.TEEOf(arg); err != nil {
			return err
		}
	}
	if k != nil {
		fmt.Fprintln(w, k.Name(), k.Suffixes()[0])
	}
	return nil
}

// tagSets expands a -tagsets list: cpu is none and each TEE's tag, gpu adds
// gpu alone and with each TEE's tag; other words are tag sets, checked as
// the runner checks TAGS. Duplicates are dropped; the order is kept.
func tagSets(list string) ([]string, error) {
	var sets []string
	add := func(s ...string) {
		for _, x := range s {
			if !slices.Contains(sets, x) {
				sets = append(sets, x)
			}
		}
	}
	for _, w := range strings.Fields(list) {
		switch w {
		case "cpu", "gpu":
			add("none")
			add(runner.TEETags()...)
			if w == "gpu" {
				add(runner.GPUTag)
				for _, t := range runner.TEETags() {
					add(runner.GPUTag + "," + t)
				}
			}
		case "none":
			add(w)
		default:
			if _, err := runner.TEEOf(w); err != nil {
				return nil, fmt.Errorf("tag set %q: %w", w, err)
			}
			add(w)
		}
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("no tag set in %q (want cpu, gpu or tag sets such as none snp gpu,snp)", list)
	}
	return sets, nil
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
