package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/report"
	"github.com/teebench/teebench/internal/report/markdown"
	"github.com/teebench/teebench/internal/report/prcomment"
	"github.com/teebench/teebench/internal/report/results"
)

const usage = `Usage: go run ./scripts/report [-o report.md] [-charts dir] [-chart-format svg|png] baseline.txt tee.txt [more.txt ...]
       go run ./scripts/report [-o report.md] base=a.txt tdx=b.txt
       go run ./scripts/report [-o report.md] run.txt
       go run ./scripts/report -format json baseline.txt tee.txt
       go run ./scripts/report -pr [-threshold 5%] [-fail-on-regression] [-full table.md] base.txt head.txt
       go run ./scripts/report -arms baseline.txt tee.txt [more.txt ...]

Reads Go benchmark result files (go test -bench output of this suite) and
writes the Markdown report. Arms are grouped by the files' "tee:" config
value, or named by label=path arguments; the first arm is the baseline.
When every file has the same tee value and none is labelled, each file is
an arm of its own (the rule -arms and scripts/compare.sh use); label files
alike (base=a.txt base=b.txt) to pool them. The same file (by content)
given twice is refused.
With -o the SVG charts are written next to the report (or to -charts).
A single file gives a one-arm report of absolute figures.
-format json writes the report as JSON (arms, evidence, headlines, tables).
A TEE arm whose evidence does not verify is "unattested" and gets no
verdict unless -allow-unattested. -pr writes the Markdown comment for a
pull request: base vs head, one row per benchmark whose primary metric
changed significantly over the threshold, a geomean per package; -full
writes the full table to a file (the CI artifact).
-arms prints the arms the files are grouped into, one label=path line per
file (when every file has the same tee value, each file is an arm of its
own), and warnings on stderr; scripts/compare.sh and bench.sh use it.
`

// Command is the report command (scripts/report runs it; scripts/compare,
// scripts/fleet and internal/runner call it in-process): it parses args
// (flags, then result files), reads the files with internal/report/results
// and writes what internal/report makes of them (the Markdown report and
// its charts, the JSON document, or the pull-request comment) to -o or to
// stdout. Usage errors
// and the usage text go to stderr.
func Command(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the report to `file` (default stdout); charts go to a directory next to it")
	charts := fs.String("charts", "", "write the SVG charts to `dir` (default: <-o without extension>-charts, so reports in one directory keep their own charts; none without -o)")
	strict := fs.Bool("strict", false, "fail on any malformed result line instead of skipping it")
	format := fs.String("chart-format", "svg", "chart file `format`: svg or png")
	outFormat := fs.String("format", "markdown", "output `format`: markdown or json (the tables as data)")
	printArms := fs.Bool("arms", false, "print the arms the files are grouped into (label=path lines) and exit")
	pr := fs.Bool("pr", false, "write the pull-request comment for base.txt head.txt (Markdown)")
	failReg := fs.Bool("fail-on-regression", false, "with -pr: exit non-zero on a significant regression over the threshold")
	fullTable := fs.String("full", "", "with -pr: write the full table (every benchmark and unit) to `file`; the comment names it relative to -o's directory")
	th := &prcomment.Thresholds{Default: prcomment.DefaultThreshold}
	fs.Var(th, "threshold", "with -pr: smallest change shown, `5%` by default; unit=10% sets one unit's (repeatable)")
	defRate, err := config.ReadMaxErrorRate()
	if err != nil {
		return err
	}
	maxErr := fs.Float64("max-error-rate", defRate, "error rate (errors/op, a `fraction`) above which a row is marked and gives no headline; TEEBENCH_MAX_ERROR_RATE sets the default")
	allowUn := fs.Bool("allow-unattested", false, "draw verdicts against the published overheads for TEE arms whose evidence does not verify (a banner says so)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *maxErr < 0 || *maxErr > 1 {
		return fmt.Errorf("-max-error-rate %v: want a fraction between 0 and 1", *maxErr)
	}
	if *outFormat != "markdown" && *outFormat != "json" {
		return fmt.Errorf("-format %q: want markdown or json", *outFormat)
	}
	inputs, err := results.ParseInputs(fs.Args())
	if err != nil {
		fs.Usage()
		return err
	}
	if *printArms {
		arms, warns, err := results.Arms(inputs, true)
		if err != nil {
			return err
		}
		for _, w := range warns {
			fmt.Fprintf(stderr, "report: warning: %s\n", w)
		}
		var buf bytes.Buffer
		for _, a := range arms {
			for _, f := range a.Files {
				fmt.Fprintf(&buf, "%s=%s\n", a.Label, f)
			}
		}
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if *pr {
		if len(inputs) != 2 {
			fs.Usage()
			return fmt.Errorf("-pr takes two result files, base and head; got %d", len(inputs))
		}
		for i, l := range []string{"base", "head"} {
			if inputs[i].Label == "" {
				inputs[i].Label = l
			}
		}
	}
	read := results.ReadArms
	if *pr {
		read = results.Read
	}
	d, err := read(inputs)
	if err != nil {
		return err
	}
	for _, e := range d.Malformed {
		fmt.Fprintf(stderr, "report: skipped malformed line: %v\n", e)
	}
	if *strict && len(d.Malformed) > 0 {
		return fmt.Errorf("%d malformed line(s), first: %w", len(d.Malformed), d.Malformed[0])
	}
	if *format != "svg" && *format != "png" {
		return fmt.Errorf("-chart-format %q: want svg or png", *format)
	}
	if *pr || *outFormat == "json" {
		var buf bytes.Buffer
		if *pr {
			rel := ""
			if *out != "" {
				rel = filepath.Dir(*out)
			}
			if *fullTable != "" {
				var fb bytes.Buffer
				if err := prcomment.WritePRFull(&fb, d); err != nil {
					return err
				}
				if err := writeOut(*fullTable, stdout, fb.Bytes()); err != nil {
					return err
				}
			}
			res, err := prcomment.WritePRComment(&buf, d, prcomment.PROptions{Thresholds: th, FullTable: *fullTable, RelTo: rel})
			if err != nil {
				return err
			}
			if err := writeOut(*out, stdout, buf.Bytes()); err != nil {
				return err
			}
			if *failReg && res.Regressions > 0 {
				return fmt.Errorf("%d %w", res.Regressions, prcomment.ErrRegression)
			}
			return nil
		}
		if *maxErr == 0 {
			*maxErr = math.SmallestNonzeroFloat64
		}
		doc, err := report.DocumentOf(d, report.Options{MaxErrorRate: *maxErr, AllowUnattested: *allowUn})
		if err != nil {
			return err
		}
		if err := report.WriteDocument(&buf, doc); err != nil {
			return err
		}
		return writeOut(*out, stdout, buf.Bytes())
	}
	if *maxErr == 0 { // Options' zero means the default: any error at all is over 0
		*maxErr = math.SmallestNonzeroFloat64
	}
	opt := report.Options{ChartDir: *charts, ChartFormat: *format, MaxErrorRate: *maxErr, AllowUnattested: *allowUn,
		Warn: func(s string) { fmt.Fprintf(stderr, "report: warning: %s\n", s) }}
	if opt.ChartDir == "" && *out != "" {
		opt.ChartDir = strings.TrimSuffix(*out, filepath.Ext(*out)) + "-charts"
	}
	if opt.ChartDir != "" && *out != "" {
		rel, err := filepath.Rel(filepath.Dir(*out), opt.ChartDir)
		if err != nil {
			return fmt.Errorf("chart directory %s relative to %s: %w", opt.ChartDir, *out, err)
		}
		if rel != "." {
			opt.ChartLink = filepath.ToSlash(rel) + "/"
		}
	}
	if opt.ChartDir != "" {
		if err := os.MkdirAll(opt.ChartDir, 0o755); err != nil {
			return fmt.Errorf("chart directory: %w", err)
		}
	}
	doc, err := report.Build(d, opt)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := markdown.Write(&buf, doc); err != nil {
		return err
	}
	return writeOut(*out, stdout, buf.Bytes())
}

// writeOut writes b to the file named by out, or to stdout when out is "".
func writeOut(out string, stdout io.Writer, b []byte) error {
	if out == "" {
		_, err := stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}
