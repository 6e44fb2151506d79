package cpu_bench

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/teebench/teebench/internal/cputime"
	"github.com/teebench/teebench/internal/sevenzip"
	"github.com/teebench/teebench/internal/workers"
	"github.com/ulikunitz/xz/lzma"
)

// A codec compresses and decompresses whole buffers. One value is used by
// one goroutine only.
type codec interface {
	compress(dst, src []byte) ([]byte, error)
	decompress(dst, src []byte) ([]byte, error)
	close()
}

// zstdCodec is klauspost/compress zstd at its default level (zstd level 3)
// with the window set to the dictionary size, single-threaded.
type zstdCodec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newZstd(dictLog int) (codec, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithWindowSize(1<<dictLog), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder, window 2^%d: %w", dictLog, err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<dictLog))
	if err != nil {
		enc.Close()
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &zstdCodec{enc: enc, dec: dec}, nil
}

func (z *zstdCodec) compress(dst, src []byte) ([]byte, error) {
	return z.enc.EncodeAll(src, dst[:0]), nil
}

func (z *zstdCodec) decompress(dst, src []byte) ([]byte, error) {
	return z.dec.DecodeAll(src, dst[:0])
}

func (z *zstdCodec) close() { z.enc.Close(); z.dec.Close() }

// lzmaCodec is ulikunitz/xz/lzma (the classic .lzma format, hash-chain
// matcher, single-threaded) with the dictionary capacity set to 2^dictLog.
// The library has no Reset, so every op makes a new writer or reader: the
// allocation of its dictionary and match finder is part of the timed op,
// as a new `7z a` or `xz` process pays it per file (7-Zip's own benchmark
// also re-creates its encoder state per pass). zstd reuses its encoder and
// decoder, since EncodeAll/DecodeAll are stateless per call.
type lzmaCodec struct {
	dictLog int
}

func newLZMA(dictLog int) (codec, error) { return &lzmaCodec{dictLog: dictLog}, nil }

func (l *lzmaCodec) compress(dst, src []byte) ([]byte, error) {
	buf := bytes.NewBuffer(dst[:0])
	w, err := lzma.WriterConfig{DictCap: 1 << l.dictLog}.NewWriter(buf)
	if err != nil {
		return nil, fmt.Errorf("lzma writer, dict 2^%d: %w", l.dictLog, err)
	}
	if _, err := w.Write(src); err != nil {
		return nil, fmt.Errorf("lzma compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("lzma compress: %w", err)
	}
	return buf.Bytes(), nil
}

func (l *lzmaCodec) decompress(dst, src []byte) ([]byte, error) {
	r, err := lzma.ReaderConfig{DictCap: 1 << l.dictLog}.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("lzma reader: %w", err)
	}
	dst = dst[:cap(dst)]
	n, err := io.ReadFull(r, dst)
	if err != io.ErrUnexpectedEOF && err != nil {
		return nil, fmt.Errorf("lzma decompress: %w", err)
	}
	return dst[:n], nil
}

func (l *lzmaCodec) close() {}

var codecs = []struct {
	name string
	new  func(dictLog int) (codec, error)
}{
	{"zstd", newZstd},
	{"lzma", newLZMA},
}

// compressWorker is one thread's state: its own generated buffer (salted by
// its index as in 7-Zip), its codec, its compressed copy and output space.
type compressWorker struct {
	c    codec
	src  []byte
	comp []byte
	out  []byte
	ops  int // operations done in the current timed run
}

// newWorkers sets up n workers for dictionary 2^dictLog and checks that each
// round-trips its buffer. The buffers are generated and compressed in
// parallel (NumCPU at a time): 32 threads x 32 MiB of Go LZMA would
// otherwise take minutes of setup.
func newWorkers(newCodec func(int) (codec, error), n, dictLog int) ([]*compressWorker, error) {
	size := sevenzip.BufferSize(dictLog)
	ws := make([]*compressWorker, 0, n)
	for range n {
		c, err := newCodec(dictLog)
		if err != nil {
			closeWorkers(ws)
			return nil, err
		}
		ws = append(ws, &compressWorker{c: c, src: make([]byte, size), out: make([]byte, 0, size+size/16+1<<10)})
	}
	var next atomic.Int64
	err := workers.Shared(min(n, runtime.NumCPU()), n, func(int) error {
		i := int(next.Add(1) - 1)
		w := ws[i]
		sevenzip.Generate(w.src, sevenzip.Salt(i))
		comp, err := w.c.compress(nil, w.src)
		if err != nil {
			return err
		}
		w.comp = comp
		back, err := w.c.decompress(make([]byte, 0, size), comp)
		if err != nil || !bytes.Equal(back, w.src) {
			return fmt.Errorf("worker %d: round trip failed (err %v, %d of %d bytes back)", i, err, len(back), size)
		}
		return nil
	})
	if err != nil {
		closeWorkers(ws)
		return nil, err
	}
	return ws, nil
}

func closeWorkers(ws []*compressWorker) {
	for _, w := range ws {
		w.c.close()
	}
}

func benchCodecs(b *testing.B, compress bool) {
	for _, cd := range codecs {
		for _, dictLog := range dictSweep() {
			for _, n := range threadSweep() {
				var ws []*compressWorker
				name := fmt.Sprintf("codec=%s/dict=%d/threads=%d", cd.name, dictLog, n)
				b.Run(name, func(b *testing.B) {
					if ws == nil {
						var err error
						if ws, err = newWorkers(cd.new, n, dictLog); err != nil {
							b.Fatal(err)
						}
					}
					runCodec(b, ws, cd.name, dictLog, compress)
				})
				closeWorkers(ws)
				ws = nil // the closure keeps the variable; free the buffers
			}
		}
	}
}

func runCodec(b *testing.B, ws []*compressWorker, codecName string, dictLog int, compress bool) {
	size := len(ws[0].src)
	// Every worker compresses whole buffers of its own, as in 7-Zip's
	// benchmark, each the same number; b.N is rounded up to a multiple of the
	// thread count so that no thread idles (at b.N = 1 a 2-thread run would otherwise measure one
	// thread). ns/op and B/s are reported over the buffers actually done.
	ops := (b.N + len(ws) - 1) / len(ws) * len(ws)
	for _, w := range ws {
		w.ops = 0
	}
	op := func(i int) error {
		w := ws[i]
		w.ops++
		var err error
		if compress {
			w.out, err = w.c.compress(w.out, w.src)
		} else {
			w.out, err = w.c.decompress(w.out, w.comp)
		}
		return err
	}
	b.ResetTimer()
	span := cputime.Start()
	err := workers.Each(len(ws), ops/len(ws), op)
	cpu, wall := span.Stop()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(wall.Nanoseconds())/float64(ops), "ns/op")
	b.ReportMetric(float64(size)*float64(ops)/wall.Seconds(), "B/s")
	b.ReportMetric(cputime.UsagePercent(cpu, wall), "usage-%")
	if codecName != "lzma" {
		return
	}
	// 7-Zip's rating formulas applied to the Go LZMA codec's measured rate
	// (the same arithmetic as `7z b`; a different encoder).
	unpack := uint64(size) * uint64(ops)
	if compress {
		r, err := sevenzip.RatingEnc(1<<dictLog, unpack, wall)
		if err == nil {
			b.ReportMetric(r/1e6, "compress-MIPS")
		}
		return
	}
	var pack uint64
	for _, w := range ws {
		pack += uint64(len(w.comp)) * uint64(w.ops)
	}
	if r, err := sevenzip.RatingDec(pack, unpack, wall); err == nil {
		b.ReportMetric(r/1e6, "decompress-MIPS")
	}
}
