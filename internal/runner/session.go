package runner

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/runner/test2json"
	"github.com/teebench/teebench/internal/skips"
)

// Session runs a rounds plan (Rounds: scripts/crosscheck's mode of the
// runner) with the same binaries, process groups, subreaper, test2json
// events and deadline as Run, the caller keeping the result file (made
// with CreateResult), the skip list and the judgement of the figures.
type Session struct{ r *runState }

// Outcome is what one invocation produced.
type Outcome struct {
	// Code is the test binary's exit status.
	Code int
	// Rows are the names of the result rows it wrote, in order.
	Rows []string
	// Entries are its skips and failures.
	Entries []skips.Entry
	// Deadline is true when the deadline stopped it.
	Deadline bool
}

// NewSession starts a session that appends the invocations' output (Go
// benchmark format, as Run writes it) to result and copies it, with each
// skip's reason, to term. o.Deadline bounds each invocation
// (NoEstimateDeadline when 0).
func NewSession(o Options, result *os.File, term, stderr io.Writer) (*Session, error) {
	r := &runState{o: o, stdout: term, stderr: stderr, out: result, bins: map[string]string{}}
	if err := becomeSubreaper(); err != nil {
		fmt.Fprintf(stderr, "%s: warning: cannot become a child subreaper (%v)\n", o.Name, err)
	}
	var err error
	if r.work, err = os.MkdirTemp("", "teebench-run."); err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	os.MkdirAll(filepath.Join(r.work, "tmp"), 0o755)
	return &Session{r: r}, nil
}

// Binary builds or finds the test binary of package pkg (a directory of
// the tree: cpu_bench ...).
func (s *Session) Binary(pkg string) (string, error) {
	if b, ok := s.r.bins[pkg]; ok {
		return b, nil
	}
	p, ok := catalog.Lookup(pkg)
	if !ok {
		p = catalog.Package{Name: pkg}
	}
	b, err := s.r.binary(p)
	if err == nil {
		s.r.bins[pkg] = b
	}
	return b, err
}

// invoke runs one invocation of pkg's test binary (built first when
// needed) with env added to its environment.
func (s *Session) invoke(pkg string, run catalog.Run, env []string) Outcome {
	var out Outcome
	bin, err := s.Binary(pkg)
	if err != nil {
		out.Code = 1
		out.Entries = []skips.Entry{{Kind: skips.Fail, Package: pkg, Benchmark: "-", Reason: err.Error()}}
		return out
	}
	f := newFilter(pkg, s.r.out, s.r.stdout, func(e skips.Entry) { out.Entries = append(out.Entries, e) })
	d := s.r.o.Deadline
	if d == 0 {
		d = NoEstimateDeadline
	}
	out.Code, out.Deadline = s.r.exec(bin, pkg, run, f, d, env)
	f.finish()
	out.Rows = f.names
	if out.Deadline {
		out.Entries = append(out.Entries, skips.Entry{Kind: skips.Deadline, Package: pkg, Benchmark: "-",
			Reason: fmt.Sprintf("stopped at its deadline of %s (TEEBENCH_DEADLINE overrides it)", d)})
	}
	return out
}

// Stop stops the running invocation (SIGINT, then SIGKILL after 15 s) and
// every process below this one; no invocation starts after it.
func (s *Session) Stop() {
	s.r.mu.Lock()
	s.r.stopping = true
	pgid := s.r.pgid
	s.r.mu.Unlock()
	stopAll(pgid, 0)
}

// Close removes the session's temporary files (the test binaries it
// built, the packages' TMPDIR).
func (s *Session) Close() { os.RemoveAll(s.r.work) }

// ParseOutput reads a test binary's -test.v or -test.v=test2json output
// (pkg's) as Rounds does, without writing it anywhere.
func ParseOutput(pkg string, output []byte) Outcome {
	var out Outcome
	f := newFilter(pkg, io.Discard, io.Discard, func(e skips.Entry) { out.Entries = append(out.Entries, e) })
	conv := test2json.NewConverter(&eventWriter{fn: f.event}, pkg, 0)
	io.Copy(conv, bytes.NewReader(output))
	conv.Close()
	f.finish()
	out.Rows = f.names
	return out
}
