package logfile

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"io"
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
	}{{"r.txt", text}, {"r.txt.quote", quote}, {"n.txt", noNL}, {"empty.md", nil}} {
		if err := Write(&log, f.name, f.data); err != nil {
			t.Fatal(err)
		}
		log.WriteString("between blocks\n")
	}
	if !strings.Contains(log.String(), "\n"+string(text)+endPrefix+"r.txt token=") {
		t.Error("the text file is not printed verbatim")
	}
	if !strings.Contains(log.String(), "r.txt.quote sha512=") || !strings.Contains(log.String(), " encoding=base64 token=") {
		t.Error("the binary quote is not marked base64")
	}
	files, err := Parse(log.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"r.txt": text, "r.txt.quote": quote, "n.txt": noNL, "empty.md": nil}
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
	WriteToken(&block, testToken, "r.txt", text)
	good := block.String()
	for _, c := range []struct {
		name, log, want string
	}{
		{"truncated", good[:len(good)-len(EndLine("r.txt", testToken))-1], "no end marker: the log is truncated"},
		{"changed byte", strings.Replace(good, "tee: tdx", "tee: tdX", 1), "SHA-512 of the"},
		{"interleaved line", strings.Replace(good, "tee: tdx\n", "tee: tdx\nstderr noise\n", 1), "SHA-512 of the"},
		{"bad hash", strings.Replace(good, "sha512=", "sha512=zz", 1), "not 128 hex digits"},
		{"path name", strings.ReplaceAll(good, "r.txt", "../r.txt"), "not an allowed file name"},
		{"unknown encoding", strings.Replace(good, " <==\n", " encoding=gzip <==\n", 1), "unknown"},
		{"two versions", good + strings.Replace(good, "sha512=", "sha512=", 1) + func() string {
			var b bytes.Buffer
			Write(&b, "r.txt", []byte("other\n"))
			return b.String()
		}(), "duplicate names are refused"},
	} {
		_, err := Parse([]byte(c.log))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if err := Write(&block, "a/b.txt", nil); err == nil {
		t.Error("Write accepted a name with a slash")
	}
}

const testToken = "0123456789abcdef0123456789abcdef"

// block returns the old-form (tokenless) block of name holding data, as
// logs written before tokens existed carry it: crafted logs use it.
func oldBlock(name string, data []byte) string {
	return BeginLine(name, "", data) + "\n" + string(data) + EndLine(name, "") + "\n"
}

// TestAttackNames: a crafted log named a block pwn_test.go, go.work,
// .bashrc, -rf or a name with a terminal escape, and the old checkName
// accepted each (attack 2 of issue 28).
func TestAttackNames(t *testing.T) {
	for _, name := range []string{"pwn_test.go", "go.work", ".bashrc", "-rf", "x\x1b[2J.txt", "r.txt.sh", "Makefile", ".txt"} {
		data := []byte("package x\n")
		log := oldBlock(name, data)
		if files, err := Parse([]byte(log)); err == nil {
			t.Errorf("%q: parsed as %d file(s) without error", name, len(files))
		}
		if err := Write(io.Discard, name, data); err == nil {
			t.Errorf("%q: Write accepted it", name)
		}
	}
	for _, name := range []string{"h-tdx-1.txt", "h.skips.tsv", "h.txt.quote", "h.txt.eventlog.json", "h.txt.dstack-info.json",
		"h.txt.attestation", "h.txt.gpu-evidence", "h.txt.bind", "h.txt.collateral.json", "h.md"} {
		if err := CheckName(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestAttackSmuggledBlock: a text file that holds its own end line and a
// further block. Old form: the outer block's hash fails, so Parse fails (and
// callers write nothing). New form: Write base64-encodes such a file, and
// the token keeps any end line inside content from ending the block.
func TestAttackSmuggledBlock(t *testing.T) {
	inner := oldBlock("r.txt.dstack-info.json", []byte("{\"compose_hash\":\"forged\"}\n"))
	content := []byte("tee: tdx\n" + EndLine("r.txt", "") + "\n" + inner + "more\n")
	if files, err := Parse([]byte(oldBlock("r.txt", content))); err == nil {
		t.Errorf("old form: the smuggled block parsed cleanly: %d files", len(files))
	}
	var b bytes.Buffer
	if err := Write(&b, "r.txt", content); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "encoding=base64") {
		t.Error("a file with marker lines was printed verbatim")
	}
	files, err := Parse(b.Bytes())
	if err != nil || len(files) != 1 || !bytes.Equal(files[0].Data, content) {
		t.Errorf("new form: %d files, %v", len(files), err)
	}
	// Even verbatim (a writer that did not escape it), a tokened block
	// only ends at its own token's end line.
	forced := BeginLine("r.txt", testToken, content)
	forced = strings.Replace(forced, " encoding=base64", "", 1) + "\n" + string(content) + EndLine("r.txt", testToken) + "\n"
	files, err = Parse([]byte(forced))
	if err != nil || len(files) != 1 || !bytes.Equal(files[0].Data, content) {
		t.Errorf("verbatim with token: %d files, %v", len(files), err)
	}
}

// TestDuplicates: one name twice is an error, unless it is the same block
// (same token and bytes) repeated, as from a log fetched twice.
func TestDuplicates(t *testing.T) {
	var a, b bytes.Buffer
	WriteToken(&a, testToken, "r.txt", []byte("one\n"))
	WriteToken(&b, "fedcba9876543210fedcba9876543210", "r.txt", []byte("one\n"))
	if _, err := Parse([]byte(a.String() + a.String())); err != nil {
		t.Errorf("same block twice: %v", err)
	}
	if _, err := Parse([]byte(a.String() + b.String())); err == nil {
		t.Error("same bytes under two tokens: no error")
	}
	old := oldBlock("r.txt", []byte("one\n"))
	if _, err := Parse([]byte(old + old)); err == nil {
		t.Error("old-form block twice: no error")
	}
}

// FuzzParse: Parse never panics, and whatever it accepts has allowed names
// and bytes that hash to the named SHA-512.
func FuzzParse(f *testing.F) {
	var b bytes.Buffer
	WriteToken(&b, testToken, "r.txt", []byte("tee: tdx\nBenchmarkX 1 2 ns/op\n"))
	WriteToken(&b, testToken, "r.txt.quote", []byte{0, 1, 2, 3})
	f.Add(b.Bytes())
	f.Add([]byte(oldBlock("r.txt", []byte("a\n"))))
	f.Add([]byte(oldBlock("pwn_test.go", []byte("package x\n"))))
	f.Add([]byte("==> teebench-begin r.txt sha512=00 <==\n"))
	f.Fuzz(func(t *testing.T, log []byte) {
		files, err := Parse(log)
		if err != nil {
			return
		}
		for _, fl := range files {
			if CheckName(fl.Name) != nil {
				t.Fatalf("accepted name %q", fl.Name)
			}
			sum := sha512.Sum512(fl.Data)
			if hex.EncodeToString(sum[:]) != fl.SHA512 {
				t.Fatalf("%s: data does not hash to its SHA-512", fl.Name)
			}
		}
	})
}
