//go:build gpu

package gpu_bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/teebench/teebench/internal/cuda"
)

// BenchmarkCopy measures CPU<->GPU and device-to-device copy bandwidth
// with CUDA events, in B/s; see the package doc.
func BenchmarkCopy(b *testing.B) {
	runCases(b, gpuEnv(b), copyCases(copySizes()), benchCopy)
}

// copyBufs are the buffers of one copy case: src and dst in device memory
// (dst only for d2d) and a host buffer (pinned or Go heap).
type copyBufs struct {
	dev, dev2 cuda.DevicePtr
	host      []byte
	pinned    bool
	want      []byte // what the destination must hold after a copy
}

func newCopyBufs(e *env, c copyCase) (_ *copyBufs, err error) {
	n := uint64(c.size)
	bf := &copyBufs{}
	defer func() {
		if err != nil {
			bf.free(e.ctx)
		}
	}()
	if bf.dev, err = e.ctx.Alloc(n); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(c.size), 1))
	switch c.mem {
	case memPinned:
		if bf.host, err = e.ctx.AllocHost(n); err != nil {
			return nil, err
		}
		bf.pinned = true
	case memPageable:
		bf.host = make([]byte, n)
	case memDevice:
		if bf.dev2, err = e.ctx.Alloc(n); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown memory kind %q", c.mem)
	}
	// Source data: random, and on the device side uploaded before timing.
	src := bf.host
	if c.dir != dirH2D {
		src = make([]byte, n)
	}
	fillRandom(src, rng)
	if c.dir != dirH2D {
		if err := e.ctx.CopyHtoD(bf.dev, src); err != nil {
			return nil, err
		}
	}
	if c.dir == dirD2H {
		fillRandom(bf.host, rand.New(rand.NewPCG(2, 2))) // page in, and differ from src
	}
	bf.want = src
	return bf, nil
}

func (bf *copyBufs) free(ctx *cuda.Context) error {
	if bf == nil {
		return nil
	}
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	if bf.dev != 0 {
		keep(ctx.Free(bf.dev))
	}
	if bf.dev2 != 0 {
		keep(ctx.Free(bf.dev2))
	}
	if bf.pinned {
		keep(ctx.FreeHost(bf.host))
	}
	*bf = copyBufs{}
	return first
}

// op returns the copy of case c: asynchronous on the default stream for
// pinned memory (as bandwidthTest), synchronous for pageable memory.
func (bf *copyBufs) op(ctx *cuda.Context, c copyCase) func() error {
	n := uint64(c.size)
	switch {
	case c.dir == dirH2D && bf.pinned:
		return func() error { return ctx.CopyHtoDAsync(bf.dev, bf.host) }
	case c.dir == dirH2D:
		return func() error { return ctx.CopyHtoD(bf.dev, bf.host) }
	case c.dir == dirD2H && bf.pinned:
		return func() error { return ctx.CopyDtoHAsync(bf.host, bf.dev) }
	case c.dir == dirD2H:
		return func() error { return ctx.CopyDtoH(bf.host, bf.dev) }
	}
	return func() error { return ctx.CopyDtoD(bf.dev2, bf.dev, n) }
}

// ends returns the destination's first and last 4 KiB (all of it for
// small sizes) as offsets: what scrub clears and verify compares.
func ends(size int64) (k int, tail int) {
	k = int(min(size, 4<<10))
	return k, int(size) - k
}

// dst returns the device destination of an h2d or d2d copy.
func (bf *copyBufs) dst(c copyCase) cuda.DevicePtr {
	if c.dir == dirD2D {
		return bf.dev2
	}
	return bf.dev
}

// scrub overwrites the ends of the destination with a pattern the source
// does not hold there, so that verify after the timed loop shows that the
// timed copies, not the warm-up, put the data there.
func (bf *copyBufs) scrub(ctx *cuda.Context, c copyCase) error {
	k, tail := ends(c.size)
	junk := make([]byte, k)
	for _, off := range []int{0, tail} {
		for i := range junk {
			junk[i] = ^bf.want[off+i]
		}
		if c.dir == dirD2H {
			copy(bf.host[off:off+k], junk)
			continue
		}
		if err := ctx.CopyHtoD(bf.dst(c).Add(uint64(off)), junk); err != nil {
			return err
		}
	}
	return nil
}

// verify checks that the ends of the destination hold the source.
func (bf *copyBufs) verify(ctx *cuda.Context, c copyCase) error {
	k, tail := ends(c.size)
	for _, off := range []int{0, tail} {
		got := make([]byte, k)
		if c.dir == dirD2H {
			copy(got, bf.host[off:off+k])
		} else if err := ctx.CopyDtoH(got, bf.dst(c).Add(uint64(off))); err != nil {
			return err
		}
		if !bytes.Equal(got, bf.want[off:off+k]) {
			return fmt.Errorf("%s: destination does not hold the source at offset %d after the copies", c.name(), off)
		}
	}
	return nil
}

func benchCopy(b *testing.B, e *env, c copyCase, bufs **copyBufs) {
	defer e.lock(b)()
	if c.mem == memPinned {
		if reason, skip := pinnedSkip(e.cc, nil); skip {
			b.Skip(reason)
		}
	}
	if *bufs == nil {
		bf, err := newCopyBufs(e, c)
		if err != nil {
			if reason, skip := pinnedSkip(e.cc, err); skip && c.mem == memPinned {
				b.Skip(reason)
			}
			b.Fatal(err)
		}
		*bufs = bf
	}
	bf := *bufs
	op := bf.op(e.ctx, c)
	// Warm-up outside the timer: first-touch mappings, lazy driver setup.
	if err := op(); err != nil {
		b.Fatal(err)
	}
	if err := e.ctx.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := bf.scrub(e.ctx, c); err != nil {
		b.Fatal(err)
	}
	el := e.timeOps(b, op)
	if err := bf.verify(e.ctx, c); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(c.size)*float64(b.N)/el.Seconds(), "B/s")
	if c.dir == dirD2D {
		// A d2d copy reads and writes every byte: this is the figure
		// bandwidthTest prints for d2d, comparable to the HBM bandwidth
		// of section VI (4.8 TB/s on an H200).
		b.ReportMetric(2*float64(c.size)*float64(b.N)/el.Seconds(), "devmem-B/s")
	}
}
