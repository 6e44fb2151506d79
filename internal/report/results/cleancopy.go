package results

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/perf/benchfmt"
)

// LongLine is a line of a result file that benchstat cannot read (longer
// than MaxLine).
type LongLine struct {
	File        string
	Line, Bytes int
}

// CleanCopy copies the result file read from r (named path) to w the way
// this package reads it: CRLF line endings become LF and a line longer than
// MaxLine becomes an empty one. It returns those long lines, so that a
// caller handing the copy to benchstat can name them.
func CleanCopy(w io.Writer, r io.Reader, path string) ([]LongLine, error) {
	l := newLineLimiter(r, path)
	if _, err := io.Copy(w, l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []LongLine
	for _, e := range l.long {
		var se *benchfmt.SyntaxError
		if errors.As(e, &se) {
			ll := LongLine{File: se.FileName, Line: se.Line}
			fmt.Sscanf(se.Msg, "line too long (%d bytes", &ll.Bytes)
			out = append(out, ll)
		}
	}
	return out, nil
}
