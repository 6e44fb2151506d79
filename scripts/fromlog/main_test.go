package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/logfile"
)

const fixtures = "../../internal/attest/testdata/"

// logOf prints files with -print, as the container does, between other
// log lines.
func logOf(t *testing.T, files ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"-print"}, files...), nil, &out, &errb); code != 0 {
		t.Fatalf("-print: exit %d: %s", code, errb.String())
	}
	return append([]byte("bench.sh: results in /results/x.txt\n"), append(out.Bytes(), "entrypoint: done\n"...)...)
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	// The matching fixture under another name: its .quote travels as base64.
	for _, n := range []string{"result.txt", "result.txt.quote"} {
		b, _ := os.ReadFile(fixtures + "matching/" + n)
		os.WriteFile(filepath.Join(dir, strings.Replace(n, "result", "host-tdx-1", 1)), b, 0o644)
	}
	src := filepath.Join(dir, "host-tdx-1.txt")
	log := filepath.Join(dir, "run.log")
	os.WriteFile(log, logOf(t, src, src+".quote"), 0o644)

	out := filepath.Join(dir, "rebuilt")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-o", out, log}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, n := range []string{"host-tdx-1.txt", "host-tdx-1.txt.quote"} {
		a, _ := os.ReadFile(filepath.Join(dir, n))
		b, err := os.ReadFile(filepath.Join(out, n))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s not rebuilt byte for byte: %v", n, err)
		}
	}
	if !strings.Contains(stdout.String(), "host-tdx-1.txt: binding ok") {
		t.Errorf("no binding line:\n%s", stdout.String())
	}
	// Again from stdin: the same bytes are already there.
	stdout.Reset()
	lb, _ := os.ReadFile(log)
	if code := run([]string{"-o", out, "-"}, bytes.NewReader(lb), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "already there") {
		t.Errorf("second run from stdin: exit %d\n%s", code, stdout.String())
	}
}

func TestFailures(t *testing.T) {
	dir := t.TempDir()
	good := logOf(t, fixtures+"matching/result.txt")
	tampered := logOf(t, fixtures+"tampered/result.txt", fixtures+"tampered/result.txt.quote")
	for _, c := range []struct {
		name string
		log  []byte
		want string
	}{
		{"no blocks", []byte("nothing here\n"), "no teebench-begin"},
		{"truncated", good[:len(good)-40], "truncated"},
		{"changed", bytes.Replace(good, []byte("tee: tdx"), []byte("tee: tdX"), 1), "SHA-512 of the"},
		{"unbound quote", tampered, "binding FAIL: report data does not match"},
	} {
		var out bytes.Buffer
		code := run([]string{"-o", filepath.Join(dir, c.name), "-"}, bytes.NewReader(c.log), &out, &out)
		if code != 1 || !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: exit %d, want 1 with %q:\n%s", c.name, code, c.want, out.String())
		}
	}
	// Never overwrite other bytes without -f.
	os.WriteFile(filepath.Join(dir, "result.txt"), []byte("other\n"), 0o644)
	var out bytes.Buffer
	if code := run([]string{"-o", dir, "-"}, bytes.NewReader(good), &out, &out); code != 1 || !strings.Contains(out.String(), "not overwriting") {
		t.Errorf("overwrite: exit %d\n%s", code, out.String())
	}
	if code := run([]string{"-f", "-o", dir, "-"}, bytes.NewReader(good), &out, &out); code != 0 {
		t.Errorf("-f: exit %d\n%s", code, out.String())
	}
	if code := run(nil, nil, &out, &out); code != 2 {
		t.Errorf("no args: exit %d", code)
	}
}

// oldBlock is a tokenless block (the form logs had before tokens): what a
// crafted log uses.
func oldBlock(name string, data []byte) []byte {
	return []byte(logfile.BeginLine(name, "", data) + "\n" + string(data) + logfile.EndLine(name, "") + "\n")
}

// empty fails unless dir is absent or holds no file.
func empty(t *testing.T, dir string) {
	t.Helper()
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v; want nothing written", dir, names)
	}
}

// TestAttack2PlantGoFile: a block named pwn_test.go with a correct SHA-512
// used to be written to the output directory (and `go test ./...` then ran
// its init()). Now fromlog exits non-zero and writes nothing, not even the
// good file beside it.
func TestAttack2PlantGoFile(t *testing.T) {
	res, _ := os.ReadFile(fixtures + "matching/result.txt")
	pwn := []byte("package results\n\nfunc init() { panic(\"pwned\") }\n")
	for _, name := range []string{"pwn_test.go", "go.work", ".bashrc", "-rf"} {
		log := append(oldBlock("r.txt", res), oldBlock(name, pwn)...)
		dir := filepath.Join(t.TempDir(), "out")
		var out bytes.Buffer
		if code := run([]string{"-o", dir, "-"}, bytes.NewReader(log), &out, &out); code == 0 || !strings.Contains(out.String(), "nothing written") {
			t.Errorf("%s: exit %d\n%s", name, code, out.String())
		}
		empty(t, dir)
	}
}

// TestAttack2SmuggledBlock: a text file holding its own end line and a
// further block used to lose its block, and the smuggled block was
// written. Now the log fails as a whole and nothing is written.
func TestAttack2SmuggledBlock(t *testing.T) {
	inner := oldBlock("r.txt.dstack-info.json", []byte("{\"compose_hash\":\"forged\"}\n"))
	content := append(append([]byte("tee: tdx\n"+logfile.EndLine("r.txt", "")+"\n"), inner...), "rest\n"...)
	dir := filepath.Join(t.TempDir(), "out")
	var out bytes.Buffer
	if code := run([]string{"-o", dir, "-"}, bytes.NewReader(oldBlock("r.txt", content)), &out, &out); code != 1 {
		t.Errorf("exit %d\n%s", code, out.String())
	}
	empty(t, dir)
	// Printed by -print today, the same file travels intact.
	src := filepath.Join(t.TempDir(), "r.txt")
	os.WriteFile(src, content, 0o644)
	out.Reset()
	if code := run([]string{"-o", dir, "-"}, bytes.NewReader(logOf(t, src)), &out, &out); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "r.txt")); !bytes.Equal(b, content) {
		t.Error("r.txt not rebuilt byte for byte")
	}
	if _, err := os.Stat(filepath.Join(dir, "r.txt.dstack-info.json")); err == nil {
		t.Error("the smuggled block was written")
	}
}

// TestAttack2DuplicateWritesNothing: one name twice with different bytes
// was an error, yet the first copy was written.
func TestAttack2DuplicateWritesNothing(t *testing.T) {
	log := append(oldBlock("r.txt", []byte("one\n")), oldBlock("r.txt", []byte("two\n"))...)
	dir := filepath.Join(t.TempDir(), "out")
	var out bytes.Buffer
	if code := run([]string{"-o", dir, "-"}, bytes.NewReader(log), &out, &out); code != 1 || !strings.Contains(out.String(), "duplicate") {
		t.Errorf("exit %d\n%s", code, out.String())
	}
	empty(t, dir)
}

// TestPrintOneToken: -print marks every block of a run with one token.
func TestPrintOneToken(t *testing.T) {
	log := string(logOf(t, fixtures+"matching/result.txt", fixtures+"matching/result.txt.quote"))
	tokens := map[string]bool{}
	for _, l := range strings.Split(log, "\n") {
		if i := strings.Index(l, "token="); i >= 0 {
			tokens[l[i+6:i+6+32]] = true
		}
	}
	if len(tokens) != 1 {
		t.Errorf("tokens in one -print run: %v", tokens)
	}
}
