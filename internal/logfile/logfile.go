// Package logfile carries files through a container's log: Write prints a
// file between marker lines, Parse finds those blocks in a log (docker logs,
// dstack's /logs/<container>?text&bare) and gives the files back byte for
// byte, each checked against the SHA-512 its begin line names.
//
// A block is
//
//	==> teebench-begin <basename> sha512=<hex of the file's SHA-512> token=<hex> <==
//	<the file's bytes>
//	==> teebench-end <basename> token=<hex> <==
//
// The token is random, chosen after the files were written (one per
// `fromlog -print` run), so no file's content can hold its own block's end
// line: a block ends only at the end line that carries its token. Blocks
// written before tokens existed (no token= field) are still read: a text
// file holding its own end line then loses the rest of its bytes, its
// SHA-512 no longer matches, and Parse fails the whole log (callers write
// nothing from a log that fails). Write never prints a file verbatim when a
// line of it starts with "==> teebench-", whatever the token.
//
// Names are allow-listed (NameRE and one of Suffixes): a log cannot plant a
// Go file, a dot-file or a name with control characters in the output
// directory.
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
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Marker prefixes and suffix of the begin and end lines.
const (
	beginPrefix  = "==> teebench-begin "
	endPrefix    = "==> teebench-end "
	suffix       = " <=="
	markerPrefix = "==> teebench-"
)

// NameRE is what a carried file's base name must match (besides ending in
// one of Suffixes).
var NameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Suffixes are the endings of the files the suite writes and carries
// through a log: result files, reports, skip lists, and a result's side
// files (internal/attest and internal/tee name them; TestTEESuffixes checks
// every Kind's evidence is here). Anything else (.go, go.work, dot-files)
// is refused.
var Suffixes = []string{".txt", ".md", ".skips.tsv", ".quote", ".eventlog.json",
	".dstack-info.json", ".attestation", ".gpu-evidence", ".bind", ".collateral.json",
	".snp-report", ".snp-certs", ".dstack-mr-config.json"}

// tokenRE is a block token: 32 lowercase hex digits.
var tokenRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// NewToken returns a fresh random block token. Choose it after the files to
// print are final, so that none of them can contain it.
func NewToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("logfile: token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

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
	// Token is the block's token ("" in a block of the old form).
	Token string
}

// BeginLine returns the begin marker line for a file named name (a base
// name) holding data, with token ("" for the old form without one), without
// the trailing newline.
func BeginLine(name, token string, data []byte) string {
	sum := sha512.Sum512(data)
	enc := ""
	if !verbatim(data) {
		enc = " encoding=base64"
	}
	return beginPrefix + name + " sha512=" + hex.EncodeToString(sum[:]) + enc + tokenField(token) + suffix
}

// EndLine returns the end marker line for name and token ("" for the old
// form), without the newline.
func EndLine(name, token string) string { return endPrefix + name + tokenField(token) + suffix }

func tokenField(token string) string {
	if token == "" {
		return ""
	}
	return " token=" + token
}

// verbatim reports whether data can travel through a log as is: valid UTF-8
// text with no carriage returns or control bytes other than tab and
// newline, ending in a newline (so the end marker starts its own line), and
// no line that starts like a marker.
func verbatim(data []byte) bool {
	if len(data) == 0 || data[len(data)-1] != '\n' || !utf8.Valid(data) {
		return false
	}
	if bytes.HasPrefix(data, []byte(markerPrefix)) || bytes.Contains(data, []byte("\n"+markerPrefix)) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// CheckName rejects a name that is not a plain base name matching NameRE
// and ending in one of Suffixes.
func CheckName(name string) error {
	if !NameRE.MatchString(name) {
		return fmt.Errorf("logfile: %q is not an allowed file name (want %s)", name, NameRE)
	}
	for _, s := range Suffixes {
		if strings.HasSuffix(name, s) && len(name) > len(s) {
			return nil
		}
	}
	return fmt.Errorf("logfile: %q does not end in one of the suite's suffixes (%s); refused", name, strings.Join(Suffixes, " "))
}

// Write prints data as a block named name (a base name) to w, with a fresh
// token (NewToken) chosen now, after data is fixed.
func Write(w io.Writer, name string, data []byte) error {
	token, err := NewToken()
	if err != nil {
		return err
	}
	return WriteToken(w, token, name, data)
}

// WriteToken prints data as a block named name with the given token (from
// NewToken, chosen after every file it marks was final).
func WriteToken(w io.Writer, token, name string, data []byte) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if !tokenRE.MatchString(token) {
		return fmt.Errorf("logfile: token %q is not 32 hex digits", token)
	}
	var buf bytes.Buffer
	buf.WriteString(BeginLine(name, token, data) + "\n")
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
	buf.WriteString(EndLine(name, token) + "\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("logfile: writing %s: %w", name, err)
	}
	return nil
}

// begin is a parsed begin line.
type begin struct {
	name, sum, token string
	base64           bool
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
	if !found || len(f) < 2 || len(f) > 4 || !strings.HasPrefix(f[1], "sha512=") {
		return b, true, fmt.Errorf("malformed begin marker %q", line)
	}
	b.name, b.sum = f[0], strings.TrimPrefix(f[1], "sha512=")
	for i, x := range f[2:] {
		switch t, isToken := strings.CutPrefix(x, "token="); {
		case x == "encoding=base64" && i == 0 && !b.base64:
			b.base64 = true
		case isToken && b.token == "" && i == len(f)-3:
			if !tokenRE.MatchString(t) {
				return b, true, fmt.Errorf("begin marker %q: token is not 32 hex digits", line)
			}
			b.token = t
		default:
			return b, true, fmt.Errorf("begin marker %q: unknown %q", line, x)
		}
	}
	if _, err := hex.DecodeString(b.sum); err != nil || len(b.sum) != 2*sha512.Size {
		return b, true, fmt.Errorf("begin marker %q: sha512 is not 128 hex digits", line)
	}
	return b, true, CheckName(b.name)
}

// Parse finds every block in log and returns the files in the order they
// appear. Each file's bytes must hash to the SHA-512 its begin line names;
// a log whose lines end in CR LF (a container run with a TTY) is accepted
// when removing those CRs gives the named hash. Parse fails on a name that
// CheckName refuses, a begin marker without its end marker (a truncated
// log), a hash mismatch, or one name carried twice, unless it is the very
// same block again (same token and bytes: a log fetched twice and
// concatenated), which gives one File. On any error the files it returns
// must not be written: callers write all or nothing.
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
		} else if text == EndLine(cur.name, cur.token) {
			f, err := decode(*cur, log[start:off], bline)
			if err != nil {
				errs = append(errs, err)
			} else if i, dup := seen[f.Name]; dup {
				if !bytes.Equal(files[i].Data, f.Data) || files[i].Token != f.Token || f.Token == "" {
					errs = append(errs, fmt.Errorf("logfile: %s appears twice (lines %d and %d) and not as the same block repeated: duplicate names are refused", f.Name, files[i].Line, f.Line))
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
	f := File{Name: b.name, SHA512: b.sum, Line: line, Token: b.token}
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
