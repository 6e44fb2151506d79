package reftool

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/sevenzip"
)

func readSevenZipFixture(t *testing.T, name string) *SevenZipResult {
	t.Helper()
	out, err := os.ReadFile(filepath.Join("testdata", "7zz", name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseSevenZipBench(out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// TestParseSevenZipBench checks the parser on real `7zz b` output (commands
// in testdata/7zz/README.md) against values read off the files by eye.
func TestParseSevenZipBench(t *testing.T) {
	res := readSevenZipFixture(t, "b-mmt1.txt")
	if res.Version != "26.02" || res.Threads != 1 {
		t.Errorf("version %q threads %d, want 26.02 and 1", res.Version, res.Threads)
	}
	if len(res.Rows) != 4 {
		t.Fatalf("got %d rows, want 4 (dict 22..25)", len(res.Rows))
	}
	// 22:       3955    98   3942   3848  |      55543   100   4749   4742
	want0 := SevenZipRow{DictLog: 22,
		Compress:   SevenZipRate{3955, 98, 3942, 3848},
		Decompress: SevenZipRate{55543, 100, 4749, 4742}}
	if res.Rows[0] != want0 {
		t.Errorf("row 0 = %+v, want %+v", res.Rows[0], want0)
	}
	if res.Rows[3].DictLog != 25 || res.Rows[3].Decompress.RatingMIPS != 4389 {
		t.Errorf("row 3 = %+v, want dict 25 with decompress rating 4389", res.Rows[3])
	}
	// Avr:      3410    99   3591   3569  |      52316    99   4604   4558
	// Tot:              99   4097   4063
	wantAvr := SevenZipRow{Compress: SevenZipRate{3410, 99, 3591, 3569}, Decompress: SevenZipRate{52316, 99, 4604, 4558}}
	if res.Avr != wantAvr {
		t.Errorf("Avr = %+v, want %+v", res.Avr, wantAvr)
	}
	if res.Tot != (SevenZipTotal{99, 4097, 4063}) {
		t.Errorf("Tot = %+v, want {99 4097 4063}", res.Tot)
	}
	if got := res.Avr.Compress.BytesPerSec(); got != 3410*1024 {
		t.Errorf("compress B/s = %v, want %v", got, 3410*1024)
	}

	for name, want := range map[string]struct{ threads, rows int }{
		"b-mmt2-mtic32.txt":        {2, 4},
		"b-mmt4-md22-mtic30.txt":   {4, 1},
		"b-2-mmt1-md22-mtic30.txt": {1, 2},
		"b-1-mmt1-md22.txt":        {1, 1},
	} {
		res := readSevenZipFixture(t, name)
		if res.Threads != want.threads || len(res.Rows) != want.rows {
			t.Errorf("%s: threads %d rows %d, want %d and %d", name, res.Threads, len(res.Rows), want.threads, want.rows)
		}
	}
}

// TestSevenZipAvrTot checks, on every fixture, the semantics docs/methods.md §2
// gives for the Avr: and Tot: rows: Avr is each column's mean over the rows,
// Tot's rating is the mean of the compress and decompress Avr ratings. A
// parser that mixed up columns fails here.
func TestSevenZipAvrTot(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "7zz", "b-*.txt"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		res := readSevenZipFixture(t, filepath.Base(f))
		var cs, ds, cr, dr float64
		for _, r := range res.Rows {
			cs += float64(r.Compress.SpeedKiBps)
			ds += float64(r.Decompress.SpeedKiBps)
			cr += float64(r.Compress.RatingMIPS)
			dr += float64(r.Decompress.RatingMIPS)
		}
		n := float64(len(res.Rows))
		near := func(what string, got int64, want float64) {
			if math.Abs(float64(got)-want) > 1 {
				t.Errorf("%s: %s = %d, mean of rows %.1f", f, what, got, want)
			}
		}
		near("Avr compress speed", res.Avr.Compress.SpeedKiBps, cs/n)
		near("Avr decompress speed", res.Avr.Decompress.SpeedKiBps, ds/n)
		near("Avr compress rating", res.Avr.Compress.RatingMIPS, cr/n)
		near("Avr decompress rating", res.Avr.Decompress.RatingMIPS, dr/n)
		near("Tot rating", res.Tot.RatingMIPS, (cr+dr)/(2*n))
	}
}

// TestSevenZipRatingFormula recomputes each printed compression rating from
// the printed speed with sevenzip.RatingEnc's complexity (950 for 2^22 ...
// 1115 for 2^25): rating = speed x 1024 x EncComplex / 1e6. Both columns
// are rounded, so 0.1% is allowed.
func TestSevenZipRatingFormula(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "7zz", "b-*.txt"))
	for _, f := range files {
		res := readSevenZipFixture(t, filepath.Base(f))
		for _, r := range res.Rows {
			want := r.Compress.BytesPerSec() * float64(sevenzip.EncComplex(1<<r.DictLog)) / 1e6
			if d := math.Abs(float64(r.Compress.RatingMIPS)-want) / want; d > 0.001 {
				t.Errorf("%s dict %d: rating %d, speed-derived %.1f (off by %.2f%%)", f, r.DictLog, r.Compress.RatingMIPS, want, 100*d)
			}
		}
	}
}

func TestParseSevenZipBenchErrors(t *testing.T) {
	full, err := os.ReadFile(filepath.Join("testdata", "7zz", "b-mmt1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(full)
	cut := s[:strings.Index(s, "Tot:")]
	for name, tc := range map[string]struct{ in, want string }{
		"empty":       {"", "no Compressing | Decompressing table"},
		"interrupted": {cut, "no Tot: row"},
		"bad number":  {strings.Replace(s, "3955", "39x5", 1), `line 21 "22:       39x5`},
		"short row":   {strings.Replace(s, "   4742\n", "\n", 1), "want 4 numbers, got 3"},
	} {
		_, err := ParseSevenZipBench([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
	}
}

func TestSevenZipBenchArgs(t *testing.T) {
	got := strings.Join(SevenZipBenchArgs(3, 8, 22, 30), " ")
	if got != "b 3 -mmt8 -md22 -mtic=30" {
		t.Errorf("args %q", got)
	}
	if got := strings.Join(SevenZipBenchArgs(0, 32, 0, 0), " "); got != "b -mmt32" {
		t.Errorf("args %q, want the report's `b -mmt32`", got)
	}
}
