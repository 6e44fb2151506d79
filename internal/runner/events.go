package runner

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/skips"
)

// Event is one event of `go test -json` (cmd/test2json's encoding).
type Event struct {
	Action string
	Test   string
	Output string
}

// eventWriter decodes the converter's JSON lines into events for fn.
type eventWriter struct {
	buf []byte
	fn  func(Event)
}

func (w *eventWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		var e Event
		if json.Unmarshal(w.buf[:i], &e) == nil {
			w.fn(e)
		}
		w.buf = w.buf[i+1:]
	}
}

var (
	// rowRE is a benchmark result line.
	rowRE = regexp.MustCompile(`^Benchmark\S*\s+\d+\s`)
	// nameRE is a line that only names a benchmark (a progress line).
	nameRE = regexp.MustCompile(`^Benchmark\S*$`)
	// logPrefixRE is the file:line prefix of a test's log line.
	logPrefixRE = regexp.MustCompile(`^\s*[^\s:]+\.go:\d+: `)
)

// benchtimeRE is a -benchtime count: Nx.
var benchtimeRE = regexp.MustCompile(`^[1-9][0-9]*x$`)

// validBenchtime reports whether bt is "" or what -benchtime accepts: a
// positive duration or a count Nx.
func validBenchtime(bt string) bool {
	if bt == "" || benchtimeRE.MatchString(bt) {
		return true
	}
	d, err := time.ParseDuration(bt)
	return err == nil && d > 0
}

// checkBench checks a -bench pattern: each slash-separated part is a
// regular expression.
func checkBench(b string) error {
	if b == "" {
		return nil
	}
	for part := range strings.SplitSeq(b, "/") {
		if _, err := regexp.Compile(part); err != nil {
			return err
		}
	}
	return nil
}

// filter turns one package's events into the result file (Go benchmark
// format: config lines, result rows, failures with their logs; no
// progress lines, no skips), the terminal's copy of it with each skip and
// its reason, and the skip list's entries. Every line passes through
// config.RedactText: no URL credential reaches a file or the terminal.
type filter struct {
	pkg    string
	result io.Writer         // the result file
	term   io.Writer         // the terminal
	add    func(skips.Entry) // records a skip or a failure
	before func(string)      // called with each line before it is written

	partial string              // output without its newline yet
	logs    map[string][]string // log lines of each running test
	failed  map[string]bool     // tests with a failed subtest
	rows    int
	names   []string // of the result rows, in order
	nskip   int
	nfail   int
}

func newFilter(pkg string, result, term io.Writer, add func(skips.Entry)) *filter {
	return &filter{pkg: pkg, result: result, term: term, add: add, logs: map[string][]string{}, failed: map[string]bool{}}
}

func (f *filter) emit(l string) {
	if f.before != nil {
		f.before(l)
	}
	io.WriteString(f.result, l+"\n")
	io.WriteString(f.term, l+"\n")
}

// flushLogs writes test's log lines.
func (f *filter) flushLogs(test string) {
	for _, l := range f.logs[test] {
		f.emit(l)
	}
	delete(f.logs, test)
}

// event handles one event.
func (f *filter) event(e Event) {
	switch e.Action {
	case "output":
		s := f.partial + e.Output
		f.partial = ""
		for {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				f.partial = s
				return
			}
			f.line(e.Test, config.RedactText(strings.TrimSuffix(s[:i], "\r")))
			s = s[i+1:]
		}
	case "skip":
		f.adopt(e.Test)
		f.nskip++
		f.add(skips.Entry{Kind: skips.Skip, Package: f.pkg, Benchmark: e.Test, Reason: skipReason(f.logs[e.Test])})
		io.WriteString(f.term, "--- SKIP: "+e.Test+": "+skipReason(f.logs[e.Test])+"\n")
		delete(f.logs, e.Test)
	case "fail":
		if e.Test == "" {
			return
		}
		f.adopt(e.Test)
		reason := FailReason(f.logs[e.Test])
		if reason != "" || !f.failed[e.Test] {
			if reason == "" {
				reason = "failed"
			}
			f.nfail++
			f.add(skips.Entry{Kind: skips.Fail, Package: f.pkg, Benchmark: e.Test, Reason: reason})
		}
		for t := e.Test; strings.Contains(t, "/"); {
			t = t[:strings.LastIndexByte(t, '/')]
			f.failed[t] = true
		}
		f.flushLogs(e.Test)
	case "pass", "bench":
		f.flushLogs(e.Test)
	}
}

// adopt gives test the log lines not attributed to a test, when it has
// none of its own.
func (f *filter) adopt(test string) {
	if len(f.logs[test]) == 0 && len(f.logs[""]) > 0 {
		f.logs[test] = f.logs[""]
		delete(f.logs, "")
	}
}

// line handles one complete output line of test ("" for the package).
func (f *filter) line(test, l string) {
	switch {
	case strings.HasPrefix(l, "=== "), strings.HasPrefix(l, "--- PASS"), strings.HasPrefix(l, "--- SKIP"),
		strings.HasPrefix(l, "--- BENCH"), nameRE.MatchString(l):
		return // progress lines; a skip is written by its event
	case strings.HasPrefix(l, "    "):
		// In plain -v output (no framing marks) a log line may not be
		// attributed to its test; it is kept under "" for the next
		// skip or failure.
		f.logs[test] = append(f.logs[test], l)
		return
	case strings.HasPrefix(l, "--- FAIL"):
		f.emit(l)
		return
	}
	if rowRE.MatchString(l) {
		f.rows++
		f.names = append(f.names, strings.Fields(l)[0])
	}
	f.flushLogs(test)
	f.emit(l)
}

// finish writes what is left (a partial line, logs of tests that never
// ended).
func (f *filter) finish() {
	if f.partial != "" {
		f.line("", config.RedactText(f.partial))
		f.partial = ""
	}
	for t := range f.logs {
		f.flushLogs(t)
	}
}

// trimLog removes a log line's indentation and file:line prefix.
func trimLog(l string) string {
	return strings.TrimSpace(logPrefixRE.ReplaceAllString(l, ""))
}

// skipReason is a skip's reason: its log lines, joined.
func skipReason(logs []string) string {
	var s []string
	for _, l := range logs {
		s = append(s, trimLog(l))
	}
	if len(s) == 0 {
		return "no reason given"
	}
	return strings.Join(s, " ")
}

// FailReason is a failure's cause: the last line of the failed test's log
// that carries a file:line prefix (t.Error and t.Fatal write one; the
// last is the one that ended the test) with the lines that continue it,
// not the log lines before it.
func FailReason(logs []string) string {
	start := -1
	for i, l := range logs {
		if logPrefixRE.MatchString(l) {
			start = i
		}
	}
	if start < 0 {
		if len(logs) == 0 {
			return ""
		}
		start = len(logs) - 1
	}
	var s []string
	for _, l := range logs[start:] {
		s = append(s, trimLog(l))
	}
	return strings.Join(s, " ")
}
