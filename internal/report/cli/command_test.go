package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/report/prcomment"
	"github.com/teebench/teebench/internal/report/results"
)

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Files that cannot give a report: an error naming the file (and the
	// line, for syntax errors).
	for _, tc := range []struct {
		name, content, want string
	}{
		// Only malformed result lines.
		{"allbad.txt", "tee: none\nBenchmarkX-2 10 1x2 ns/op\n", "allbad.txt: no valid benchmark results; first bad line: " + filepath.Join(dir, "allbad.txt") + ":2: parsing measurement"},
		// An empty file.
		{"empty.txt", "", "empty.txt: empty file"},
		// Output with no benchmark lines (a failed run).
		{"nobench.txt", "tee: none\ngoos: linux\nFAIL\n", "nobench.txt: no benchmark results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(tc.name, tc.content)
			_, err := results.Read([]results.Input{{Path: p}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// Malformed lines among good ones are skipped with file:line, and
	// fatal under -strict.
	bad := write("bad.txt", "tee: none\nBenchmarkX-2 10 12 ns/op\nBenchmarkX-2 10 1x2 ns/op\nBenchmarkX-2 10 12\n")
	d, err := results.Read([]results.Input{{Path: bad}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Malformed) != 2 || !strings.HasSuffix(d.Malformed[0].Error(), "bad.txt:3: parsing measurement: invalid syntax") ||
		!strings.HasSuffix(d.Malformed[1].Error(), "bad.txt:4: missing units") {
		t.Errorf("malformed lines: %v", d.Malformed)
	}
	var stdout, stderr bytes.Buffer
	err = Command([]string{"-strict", bad}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "bad.txt:3: parsing measurement") {
		t.Errorf("-strict: %v", err)
	}
	if !strings.Contains(stderr.String(), "bad.txt:4: missing units") {
		t.Errorf("stderr does not name the skipped line: %q", stderr.String())
	}
	if _, err := results.Read([]results.Input{{Path: filepath.Join(dir, "missing.txt")}}); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := results.ParseInputs(nil); err == nil {
		t.Error("no arguments accepted")
	}
	if _, err := results.ParseInputs([]string{"base="}); err == nil {
		t.Error("empty path after label accepted")
	}
}

// TestDuplicateRefused: the same content given twice (the same path, or a
// copy) is refused, naming both paths; it would count its samples twice.
func TestDuplicateRefused(t *testing.T) {
	cp := filepath.Join(t.TempDir(), "copy.txt")
	b, err := os.ReadFile("../testdata/synth-base.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"../testdata/synth-base.txt", "../testdata/synth-base.txt"}, {"../testdata/synth-base.txt", "../testdata/synth-tee.txt", cp}} {
		var out, errb bytes.Buffer
		err := Command(args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "../testdata/synth-base.txt and "+args[len(args)-1]+" have the same content") {
			t.Errorf("%v: %v", args, err)
		}
		err = Command(append([]string{"-arms"}, args...), &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "have the same content") {
			t.Errorf("-arms %v: %v", args, err)
		}
	}
}

// TestOneGroupingRule: two unlabelled files of one tee value are two arms
// in the report, as `report -arms` says; labelled alike they pool.
func TestOneGroupingRule(t *testing.T) {
	args := []string{"../testdata/real-run1.txt", "../testdata/real-run2.txt"}
	var out, errb bytes.Buffer
	if err := Command(append([]string{"-arms"}, args...), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "real-run1=../testdata/real-run1.txt\nreal-run2=../testdata/real-run2.txt\n" {
		t.Fatalf("-arms: %q", got)
	}
	out.Reset()
	if err := Command(append([]string{"-format", "json"}, args...), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"real-run1",`) || !strings.Contains(out.String(), `"real-run2"`) {
		t.Errorf("report does not see the arms -arms prints:\n%.400s", out.String())
	}
	in, _ := results.ParseInputs([]string{"a=../testdata/real-run1.txt", "a=../testdata/real-run2.txt"})
	d, err := results.ReadArms(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Arms) != 1 {
		t.Errorf("labelled alike: %d arms, want 1", len(d.Arms))
	}
}

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r", "report.md")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := Command([]string{"-o", out, "../testdata/synth-base.txt", "../testdata/synth-tee.txt"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(b, []byte("## VIII. CPU thread scaling")) {
		t.Fatalf("report not written: %v", err)
	}
	// Charts go to a directory named after the report, so two reports in
	// one directory never overwrite each other's charts.
	if _, err := os.Stat(filepath.Join(dir, "r", "report-charts", "scaling-efficiency.svg")); err != nil {
		t.Errorf("chart not in report-charts/ next to the report: %v", err)
	}
	if !bytes.Contains(b, []byte("](report-charts/scaling-efficiency.svg)")) {
		t.Errorf("report does not link its chart directory")
	}
	// Without -o: Markdown on stdout, no charts anywhere.
	stdout.Reset()
	if err := Command([]string{"../testdata/synth-tee.txt"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "# teebench performance report") || strings.Contains(stdout.String(), ".svg)") {
		t.Errorf("stdout report wrong:\n%.300s", stdout.String())
	}
	if err := Command(nil, &stdout, &stderr); err == nil || !strings.Contains(stderr.String(), "Usage:") {
		t.Errorf("no args: err %v, stderr %q", err, stderr.String())
	}
}

func TestChartLinksRelative(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.md")
	var stdout, stderr bytes.Buffer
	err := Command([]string{"-o", out, "-charts", filepath.Join(dir, "charts"), "-chart-format", "png", "../testdata/synth-base.txt", "../testdata/synth-tee.txt"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if !bytes.Contains(b, []byte("](charts/scaling-efficiency.png)")) {
		t.Errorf("chart link not relative to the report")
	}
	png, err := os.ReadFile(filepath.Join(dir, "charts", "scaling-efficiency.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("PNG chart not written: %v", err)
	}
	if err := Command([]string{"-chart-format", "gif", "../testdata/synth-tee.txt"}, &stdout, &stderr); err == nil {
		t.Error("-chart-format gif accepted")
	}
}

// TestHelpSaysDefaultOnce: -h gives -max-error-rate's default once (the
// flag package prints it; the usage text no longer repeats it).
func TestHelpSaysDefaultOnce(t *testing.T) {
	t.Setenv("TEEBENCH_MAX_ERROR_RATE", "")
	var out, errb bytes.Buffer
	_ = Command([]string{"-h"}, &out, &errb)
	h := errb.String()
	i := strings.Index(h, "-max-error-rate")
	if i < 0 {
		t.Fatalf("no -max-error-rate in:\n%s", h)
	}
	line := h[i:]
	line = line[:strings.Index(line, "\n  -")]
	if strings.Count(line, "default") != 2 || strings.Count(line, "(default") != 1 { // "sets the default (default 0.01)"
		t.Errorf("-max-error-rate help: %q", line)
	}
	if !strings.Contains(h, "-allow-unattested") {
		t.Error("no -allow-unattested in the help")
	}
}

// report -arms prints label=path lines and the warnings; a missing or
// binary file is an error naming it.
func TestCommandArms(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	for p, tee := range map[string]string{a: "none", b: "tdx"} {
		if err := os.WriteFile(p, []byte("tee: "+tee+"\nBenchmarkWakeup-2 10 5 ns/op\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut strings.Builder
	if err := Command([]string{"-arms", a, b}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if want := "none=" + a + "\ntdx=" + b + "\n"; out.String() != want {
		t.Errorf("-arms printed %q, want %q", out.String(), want)
	}
	bin := filepath.Join(dir, "core.txt")
	os.WriteFile(bin, []byte("tee: tdx\n\x00\x01ELF\x00\n"), 0o644)
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.txt"): "cannot read " + filepath.Join(dir, "missing.txt") + ": no such file",
		bin:                               bin + " is not a text result file (it holds binary data)",
	} {
		err := Command([]string{"-arms", a, file}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-arms %s: %v, want %q", file, err, want)
		}
	}
}

// TestPRFlags: -pr's flags reach the comment (-threshold, repeatable, per
// unit), -fail-on-regression fails on a significant regression and only
// then, and -pr takes exactly two files.
func TestPRFlags(t *testing.T) {
	base, tee := "../testdata/derived-base.txt", "../testdata/derived-tee.txt"
	var out, errb bytes.Buffer
	if err := Command([]string{"-pr", "-threshold", "5%", "-threshold", "errors/op=50%", base, tee}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "threshold (5%,errors/op=50%)") {
		t.Errorf("the thresholds are not in the comment:\n%.800s", out.String())
	}
	err := Command([]string{"-pr", "-fail-on-regression", base, tee}, &out, &errb)
	if !errors.Is(err, prcomment.ErrRegression) {
		t.Errorf("-fail-on-regression: %v", err)
	}
	real := "../../../results/vm-none-20261128T192405Z.txt" // one sample per benchmark
	if err := Command([]string{"-pr", "-fail-on-regression", real, real}, &out, &errb); err != nil {
		t.Errorf("no significance possible, yet failed: %v", err)
	}
	if err := Command([]string{"-pr", base}, &out, &errb); err == nil {
		t.Error("-pr with one file accepted")
	}
}
