package reftool

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SevenZipLookup finds 7-Zip's command-line program: 7zz (7-Zip for Linux,
// Debian's 7zip package), else 7z or 7za (p7zip). The error wraps
// ErrNotInstalled when none is on PATH.
func SevenZipLookup() (string, error) {
	return Lookup("7-Zip", "7zz", "7z", "7za")
}

// SevenZipBenchArgs returns the arguments of a `7zz b` run: passes is the
// number of passes (7-Zip's default is 1), threads sets -mmt, dictLog > 0
// limits the dictionary to 2^dictLog (-md; the run then prints rows 22 up to
// dictLog only), and tic > 0 sets the work per row to 2^tic commands instead
// of 7-Zip's 2^34 (-mtic; a shorter run, same rating formulas).
func SevenZipBenchArgs(passes, threads, dictLog, tic int) []string {
	args := []string{"b"}
	if passes > 0 {
		args = append(args, strconv.Itoa(passes))
	}
	args = append(args, "-mmt"+strconv.Itoa(threads))
	if dictLog > 0 {
		args = append(args, "-md"+strconv.Itoa(dictLog))
	}
	if tic > 0 {
		args = append(args, "-mtic="+strconv.Itoa(tic))
	}
	return args
}

// SevenZipRate is one half (compressing or decompressing) of a row of the
// `7z b` table. The values are as printed (7-Zip rounds them to integers).
type SevenZipRate struct {
	// SpeedKiBps is the Speed column: uncompressed bytes per second / 1024,
	// for decompression too (bytes produced).
	SpeedKiBps int64
	// UsagePct is the Usage column: process CPU time / wall time x 100.
	UsagePct int64
	// RUMIPS is the R/U column: the rating per 100% usage (one busy core).
	RUMIPS int64
	// RatingMIPS is the Rating column, in million "commands" per second.
	RatingMIPS int64
}

// BytesPerSec returns the Speed column in bytes per second (KiB/s x 1024).
func (r SevenZipRate) BytesPerSec() float64 { return float64(r.SpeedKiBps) * 1024 }

// SevenZipRow is one dictionary row of the `7z b` table (e.g. "22:").
type SevenZipRow struct {
	// DictLog is the dictionary size as a power of two (22 = 4 MiB).
	DictLog              int
	Compress, Decompress SevenZipRate
}

// SevenZipTotal is the "Tot:" row: the mean over all compressing and
// decompressing rows together. Its Rating is the report's "Total Rating".
type SevenZipTotal struct {
	UsagePct, RUMIPS, RatingMIPS int64
}

// SevenZipResult is a parsed `7z b` run.
type SevenZipResult struct {
	// Version is 7-Zip's version from the banner, e.g. "26.02".
	Version string
	// Threads is the "# Benchmark threads" figure (the -mmt value); 0 if
	// the line was missing.
	Threads int
	// Rows holds every dictionary row in print order; a run of several
	// passes repeats the dictionaries.
	Rows []SevenZipRow
	// Avr is the "Avr:" row (DictLog 0): each column's arithmetic mean over
	// Rows. The report's "Compress MIPS" is Avr.Compress.RatingMIPS; its
	// compression and decompression "KiB/s" are the Avr Speed columns.
	Avr SevenZipRow
	// Tot is the "Tot:" row.
	Tot SevenZipTotal
}

var (
	sevenZipVersionRE = regexp.MustCompile(`^\s*7-Zip\b.*?(\d+\.\d+)`)
	sevenZipThreadsRE = regexp.MustCompile(`#\s*Benchmark threads:\s*(\d+)`)
	sevenZipRowRE     = regexp.MustCompile(`^\s*(\d+|Avr|Tot):(.*)$`)
)

// ParseSevenZipBench parses the console output of `7z b` / `7zz b` (7-Zip
// 21 and later, and p7zip 16.02, print the same table). Every dictionary
// row, the Avr: row and the Tot: row are required; a malformed row is an
// error naming its line. Rows of other benchmarks (`7z b -mm=*`: CRC, AES
// ...) are not supported.
func ParseSevenZipBench(out []byte) (*SevenZipResult, error) {
	res := &SevenZipResult{}
	var haveAvr, haveTot, inTable bool
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if res.Version == "" {
			if m := sevenZipVersionRE.FindStringSubmatch(line); m != nil {
				res.Version = m[1]
				continue
			}
		}
		if m := sevenZipThreadsRE.FindStringSubmatch(line); m != nil {
			res.Threads, _ = strconv.Atoi(m[1])
			continue
		}
		if strings.Contains(line, "Compressing") && strings.Contains(line, "Decompressing") {
			inTable = true
			continue
		}
		if !inTable {
			continue
		}
		m := sevenZipRowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		label, rest := m[1], m[2]
		if label == "Tot" {
			v, err := sevenZipInts(rest, 3)
			if err != nil {
				return nil, fmt.Errorf("reftool: 7-Zip output line %d %q: Tot row: %w", n, line, err)
			}
			res.Tot = SevenZipTotal{UsagePct: v[0], RUMIPS: v[1], RatingMIPS: v[2]}
			haveTot = true
			continue
		}
		halves := strings.Split(rest, "|")
		if len(halves) != 2 {
			return nil, fmt.Errorf("reftool: 7-Zip output line %d %q: want compressing | decompressing columns", n, line)
		}
		c, err := sevenZipInts(halves[0], 4)
		if err == nil {
			var d []int64
			d, err = sevenZipInts(halves[1], 4)
			if err == nil {
				row := SevenZipRow{
					Compress:   SevenZipRate{c[0], c[1], c[2], c[3]},
					Decompress: SevenZipRate{d[0], d[1], d[2], d[3]},
				}
				if label == "Avr" {
					res.Avr = row
					haveAvr = true
				} else {
					row.DictLog, _ = strconv.Atoi(label)
					res.Rows = append(res.Rows, row)
				}
				continue
			}
		}
		return nil, fmt.Errorf("reftool: 7-Zip output line %d %q: %w", n, line, err)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reftool: reading 7-Zip output: %w", err)
	}
	switch {
	case !inTable:
		return nil, fmt.Errorf("reftool: 7-Zip output has no Compressing | Decompressing table (not `7z b` output, or the run failed before it)")
	case len(res.Rows) == 0:
		return nil, fmt.Errorf("reftool: 7-Zip output has no dictionary rows")
	case !haveAvr:
		return nil, fmt.Errorf("reftool: 7-Zip output has no Avr: row (run interrupted?)")
	case !haveTot:
		return nil, fmt.Errorf("reftool: 7-Zip output has no Tot: row (run interrupted?)")
	}
	return res, nil
}

// sevenZipInts parses exactly want whitespace-separated integers.
func sevenZipInts(s string, want int) ([]int64, error) {
	f := strings.Fields(s)
	if len(f) != want {
		return nil, fmt.Errorf("want %d numbers, got %d (%q)", want, len(f), strings.TrimSpace(s))
	}
	v := make([]int64, want)
	for i, x := range f {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("column %d: %q is not an integer", i+1, x)
		}
		v[i] = n
	}
	return v, nil
}
