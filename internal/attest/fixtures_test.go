package attest

import (
	"bytes"
	"crypto/sha512"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/teebench/teebench/internal/tee"
	"github.com/teebench/teebench/internal/tee/tdxtest"
)

// The fixtures under testdata/ are what `go run ./scripts/verify` is shown
// on. Regenerate them (fresh test keys) with
//
//	go test ./internal/attest -run TestWriteFixtures -update
var update = flag.Bool("update", false, "rewrite the fixtures under testdata/")

const fixtureText = "teebench attest fixture: a stand-in result file, not a measurement\n" +
	"goos: linux\ngoarch: amd64\ntee: tdx\n"

func TestWriteFixtures(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/")
	}
	pck := tdxtest.NewPCK(t)
	file := []byte(fixtureText)
	tampered := bytes.Clone(file)
	tampered[len(tampered)-2] = 'X' // "tee: tdx" -> "tee: tdX"
	matching := pck.Quote(t, ReportData(file), false)
	write := func(rel string, b []byte) {
		p := filepath.Join("testdata", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("test-roots.pem", pck.RootPEM)
	write("matching/result.txt", file)
	write("matching/result.txt.quote", matching)
	write("tampered/result.txt", tampered)
	write("tampered/result.txt.quote", matching)
	write("debug/result.txt", file)
	write("debug/result.txt.quote", pck.Quote(t, ReportData(file), true))
	// bound/: a quote made the new way, over a binding list of the file and
	// its skip list.
	skips := []byte("package\tbenchmark\treason\ncpu_bench\tBenchmarkX\tfixture: not a measurement\n")
	write("bound/result.txt", file)
	write("bound/result.skips.tsv", skips)
	list := (&BindList{Entries: []BindEntry{{Name: "result.txt", SHA512: sha512.Sum512(file)}, {Name: "result.skips.tsv", SHA512: sha512.Sum512(skips)}}}).Marshal()
	write("bound/result.txt.bind", list)
	write("bound/result.txt.quote", pck.Quote(t, sha512.Sum512(list), false))
	write("intel-sample/result.txt", file)
	write("intel-sample/result.txt.quote", tdxtest.SampleQuote())
}

func fixture(t *testing.T, dir string) (file, quote []byte) {
	t.Helper()
	file, err := os.ReadFile(filepath.Join("testdata", dir, "result.txt"))
	if err != nil {
		t.Fatal(err)
	}
	quote, err = os.ReadFile(filepath.Join("testdata", dir, "result.txt.quote"))
	if err != nil {
		t.Fatal(err)
	}
	return file, quote
}

func TestFixtures(t *testing.T) {
	roots, err := tee.LoadRoots(filepath.Join("testdata", "test-roots.pem"))
	if err != nil {
		t.Fatal(err)
	}
	test := VerifyOptions{Roots: roots, AllowTestRoot: true}

	file, q := fixture(t, "matching")
	if err := Verify(file, q, test).Err(); err != nil {
		t.Errorf("matching: %v", err)
	}
	if r := Verify(file, q, VerifyOptions{}); !errors.Is(r.Signature, ErrSignature) || r.Binding != nil {
		t.Errorf("matching under Intel's root: signature=%v binding=%v; want signature failure only", r.Signature, r.Binding)
	}

	tfile, tq := fixture(t, "tampered")
	if !bytes.Equal(tq, q) || len(tfile) != len(file) {
		t.Fatal("tampered fixture is not the matching pair with one changed byte")
	}
	diff := 0
	for i := range file {
		if file[i] != tfile[i] {
			diff++
		}
	}
	if r := Verify(tfile, tq, test); diff != 1 || r.Signature != nil || r.Debug != nil || !errors.Is(r.Binding, ErrReportData) {
		t.Errorf("tampered (%d bytes differ): %v; want a report-data mismatch only", diff, r.Err())
	}

	dfile, dq := fixture(t, "debug")
	if r := Verify(dfile, dq, test); r.Signature != nil || r.Binding != nil || !errors.Is(r.Debug, ErrDebugTD) {
		t.Errorf("debug: %v; want the debug-TD failure only", r.Err())
	}
	if err := Verify(dfile, dq, VerifyOptions{Roots: roots, AllowTestRoot: true, AllowDebug: true}).Err(); err != nil {
		t.Errorf("debug with AllowDebug: %v", err)
	}

	sfile, sq := fixture(t, "intel-sample")
	if !bytes.Equal(sq, tdxtest.SampleQuote()) {
		t.Error("intel-sample quote is not Intel's sample quote (tdxtest.SampleQuote)")
	}
	if r := Verify(sfile, sq, VerifyOptions{Now: sampleTime}); r.Signature != nil || !errors.Is(r.Binding, ErrReportData) {
		t.Errorf("intel-sample: signature=%v binding=%v; want chain ok, binding failure", r.Signature, r.Binding)
	}
}
