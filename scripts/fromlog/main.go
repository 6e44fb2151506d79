// Command fromlog rebuilds the files a teebench container printed to its
// log (docker logs, or dstack's /logs/<container>?text&bare) between
// `==> teebench-begin <name> sha512=<hex> <==` and `==> teebench-end <name> <==`
// lines (internal/logfile), byte for byte, each checked against its SHA-512.
// When a result file's evidence is among them (a TDX quote <file>.quote,
// an SEV-SNP report <file>.snp-report), it checks that the report data it
// carries binds the rebuilt file and its side files (the binding; run
// scripts/verify for the signature chain, the event log and the policy):
//
//	docker logs teebench > run.log && go run ./scripts/fromlog -o results run.log
//	curl -s "$APP_URL/logs/teebench?text&bare" | go run ./scripts/fromlog -o results -
//
// Names must match logfile.NameRE and end in one of logfile.Suffixes (no
// .go file, no dot-file); a name carried twice is an error. It writes all
// or nothing: a log with any bad block, a refused name, a duplicate or a
// file that exists with other bytes writes no file at all. It never
// overwrites a file with different bytes (-f does). With -print it does the
// opposite: it reads the files, then picks one random token for this run
// and prints them as blocks carrying it (scripts/entrypoint.sh prints its
// outputs this way). Exit status: 0 all rebuilt and bound, 1 a block was
// truncated, changed, refused or unbound, or a file could not be written
// (then none was), 2 usage.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/cli"
	"github.com/teebench/teebench/internal/logfile"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the command with its arguments and streams; it returns the exit
// status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := cli.Flags("fromlog", "usage: fromlog [-o DIR] [-f] LOG... (- for stdin)\n       fromlog -print FILE...", stderr)
	dir := fl.String("o", ".", "write the rebuilt files into `dir`")
	force := fl.Bool("f", false, "overwrite files that exist with other contents")
	print := fl.Bool("print", false, "print the named files as marker blocks instead (what the container does)")
	if !cli.Parse(fl, args, 1) {
		return cli.ExitUsage
	}
	if *print {
		return printFiles(fl.Args(), stdout, stderr)
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
	if perr != nil {
		fmt.Fprintln(stderr, "fromlog:", perr)
		fmt.Fprintln(stderr, "fromlog: nothing written (a log with any bad block writes no file)")
		return 1
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "fromlog: no teebench-begin/teebench-end blocks in the log")
		return 1
	}
	// Plan every write before making any.
	plan := make([]string, len(files))
	var conflicts []error
	for i, f := range files {
		what, err := planWrite(filepath.Join(*dir, f.Name), f.Data, *force)
		plan[i] = what
		if err != nil {
			conflicts = append(conflicts, err)
		}
	}
	if len(conflicts) > 0 {
		fmt.Fprintln(stderr, "fromlog:", errors.Join(conflicts...))
		fmt.Fprintln(stderr, "fromlog: nothing written")
		return 1
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "fromlog:", err)
		return 1
	}
	var written []string
	for i, f := range files {
		out := filepath.Join(*dir, f.Name)
		if plan[i] != "already there" {
			if err := writeAtomic(out, f.Data); err != nil {
				for _, p := range written {
					os.Remove(p)
				}
				fmt.Fprintf(stderr, "fromlog: %v; removed the %d file(s) this run had written\n", err, len(written))
				return 1
			}
			if plan[i] == "written" {
				written = append(written, out)
			}
		}
	}
	status := 0
	byName := map[string][]byte{}
	for i, f := range files {
		byName[f.Name] = f.Data
		fmt.Fprintf(stdout, "%s: %d bytes, sha512 %s… ok (%s)\n", filepath.Join(*dir, f.Name), len(f.Data), f.SHA512[:16], plan[i])
	}
	for _, f := range files {
		if !attest.EvidenceIn(f.Name, byName) {
			continue
		}
		side := map[string][]byte{}
		for n, b := range byName {
			side[n] = b
		}
		if err := attest.CheckBindingFiles(f.Name, side); err != nil {
			fmt.Fprintf(stdout, "%s: binding FAIL: %v\n", f.Name, err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "%s: binding ok (its evidence's report data covers the file%s; scripts/verify checks the signature chain, event log and policy)\n", f.Name, bindNote(byName, f.Name))
	}
	return status
}

// bindNote says whether the side files were bound too.
func bindNote(byName map[string][]byte, name string) string {
	if _, ok := byName[attest.BindPath(name)]; ok {
		return " and its side files, through " + attest.BindPath(name)
	}
	return " alone: side files unbound"
}

// printFiles is -print: read every file first, then choose this run's token
// (so no file can contain it), then print the blocks.
func printFiles(paths []string, stdout, stderr io.Writer) int {
	data := make([][]byte, len(paths))
	ok := make([]bool, len(paths))
	status := 0
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			err = logfile.CheckName(filepath.Base(p))
		}
		if err != nil {
			fmt.Fprintln(stderr, "fromlog:", err)
			status = 1
			continue
		}
		data[i], ok[i] = b, true
	}
	token, err := logfile.NewToken()
	if err != nil {
		fmt.Fprintln(stderr, "fromlog:", err)
		return 1
	}
	for i, p := range paths {
		if !ok[i] {
			continue
		}
		if err := logfile.WriteToken(stdout, token, filepath.Base(p), data[i]); err != nil {
			fmt.Fprintln(stderr, "fromlog:", err)
			status = 1
		}
	}
	return status
}

// planWrite says what writing data to path will do ("written", "already
// there", "overwritten"), or why it must not: a different file is
// overwritten only with force.
func planWrite(path string, data []byte, force bool) (string, error) {
	old, rerr := os.ReadFile(path)
	switch {
	case rerr == nil && bytes.Equal(old, data):
		return "already there", nil
	case rerr == nil && !force:
		return "", fmt.Errorf("%s exists with other contents; not overwriting it (-f does)", path)
	case rerr == nil:
		return "overwritten", nil
	case !errors.Is(rerr, fs.ErrNotExist):
		return "", rerr
	}
	return "written", nil
}

// writeAtomic writes data to a temporary file beside path and renames it
// into place.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".fromlog-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Chmod(f.Name(), 0o644)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
