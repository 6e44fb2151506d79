package main

// TEMPORARY: this file is a private, minimal parser of the container's log
// markers (CONTRACTS.md §4, plus the ` encoding=base64` begin-line option of
// the container branch's internal/logfile for binary files such as quotes),
// written before internal/logfile was merged. At merge, point extractFiles
// at logfile.Parse (same signature on []byte; logFile becomes logfile.File)
// and delete this file.

import (
	"bufio"
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// logFile is one file rebuilt from a log.
type logFile struct {
	Name string
	Data []byte
}

// extractFiles rebuilds every file printed between marker lines in a log.
// It is the one seam to internal/logfile.
var extractFiles = func(log []byte) ([]logFile, error) { return parseMarkers(bytes.NewReader(log)) }

const (
	beginPrefix = "==> teebench-begin "
	endPrefix   = "==> teebench-end "
	markSuffix  = " <=="
)

// parseMarkers reads `==> teebench-begin NAME sha512=HEX <==` ...
// `==> teebench-end NAME <==` blocks; the bytes in between are the file.
// A block without its end line, a checksum that does not match or a name
// that is not a plain file name is an error naming the file.
func parseMarkers(r io.Reader) ([]logFile, error) {
	br := bufio.NewReader(r)
	var files []logFile
	var cur *logFile
	var want string
	var encoded bool
	var buf bytes.Buffer
	lineNo := 0
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			lineNo++
			text := strings.TrimSuffix(line, "\n")
			switch {
			case cur == nil && strings.HasPrefix(text, beginPrefix) && strings.HasSuffix(text, markSuffix):
				f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(text, beginPrefix), markSuffix))
				if len(f) < 2 || len(f) > 3 || !strings.HasPrefix(f[1], "sha512=") || len(f) == 3 && f[2] != "encoding=base64" {
					return nil, fmt.Errorf("line %d: malformed begin marker %q", lineNo, text)
				}
				encoded = len(f) == 3
				name := f[0]
				if name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
					return nil, fmt.Errorf("line %d: begin marker names %q, not a plain file name", lineNo, name)
				}
				cur, want = &logFile{Name: name}, strings.TrimPrefix(f[1], "sha512=")
				buf.Reset()
			case cur != nil && text == endPrefix+cur.Name+markSuffix:
				if encoded {
					dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(buf.String(), "\n", ""))
					if err != nil {
						return nil, fmt.Errorf("line %d: %s: base64 block: %w", lineNo, cur.Name, err)
					}
					buf.Reset()
					buf.Write(dec)
				}
				sum := sha512.Sum512(buf.Bytes())
				if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
					return nil, fmt.Errorf("line %d: %s: SHA-512 of the logged bytes is %s…, the begin marker says %s… (log truncated or interleaved)", lineNo, cur.Name, got[:16], want[:min(16, len(want))])
				}
				cur.Data = bytes.Clone(buf.Bytes())
				files = append(files, *cur)
				cur = nil
			case cur != nil:
				buf.WriteString(line)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading log: %w", err)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: begin marker without its end line (log truncated?)", cur.Name)
	}
	return files, nil
}
