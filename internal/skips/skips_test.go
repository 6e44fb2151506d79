package skips

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRoundTrip: what the writer writes the reader reads back, one line
// per entry (duplicates written once), fields cleaned of tabs and
// newlines; Append adds to a list with its header written once.
func TestRoundTrip(t *testing.T) {
	p := Path(filepath.Join(t.TempDir(), "r.txt"))
	if !strings.HasSuffix(p, "r.skips.tsv") {
		t.Fatalf("Path: %s", p)
	}
	w, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{Kind: Fail, Package: "llm_bench", Benchmark: "BenchmarkServe", Reason: "a\tb\nc"}
	w.Add(e)
	w.Add(e)
	w.Add(Entry{Kind: Deadline, Package: "io_bench", Reason: "stopped"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Append(p, []Entry{{Kind: Skip, Package: "gpu_bench", Benchmark: "-", Reason: "needs -tags gpu"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	want := Header + "\nfail\tllm_bench\tBenchmarkServe\ta b c\ndeadline\tio_bench\t-\tstopped\nskip\tgpu_bench\t-\tneeds -tags gpu\n"
	if string(b) != want {
		t.Errorf("file:\n%q\nwant:\n%q", b, want)
	}
	es, err := Read(p)
	if err != nil || len(es) != 3 || es[0].Reason != "a b c" || es[1].Benchmark != "-" || es[2].File != p {
		t.Errorf("Read: %+v, %v", es, err)
	}
	fresh := filepath.Join(t.TempDir(), "new.skips.tsv")
	if err := Append(fresh, []Entry{{Kind: Skip, Package: "p", Benchmark: "b", Reason: "r"}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(fresh); string(b) != Header+"\nskip\tp\tb\tr\n" {
		t.Errorf("Append to a new file: %q", b)
	}
}

// TestReadErrors: a missing file is no entries; a wrong header, a short
// line or an unknown kind is an error naming file:line.
func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if es, err := Read(filepath.Join(dir, "none.skips.tsv")); es != nil || err != nil {
		t.Errorf("missing file: %v %v", es, err)
	}
	for body, want := range map[string]string{
		"# other\n":                    "x.skips.tsv:1: not a skips file",
		Header + "\nskip\tp\tb\n":      "x.skips.tsv:2: want kind<TAB>package<TAB>benchmark<TAB>reason, got 3 field(s)",
		Header + "\n\noops\tp\tb\tr\n": `x.skips.tsv:3: unknown kind "oops"`,
	} {
		p := filepath.Join(dir, "x.skips.tsv")
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}

// TestMerge: a joined result file's skip list is its sources' lists in
// order, each entry once per list; a source without a list adds nothing,
// a list left from an earlier join is replaced, no list at all writes
// none, and a malformed source fails naming it.
func TestMerge(t *testing.T) {
	dir := t.TempDir()
	src := func(name, body string) string {
		r := filepath.Join(dir, name+".txt")
		if body != "" {
			if err := os.WriteFile(Path(r), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	a := src("a", Header+"\nskip\tpkg\t-\tv1\nfail\tio_bench\tBenchmarkFio/job=x\tboom\n")
	b := src("b", "")
	c := src("c", Header+"\nskip\tpkg\t-\tv1\n")
	dst := filepath.Join(dir, "joined.txt")
	if err := os.WriteFile(Path(dst), []byte(Header+"\nskip\told\t-\tstale\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Merge(dst, a, b, c); err != nil {
		t.Fatal(err)
	}
	want := Header + "\nskip\tpkg\t-\tv1\nfail\tio_bench\tBenchmarkFio/job=x\tboom\nskip\tpkg\t-\tv1\n"
	if got, _ := os.ReadFile(Path(dst)); string(got) != want {
		t.Errorf("merged:\n%q\nwant:\n%q", got, want)
	}
	if err := Merge(dst, b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Path(dst)); !os.IsNotExist(err) {
		t.Errorf("no source list, yet %s is there (%v)", Path(dst), err)
	}
	bad := src("bad", "# other\n")
	if err := Merge(dst, a, bad); err == nil || !strings.Contains(err.Error(), "bad.skips.tsv:1") {
		t.Errorf("malformed source: %v", err)
	}
}
