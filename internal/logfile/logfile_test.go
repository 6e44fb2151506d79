package logfile

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// realResult is internal/attest's result-file fixture (text ending in a
// newline): it travels verbatim.
func realResult(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../attest/testdata/matching/result.txt")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	text := realResult(t)
	quote, err := os.ReadFile("../attest/testdata/intel-sample/result.txt.quote")
	if err != nil {
		t.Fatal(err)
	}
	noNL := []byte("no final newline")
	var log bytes.Buffer
	log.WriteString("bench.sh: some progress on stderr\n")
	for _, f := range []struct {
		name string
		data []byte
	}{{"r.txt", text}, {"r.txt.quote", quote}, {"n.txt", noNL}, {"empty", nil}} {
		if err := Write(&log, f.name, f.data); err != nil {
			t.Fatal(err)
		}
		log.WriteString("between blocks\n")
	}
	if !strings.Contains(log.String(), "\n"+string(text)+EndLine("r.txt")+"\n") {
		t.Error("the text file is not printed verbatim")
	}
	if !strings.Contains(log.String(), "r.txt.quote sha512=") || !strings.Contains(log.String(), " encoding=base64 <==\n") {
		t.Error("the binary quote is not marked base64")
	}
	files, err := Parse(log.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"r.txt": text, "r.txt.quote": quote, "n.txt": noNL, "empty": nil}
	if len(files) != len(want) {
		t.Fatalf("got %d files, want %d", len(files), len(want))
	}
	for _, f := range files {
		if !bytes.Equal(f.Data, want[f.Name]) {
			t.Errorf("%s: got %d bytes, want %d", f.Name, len(f.Data), len(want[f.Name]))
		}
	}
	if files[0].Line != 2 {
		t.Errorf("first begin marker at line %d, want 2", files[0].Line)
	}

	// Read twice (a log fetched twice and concatenated): one copy each.
	twice := append(append([]byte{}, log.Bytes()...), log.Bytes()...)
	if files, err := Parse(twice); err != nil || len(files) != 4 {
		t.Errorf("log twice: %d files, %v", len(files), err)
	}
	// A TTY turns LF into CR LF: still accepted.
	crlf := bytes.ReplaceAll(log.Bytes(), []byte("\n"), []byte("\r\n"))
	if files, err := Parse(crlf); err != nil || !bytes.Equal(files[0].Data, text) {
		t.Errorf("CR LF log: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	text := realResult(t)
	var block bytes.Buffer
	Write(&block, "r.txt", text)
	good := block.String()
	for _, c := range []struct {
		name, log, want string
	}{
		{"truncated", good[:len(good)-len(EndLine("r.txt"))-1], "no end marker: the log is truncated"},
		{"changed byte", strings.Replace(good, "tee: tdx", "tee: tdX", 1), "SHA-512 of the"},
		{"interleaved line", strings.Replace(good, "tee: tdx\n", "tee: tdx\nstderr noise\n", 1), "SHA-512 of the"},
		{"bad hash", strings.Replace(good, "sha512=", "sha512=zz", 1), "not 128 hex digits"},
		{"path name", strings.ReplaceAll(good, "r.txt", "../r.txt"), "not a plain base name"},
		{"unknown encoding", strings.Replace(good, " <==\n", " encoding=gzip <==\n", 1), "unknown"},
		{"two versions", good + strings.Replace(good, "sha512=", "sha512=", 1) + func() string {
			var b bytes.Buffer
			Write(&b, "r.txt", []byte("other\n"))
			return b.String()
		}(), "different contents"},
	} {
		_, err := Parse([]byte(c.log))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if err := Write(&block, "a/b", nil); err == nil {
		t.Error("Write accepted a name with a slash")
	}
}
