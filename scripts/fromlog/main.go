// Command fromlog rebuilds the files a teebench container printed to its
// log (docker logs, or dstack's /logs/<container>?text&bare) between
// `==> teebench-begin <name> sha512=<hex> <==` and `==> teebench-end <name> <==`
// lines (internal/logfile), byte for byte, each checked against its SHA-512.
// When a result file's quote (<file>.quote) is among them, it checks that
// the quote carries SHA-512 of the rebuilt file (the binding; run
// scripts/verify for the signature chain and the event log):
//
//	docker logs teebench > run.log && go run ./scripts/fromlog -o results run.log
//	curl -s "$APP_URL/logs/teebench?text&bare" | go run ./scripts/fromlog -o results -
//
// It never overwrites a file with different bytes (-f does). With -print
// it does the opposite: it prints files as such blocks (scripts/entrypoint.sh
// prints its outputs this way). Exit status: 0 all rebuilt and bound,
// 1 a block was truncated, changed or unbound, or a file could not be
// written, 2 usage.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/logfile"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the command with its arguments and streams; it returns the exit
// status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("fromlog", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("o", ".", "write the rebuilt files into `dir`")
	force := fl.Bool("f", false, "overwrite files that exist with other contents")
	print := fl.Bool("print", false, "print the named files as marker blocks instead (what the container does)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: fromlog [-o DIR] [-f] LOG... (- for stdin)\n       fromlog -print FILE...")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return 2
	}
	if *print {
		status := 0
		for _, p := range fl.Args() {
			b, err := os.ReadFile(p)
			if err == nil {
				err = logfile.Write(stdout, filepath.Base(p), b)
			}
			if err != nil {
				fmt.Fprintln(stderr, "fromlog:", err)
				status = 1
			}
		}
		return status
	}

	var log []byte
	for _, p := range fl.Args() {
		var b []byte
		var err error
		if p == "-" {
			b, err = io.ReadAll(stdin)
		} else {
			b, err = os.ReadFile(p)
		}
		if err != nil {
			fmt.Fprintln(stderr, "fromlog:", err)
			return 1
		}
		log = append(log, b...)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			log = append(log, '\n')
		}
	}
	files, perr := logfile.Parse(log)
	status := 0
	if perr != nil {
		fmt.Fprintln(stderr, "fromlog:", perr)
		status = 1
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "fromlog: no teebench-begin/teebench-end blocks in the log")
		return 1
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "fromlog:", err)
		return 1
	}
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
		out := filepath.Join(*dir, f.Name)
		what, err := write(out, f.Data, *force)
		if err != nil {
			fmt.Fprintln(stderr, "fromlog:", err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "%s: %d bytes, sha512 %s… ok (%s)\n", out, len(f.Data), f.SHA512[:16], what)
	}
	for _, f := range files {
		q, ok := byName[attest.QuotePath(f.Name)]
		if !ok {
			continue
		}
		if err := attest.CheckBinding(f.Data, q); err != nil {
			fmt.Fprintf(stdout, "%s: binding FAIL: %v\n", f.Name, err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "%s: binding ok (its quote's report data = SHA-512 of the file; scripts/verify checks the signature chain and event log)\n", f.Name)
	}
	return status
}

// write writes data to path unless the same bytes are there; a different
// file is overwritten only with force.
func write(path string, data []byte, force bool) (string, error) {
	old, rerr := os.ReadFile(path)
	what := "written"
	switch {
	case rerr == nil && bytes.Equal(old, data):
		return "already there", nil
	case rerr == nil && !force:
		return "", fmt.Errorf("%s exists with other contents; not overwriting it (-f does)", path)
	case rerr == nil:
		what = "overwritten"
	case !errors.Is(rerr, fs.ErrNotExist):
		return "", rerr
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", err
	}
	return what, nil
}
