package report

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const usage = `Usage: go run ./scripts/report [-o report.md] [-charts dir] [-chart-format svg|png] baseline.txt tee.txt [more.txt ...]
       go run ./scripts/report [-o report.md] base=a.txt tdx=b.txt
       go run ./scripts/report [-o report.md] run.txt

Reads Go benchmark result files (go test -bench output of this suite) and
writes the Markdown report. Arms are grouped by the files' "tee:" config
value, or named by label=path arguments; the first arm is the baseline.
With -o the SVG charts are written next to the report (or to -charts).
A single file gives a one-arm report of absolute figures.
`

// Command is the report command: it parses args (flags, then result files),
// reads the files and writes the report to -o or to stdout. Usage errors
// and the usage text go to stderr.
func Command(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the report to `file` (default stdout); charts go to a directory next to it")
	charts := fs.String("charts", "", "write the SVG charts to `dir` (default: <-o without extension>-charts, so reports in one directory keep their own charts; none without -o)")
	strict := fs.Bool("strict", false, "fail on any malformed result line instead of skipping it")
	format := fs.String("chart-format", "svg", "chart file `format`: svg or png")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	inputs, err := ParseInputs(fs.Args())
	if err != nil {
		fs.Usage()
		return err
	}
	d, err := Read(inputs)
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
	opt := Options{ChartDir: *charts, ChartFormat: *format}
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
	var buf bytes.Buffer
	if err := Render(&buf, d, opt); err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}
