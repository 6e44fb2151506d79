// Package logfile carries files through a container's log: Write prints a
// file between marker lines, Parse finds those blocks in a log (docker logs,
// dstack's /logs/<container>?text&bare) and gives the files back byte for
// byte, each checked against the SHA-512 its begin line names.
//
// A block is
//
//	==> teebench-begin <basename> sha512=<hex of the file's SHA-512> <==
//	<the file's bytes>
//	==> teebench-end <basename> <==
//
// A file that is UTF-8 text ending in a newline (result files, reports,
// skip lists) is printed verbatim. Any other file (a binary quote, text
// without a final newline) is printed base64-encoded in 76-column lines and
// its begin line says so with ` encoding=base64` before `<==`; the SHA-512
// is always that of the file's own bytes. scripts/entrypoint.sh prints its
// outputs with `fromlog -print`; scripts/fromlog and scripts/fleet rebuild
// them with Parse.
package logfile

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Marker prefixes and suffix of the begin and end lines.
const (
	beginPrefix = "==> teebench-begin "
	endPrefix   = "==> teebench-end "
	suffix      = " <=="
)

// File is one file found in a log.
type File struct {
	// Name is the file's base name.
	Name string
	// Data is the file's bytes.
	Data []byte
	// SHA512 is the hex digest the begin line named (and Data matches).
	SHA512 string
	// Line is the 1-based line of the begin marker in the log.
	Line int
}

// BeginLine returns the begin marker line for a file named name (a base
// name) holding data, without the trailing newline.
func BeginLine(name string, data []byte) string {
	sum := sha512.Sum512(data)
	enc := ""
	if !verbatim(data) {
		enc = " encoding=base64"
	}
	return beginPrefix + name + " sha512=" + hex.EncodeToString(sum[:]) + enc + suffix
}

// EndLine returns the end marker line for name, without the newline.
func EndLine(name string) string { return endPrefix + name + suffix }

// verbatim reports whether data can travel through a log as is: valid UTF-8
// text with no carriage returns or control bytes other than tab and
// newline, ending in a newline (so the end marker starts its own line).
func verbatim(data []byte) bool {
	if len(data) == 0 || data[len(data)-1] != '\n' || !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// checkName rejects names that could escape the output directory.
func checkName(name string) error {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." ||
		strings.ContainsAny(name, "/\\ \t") {
		return fmt.Errorf("logfile: %q is not a plain base name", name)
	}
	return nil
}

// Write prints data as a block named name (a base name) to w.
func Write(w io.Writer, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(BeginLine(name, data) + "\n")
	if verbatim(data) {
		buf.Write(data)
	} else {
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			buf.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		if enc != "" {
			buf.WriteString(enc + "\n")
		}
	}
	buf.WriteString(EndLine(name) + "\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("logfile: writing %s: %w", name, err)
	}
	return nil
}

// begin is a parsed begin line.
type begin struct {
	name, sum string
	base64    bool
}

// parseBegin parses a begin line (without its newline); ok is false for any
// other line. A line that starts like a begin marker but is malformed is an
// error.
func parseBegin(line string) (b begin, ok bool, err error) {
	rest, found := strings.CutPrefix(line, beginPrefix)
	if !found {
		return b, false, nil
	}
	rest, found = strings.CutSuffix(rest, suffix)
	f := strings.Fields(rest)
	if !found || len(f) < 2 || len(f) > 3 || !strings.HasPrefix(f[1], "sha512=") {
		return b, true, fmt.Errorf("malformed begin marker %q", line)
	}
	b.name, b.sum = f[0], strings.TrimPrefix(f[1], "sha512=")
	if len(f) == 3 {
		if f[2] != "encoding=base64" {
			return b, true, fmt.Errorf("begin marker %q: unknown %q", line, f[2])
		}
		b.base64 = true
	}
	if _, err := hex.DecodeString(b.sum); err != nil || len(b.sum) != 2*sha512.Size {
		return b, true, fmt.Errorf("begin marker %q: sha512 is not 128 hex digits", line)
	}
	return b, true, checkName(b.name)
}

// Parse finds every block in log and returns the files in the order they
// appear. Each file's bytes must hash to the SHA-512 its begin line names;
// a log whose lines end in CR LF (a container run with a TTY) is accepted
// when removing those CRs gives the named hash. Parse fails on a begin
// marker without its end marker (a truncated log), a hash mismatch, or one
// name carried twice with different bytes (the same bytes twice, from a
// log read twice, give one File).
func Parse(log []byte) ([]File, error) {
	var (
		files []File
		errs  []error
		cur   *begin
		start int // byte offset of the current block's content
		line  int // 1-based number of the line being read
		bline int // line of the current begin marker
	)
	seen := map[string]int{} // name -> index in files
	for off := 0; off < len(log); {
		line++
		end := bytes.IndexByte(log[off:], '\n')
		next := len(log)
		if end >= 0 {
			next = off + end + 1
		}
		text := strings.TrimRight(string(log[off:next]), "\r\n")
		if cur == nil {
			b, ok, err := parseBegin(text)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("logfile: line %d: %w", line, err))
			case ok:
				cur, start, bline = &b, next, line
			}
		} else if text == EndLine(cur.name) {
			f, err := decode(*cur, log[start:off], bline)
			if err != nil {
				errs = append(errs, err)
			} else if i, dup := seen[f.Name]; dup {
				if !bytes.Equal(files[i].Data, f.Data) {
					errs = append(errs, fmt.Errorf("logfile: %s appears at lines %d and %d with different contents", f.Name, files[i].Line, f.Line))
				}
			} else {
				seen[f.Name] = len(files)
				files = append(files, f)
			}
			cur = nil
		}
		off = next
	}
	if cur != nil {
		errs = append(errs, fmt.Errorf("logfile: %s (begin marker at line %d) has no end marker: the log is truncated", cur.name, bline))
	}
	return files, errors.Join(errs...)
}

// decode turns a block's content into a File, checking its hash.
func decode(b begin, content []byte, line int) (File, error) {
	f := File{Name: b.name, SHA512: b.sum, Line: line}
	var candidates [][]byte
	if b.base64 {
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(content)), ""))
		if err != nil {
			return f, fmt.Errorf("logfile: %s (line %d): base64: %w", b.name, line, err)
		}
		candidates = [][]byte{data}
	} else {
		candidates = [][]byte{content, bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))}
	}
	for _, data := range candidates {
		sum := sha512.Sum512(data)
		if hex.EncodeToString(sum[:]) == b.sum {
			f.Data = data
			return f, nil
		}
	}
	got := sha512.Sum512(candidates[0])
	return f, fmt.Errorf("logfile: %s (line %d): SHA-512 of the %d bytes between the markers is %s…, the begin marker says %s…",
		b.name, line, len(candidates[0]), hex.EncodeToString(got[:8]), b.sum[:16])
}
