// Package sevenzip is 7-Zip's benchmark method (`7z b`) in Go: the
// pseudo-random, LZ-compressible data generator every 7-Zip benchmark thread
// compresses, and the rating formulas that turn a measured speed into 7-Zip
// "MIPS". cpu_bench uses it for its Go-native compression benchmarks, and
// internal/reftool's tests check 7-Zip's printed ratings against the
// formulas.
//
// Source: ip7z/7zip CPP/7zip/UI/Common/Bench.cpp (7-Zip 25/26); see
// docs/methods.md §2. The generator reproduces CBenchRandomGenerator::GenerateLz
// with the dictionary-bits argument 7-Zip passes today (kOldLzmaDictBits =
// 32), and Salt reproduces the per-thread salt, so thread i of a Go run
// compresses the same bytes as encoder thread i of `7zz b`.
package sevenzip

import (
	"fmt"
	"hash/crc32"
	"math/bits"
	"time"
)

const (
	// MinDictLog is kBenchMinDicLogSize: dictionaries below 2^18 are rated
	// as 2^18.
	MinDictLog = 18
	// AdditionalSize is kAdditionalSize: each thread's buffer is the
	// dictionary size plus 64 KiB.
	AdditionalSize = 1 << 16
	// generateDictBits is kOldLzmaDictBits, the dictBits argument 7-Zip
	// passes to GenerateLz for the LZMA benchmark.
	generateDictBits = 32
	// EncComplexBase is the LZMA compression complexity of the rating
	// before the dictionary-size term, in commands per byte.
	EncComplexBase = 870
	// DecComplexCompr is the decompression complexity per compressed byte.
	DecComplexCompr = 190
	// DecComplexUnc is the decompression complexity per uncompressed byte.
	DecComplexUnc = 4
)

// BufferSize returns the size of one thread's uncompressed buffer for a
// dictionary of 2^dictLog bytes: the dictionary plus AdditionalSize.
func BufferSize(dictLog int) int { return 1<<dictLog + AdditionalSize }

// Salt returns the generator salt of benchmark thread i, as 7-Zip computes
// it: crcTable[i & 0xff] ^ (crcTable[(i >> 8) & 0xff] << 3). Thread 0 has
// salt 0.
func Salt(i int) uint32 {
	return crc32.IEEETable[byte(i)] ^ (crc32.IEEETable[byte(i>>8)] << 3)
}

// rng is CBaseRandomGenerator: two multiply-with-carry generators.
type rng struct{ a1, a2, salt uint32 }

func newRNG(salt uint32) rng { return rng{a1: 362436069, a2: 521288629, salt: salt} }

func (r *rng) next() uint32 {
	r.a1 = 36969*(r.a1&0xffff) + (r.a1 >> 16)
	r.a2 = 18000*(r.a2&0xffff) + (r.a2 >> 16)
	return r.salt ^ ((r.a1 << 16) + r.a2)
}

// getVal takes the low n bits of *r and shifts them out.
func getVal(r *uint32, n uint) uint32 {
	v := *r & (1<<n - 1)
	*r >>= n
	return v
}

func getLen(r *uint32) uint32 {
	l := getVal(r, 2)
	return getVal(r, 1+uint(l))
}

// Generate fills buf with 7-Zip's benchmark data for the given salt
// (CBenchRandomGenerator::GenerateLz): the first 1 KiB literals, then a mix
// of literals and matches (new distances of random bit length up to the
// position, or the last distance again) of random lengths. The output is
// deterministic for a given salt and length.
func Generate(buf []byte, salt uint32) {
	g := newRNG(salt)
	size := len(buf)
	pos, rep0 := 0, 1
	posBits := uint(1)
	for pos < size {
		r := g.next()
		// 7-Zip evaluates GetVal(r, 1) first, so the literal is taken from
		// the shifted value.
		if getVal(&r, 1) == 0 || pos < 1024 {
			buf[pos] = byte(r)
			pos++
			continue
		}
		n := 1 + getLen(&r)
		if getVal(&r, 3) != 0 {
			n += getLen(&r)
			for 1<<posBits < pos {
				posBits++
			}
			numBitsMax := uint(generateDictBits)
			if numBitsMax > posBits {
				numBitsMax = posBits
			}
			const addBits = 6
			numLogBits := uint(5)
			if numBitsMax <= 1<<4-1+addBits {
				numLogBits = 4
			}
			for {
				ppp := uint(getVal(&r, numLogBits)) + addBits
				r = g.next()
				if ppp > numBitsMax {
					continue
				}
				rep0 = int(uint64(r) & (1<<ppp - 1))
				if rep0 < pos {
					break
				}
				r = g.next()
			}
			rep0++
		}
		if rem := size - pos; int(n) > rem {
			n = uint32(rem)
		}
		// Overlapping forward copy, byte by byte, as in 7-Zip.
		src := pos - rep0
		for i := 0; i < int(n); i++ {
			buf[pos+i] = buf[src+i]
		}
		pos += int(n)
	}
}

// LogSizeSub is GetLogSize_Sub: floor(log2 x) << 8 plus the 8 bits of x
// below its top bit (a log2 with 8 fraction bits). It is 0 for x <= 1.
func LogSizeSub(x uint64) uint32 {
	if x <= 1 {
		return 0
	}
	i := uint(bits.Len64(x) - 1)
	var v uint32
	if i <= 8 {
		v = uint32(x) << (8 - i)
	} else {
		v = uint32(x >> (i - 8))
	}
	return uint32(i)<<8 + v&0xff
}

// EncComplex returns the LZMA compression complexity 7-Zip rates a
// dictionary of dictSize bytes with: 870 + t*t*5 >> 16 where t =
// LogSizeSub(dictSize) - (18 << 8). For 2^22..2^25 it is 950, 995, 1050,
// 1115.
func EncComplex(dictSize uint64) uint64 {
	if dictSize < 1<<MinDictLog {
		dictSize = 1 << MinDictLog
	}
	t := uint64(LogSizeSub(dictSize) - MinDictLog<<8)
	return EncComplexBase + (t*t*5)>>16
}

// RatingEnc is 7-Zip's compression rating in commands per second:
// unpackBytes (uncompressed bytes consumed, all threads and iterations) x
// EncComplex(dictSize) / elapsed. Divide by 1e6 for the printed MIPS.
func RatingEnc(dictSize, unpackBytes uint64, elapsed time.Duration) (float64, error) {
	if elapsed <= 0 {
		return 0, fmt.Errorf("sevenzip: rating needs a positive elapsed time, got %v", elapsed)
	}
	return float64(unpackBytes) * float64(EncComplex(dictSize)) / elapsed.Seconds(), nil
}

// RatingDec is 7-Zip's decompression rating in commands per second:
// (packBytes x 190 + unpackBytes x 4) / elapsed, where packBytes is the
// compressed input and unpackBytes the uncompressed output, summed over
// threads and iterations.
func RatingDec(packBytes, unpackBytes uint64, elapsed time.Duration) (float64, error) {
	if elapsed <= 0 {
		return 0, fmt.Errorf("sevenzip: rating needs a positive elapsed time, got %v", elapsed)
	}
	return (float64(packBytes)*DecComplexCompr + float64(unpackBytes)*DecComplexUnc) / elapsed.Seconds(), nil
}
