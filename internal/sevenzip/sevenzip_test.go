package sevenzip

import (
	"bytes"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/reftool"
	"github.com/ulikunitz/xz/lzma"
)

func TestEncComplex(t *testing.T) {
	// docs/methods.md §2: 22→950, 23→995, 24→1050, 25→1115; 18 and below → 870.
	for log, want := range map[int]uint64{16: 870, 18: 870, 22: 950, 23: 995, 24: 1050, 25: 1115} {
		if got := EncComplex(1 << log); got != want {
			t.Errorf("EncComplex(2^%d) = %d, want %d", log, got, want)
		}
	}
	// A dictionary between powers of two uses the 8 fraction bits:
	// 3 MiB = 2^21 x 1.5 → t = 256*3 + 128 = 896, 870 + 896²·5>>16 = 931.
	if got := EncComplex(3 << 20); got != 931 {
		t.Errorf("EncComplex(3 MiB) = %d, want 931", got)
	}
}

func TestRatings(t *testing.T) {
	// 4 MiB + 64 KiB compressed 3 times in 10 s at dict 2^22.
	r, err := RatingEnc(1<<22, 3*uint64(BufferSize(22)), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * float64(BufferSize(22)) * 950 / 10; r != want {
		t.Errorf("RatingEnc = %v, want %v", r, want)
	}
	r, _ = RatingDec(1000, 4000, time.Second)
	if r != 1000*190+4000*4 {
		t.Errorf("RatingDec = %v, want %v", r, 1000*190+4000*4)
	}
	if _, err := RatingEnc(1<<22, 1, 0); err == nil {
		t.Error("RatingEnc accepted a zero elapsed time")
	}
}

func TestSalt(t *testing.T) {
	// Thread 0 has salt 0 (Bench.cpp: "g_CrcTable[0] == 0").
	if Salt(0) != 0 {
		t.Errorf("Salt(0) = %#x", Salt(0))
	}
	if Salt(1) != 0x77073096 { // CRC-32 table entry 1
		t.Errorf("Salt(1) = %#x, want 0x77073096", Salt(1))
	}
	if want := uint32(0x77073096 << 3 & 0xffffffff); Salt(256) != want {
		t.Errorf("Salt(256) = %#x", Salt(256))
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a := make([]byte, 1<<20)
	b := make([]byte, 1<<20)
	Generate(a, 0)
	Generate(b, 0)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with salt 0 differ")
	}
	Generate(b, Salt(1))
	if bytes.Equal(a, b) {
		t.Fatal("salts 0 and 1 give the same data")
	}
	// Regression guard for this implementation (not a 7-Zip reference
	// value: 7-Zip does not print its buffer CRC).
	if got := crc32.ChecksumIEEE(a); got != crc32Salt0MiB {
		t.Errorf("CRC-32 of 1 MiB, salt 0 = %#08x, was %#08x: the generator changed", got, crc32Salt0MiB)
	}
}

// crc32Salt0MiB is the CRC-32 of Generate(1 MiB, salt 0) as first computed.
const crc32Salt0MiB = 0x70e0594b

// TestGenerateCompressibility checks that the generated data is as
// compressible as 7-Zip's own. 7-Zip prints no packed size, but its
// decompression rating and speed give it: rating = (pack x 190 + unpack x
// 4) / T and speed = unpack / T, so pack/unpack = (rating/speed - 4) / 190.
// On the captured `7zz b -mmt1` (one thread, salt 0, dict 2^22) that is
// 0.418. Go's LZMA (ulikunitz, hash-chain matcher) is somewhat weaker than
// 7-Zip's level 5 binary tree, so its ratio must be within 0.05 above.
// Random bytes would give ~1.0, a constant buffer ~0.
func TestGenerateCompressibility(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 4 MiB with Go LZMA (~1 s)")
	}
	out, err := os.ReadFile(filepath.Join("..", "reftool", "testdata", "7zz", "b-mmt1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := reftool.ParseSevenZipBench(out)
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	if row.DictLog != 22 {
		t.Fatalf("first row is dict %d, want 22", row.DictLog)
	}
	ref := (float64(row.Decompress.RatingMIPS)*1e6/row.Decompress.BytesPerSec() - DecComplexUnc) / DecComplexCompr

	buf := make([]byte, BufferSize(22))
	Generate(buf, Salt(0))
	var z bytes.Buffer
	w, err := lzma.WriterConfig{DictCap: 1 << 22}.NewWriter(&z)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := float64(z.Len()) / float64(len(buf))
	t.Logf("7-Zip pack ratio %.4f, Go LZMA on the generated data %.4f", ref, got)
	if got < ref-0.01 || got > ref+0.05 || math.IsNaN(ref) {
		t.Errorf("Go LZMA ratio %.4f, want within [%.4f, %.4f] of 7-Zip's %.4f", got, ref-0.01, ref+0.05, ref)
	}
}
