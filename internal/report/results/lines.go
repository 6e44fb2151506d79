package results

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/teebench/teebench/internal/benchenv"

	"golang.org/x/perf/benchfmt"
)

// MaxLine is the longest result line read: benchfmt reads lines with a
// bufio.Scanner, whose default limit (64 KiB) would reject the whole file
// for one long line. A longer line is replaced by an empty one (keeping
// the line numbers of the others) and reported as malformed, naming its
// line.
const MaxLine = bufio.MaxScanTokenSize - 1

// lineLimiter passes a stream through line by line, blanking lines longer
// than MaxLine and recording them.
type lineLimiter struct {
	r    *bufio.Reader
	path string
	line int
	buf  []byte
	long []error
	err  error
	// runInfo collects the file's `# run key: value` lines
	// (benchenv.RunInfoLine), which benchfmt skips as comments.
	runInfo map[string]string
	// runKeys are runInfo's keys in order of first appearance.
	runKeys []string
}

func newLineLimiter(r io.Reader, path string) *lineLimiter {
	return &lineLimiter{r: bufio.NewReaderSize(r, 64<<10), path: path}
}

// Read fills p from the pending line, reading the next one when needed.
func (l *lineLimiter) Read(p []byte) (int, error) {
	for len(l.buf) == 0 {
		if err := l.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

// next reads one line (with its newline) into buf: an empty line when it
// is too long, and without the carriage return of a CRLF line ending.
func (l *lineLimiter) next() error {
	var line []byte
	n := 0
	for {
		frag, err := l.r.ReadSlice('\n')
		n += len(frag)
		if len(line) <= MaxLine+1 { // memory stays bounded for a huge line
			line = append(line, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			l.err = fmt.Errorf("reading line %d: %w", l.line+1, err)
			return l.err
		}
		break
	}
	if n == 0 {
		return io.EOF
	}
	l.line++
	length := n
	if line[len(line)-1] == '\n' {
		length--
		if length > 0 && len(line) >= 2 && line[len(line)-2] == '\r' {
			line = append(line[:len(line)-2], '\n')
			length--
		}
	}
	if bytes.HasPrefix(line, []byte(benchenv.RunInfoPrefix)) {
		if k, v, ok := benchenv.ParseRunInfo(string(line)); ok {
			if l.runInfo == nil {
				l.runInfo = map[string]string{}
			}
			if _, seen := l.runInfo[k]; !seen {
				l.runKeys = append(l.runKeys, k)
				l.runInfo[k] = v
			} else if l.runInfo[k] != v && !strings.Contains(l.runInfo[k], v) {
				l.runInfo[k] += ", " + v
			}
		}
	}
	if length > MaxLine {
		l.long = append(l.long, &benchfmt.SyntaxError{FileName: l.path, Line: l.line,
			Msg: fmt.Sprintf("line too long (%d bytes, at most %d)", length, MaxLine)})
		line = []byte("\n")
	}
	l.buf = line
	return nil
}
