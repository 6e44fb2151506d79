// Package skips owns the skip list of a result file: R.skips.tsv beside
// R.txt, one line per benchmark or package a run did not measure, with the
// reason. It is the one reader and the one writer of that format:
//
//	# teebench skips v1
//	kind<TAB>package<TAB>benchmark<TAB>reason
//
// kind is skip (absent by design: a tool not installed, a build tag not
// set), fail (a benchmark or package failed), norows (a package produced no
// result rows), deadline (a package ran past its deadline and was stopped)
// or interrupted (the run was stopped by SIGINT or SIGTERM). benchmark is the
// full name without the -GOMAXPROCS suffix, or "-" for a whole package.
package skips

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
)

// Header is the first line of a skips file.
const Header = "# teebench skips v1"

// The kinds of entry.
const (
	Skip        = "skip"
	Fail        = "fail"
	NoRows      = "norows"
	Deadline    = "deadline"
	Interrupted = "interrupted"
)

// kinds are the kinds a skips file may hold.
var kinds = map[string]bool{Skip: true, Fail: true, NoRows: true, Deadline: true, Interrupted: true}

// Entry is one line of a skips file.
type Entry struct {
	// Kind is one of Skip, Fail, NoRows, Deadline, Interrupted.
	Kind string `json:"kind"`
	// Package is the Go package (cpu_bench ...), Benchmark the full name
	// without the -GOMAXPROCS suffix, or "-" for a whole package.
	Package   string `json:"package"`
	Benchmark string `json:"benchmark"`
	// Reason is one line.
	Reason string `json:"reason"`
	// File is the skips file it was read from (empty for an entry not
	// read from a file).
	File string `json:"file"`
}

// Path returns the skips file of a result file R.txt: R.skips.tsv.
func Path(resultPath string) string {
	return strings.TrimSuffix(resultPath, ".txt") + ".skips.tsv"
}

// clean makes s one field of one line.
var clean = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// Line formats e as one line of a skips file, without the newline.
func (e Entry) Line() string {
	b := e.Benchmark
	if b == "" {
		b = "-"
	}
	r := strings.TrimSpace(clean.Replace(e.Reason))
	if r == "" {
		r = "no reason given"
	}
	return e.Kind + "\t" + clean.Replace(e.Package) + "\t" + clean.Replace(b) + "\t" + r
}

// Writer appends entries to a skips file as they happen, so that an
// interrupted run keeps what it recorded. It is safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	seen map[string]bool
	all  []Entry
}

// Create creates the skips file at path (truncating one that exists: it
// belongs to a result file the caller has just claimed) and writes the
// header.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("skip list: %w", err)
	}
	if _, err := f.WriteString(Header + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("skip list %s: %w", path, err)
	}
	return &Writer{f: f, path: path, seen: map[string]bool{}}, nil
}

// Path returns the file the writer writes.
func (w *Writer) Path() string { return w.path }

// Add appends e (an entry equal to one already written is written once).
func (w *Writer) Add(e Entry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := e.Line()
	if w.seen[l] {
		return nil
	}
	w.seen[l] = true
	e.File = w.path
	w.all = append(w.all, e)
	if _, err := w.f.WriteString(l + "\n"); err != nil {
		return fmt.Errorf("skip list %s: %w", w.path, err)
	}
	return nil
}

// Entries returns the entries written so far.
func (w *Writer) Entries() []Entry {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Entry(nil), w.all...)
}

// Close closes the file.
func (w *Writer) Close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("skip list %s: %w", w.path, err)
	}
	return nil
}

// Read reads a skips file; a missing file is no entries. A file with
// another first line, or a line without four tab-separated fields or with
// an unknown kind, is an error naming file:line.
func Read(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading skips: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var out []Entry
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			if line != Header {
				return nil, fmt.Errorf("%s:1: not a skips file (first line %q, want %q)", path, line, Header)
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.SplitN(line, "\t", 4)
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: want kind<TAB>package<TAB>benchmark<TAB>reason, got %d field(s)", path, n, len(fields))
		}
		if !kinds[fields[0]] {
			return nil, fmt.Errorf("%s:%d: unknown kind %q (want skip, fail, norows, deadline or interrupted)", path, n, fields[0])
		}
		out = append(out, Entry{Kind: fields[0], Package: fields[1], Benchmark: fields[2], Reason: fields[3], File: path})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, n+1, err)
	}
	return out, nil
}

// Merge writes the skip list of dst, a result file joined from the result
// files srcs (scripts/ci joins a side's rounds so), as the entries of
// their skip lists in order; an entry that recurs is kept once per list,
// each being a run's. A source without a skip list adds nothing; when none
// has one, dst gets none (one left from an earlier join is removed).
func Merge(dst string, srcs ...string) error {
	var es []Entry
	found := false
	for _, src := range srcs {
		p := Path(src)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("skip list: %w", err)
		}
		found = true
		e, err := Read(p)
		if err != nil {
			return err
		}
		es = append(es, e...)
	}
	out := Path(dst)
	if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("skip list: %w", err)
	}
	if !found {
		return nil
	}
	return Append(out, es)
}

// Append adds entries to the skips file at path, creating it with its
// header when it does not exist (Merge joins the lists of several runs
// this way).
func Append(path string, es []Entry) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("skip list: %w", err)
	}
	st, err := f.Stat()
	var b strings.Builder
	if err == nil && st.Size() == 0 {
		b.WriteString(Header + "\n")
	}
	for _, e := range es {
		b.WriteString(e.Line() + "\n")
	}
	if err == nil {
		_, err = f.WriteString(b.String())
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("skip list %s: %w", path, err)
	}
	return nil
}
