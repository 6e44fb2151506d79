//go:build gpu

package gpu_bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/benchname"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/cuda"
)

// The mechanism benchmarks of gpu_bench: what one small transfer costs,
// whether two transfers overlap, and how long a model's weights take to
// reach the GPU. In CC mode every CPU-GPU transfer is encrypted by the
// driver and staged through a bounce buffer in shared memory, and the
// encrypting copies are serialised; these three show where that is paid.

// smallCopy is the transfer size of BenchmarkCopyLatency: a decode step's
// token ids up or a small result down.
const smallCopy = 4 << 10

// BenchmarkCopyLatency measures the latency of one small synchronous copy:
// one op = one 4 KiB cuMemcpyHtoD / cuMemcpyDtoH from or to pinned
// (cuMemAllocHost) or pageable (Go heap) host memory, wall clock, ns/op.
// Unlike BenchmarkCopy's 4KiB rows (b.N copies queued between two events:
// a rate), each op here waits for its copy, as an inference loop waits for
// its inputs and outputs. Pinned cases skip in CC mode.
func BenchmarkCopyLatency(b *testing.B) {
	e := gpuEnv(b)
	for _, dir := range []string{dirH2D, dirD2H} {
		for _, mem := range []string{memPinned, memPageable} {
			b.Run(fmt.Sprintf("dir=%s/mem=%s/size=%s", dir, mem, benchname.Size(smallCopy)), func(b *testing.B) {
				benchCopyLatency(b, e, dir, mem)
			})
		}
	}
}

func benchCopyLatency(b *testing.B, e *env, dir, mem string) {
	defer e.lock(b)()
	c := copyCase{dir: dir, mem: mem, size: smallCopy}
	if mem == memPinned {
		if reason, skip := pinnedSkip(e.cc, nil); skip {
			b.Skip(reason)
		}
	}
	bf, err := newCopyBufs(e, c)
	if err != nil {
		if reason, skip := pinnedSkip(e.cc, err); skip && mem == memPinned {
			b.Skip(reason)
		}
		b.Fatal(err)
	}
	defer bf.free(e.ctx)
	op := func() error { return e.ctx.CopyHtoD(bf.dev, bf.host) }
	if dir == dirD2H {
		op = func() error { return e.ctx.CopyDtoH(bf.host, bf.dev) }
	}
	if err := op(); err != nil { // warm-up
		b.Fatal(err)
	}
	if err := bf.scrub(e.ctx, c); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := op(); err != nil {
			b.Fatalf("copy %d of %d: %v", i+1, b.N, err)
		}
	}
	b.StopTimer()
	if err := bf.verify(e.ctx, c); err != nil {
		b.Fatal(err)
	}
}

// streamsSize is the size each stream copies per op in
// BenchmarkCopyStreams: 8 MiB smoke, 64 MiB otherwise.
func streamsSize() int64 { return config.Pick[int64](8<<20, 64<<20, 64<<20) }

// streamPatterns are BenchmarkCopyStreams' cases: the directions of the
// streams copying at once.
var streamPatterns = [][]string{{dirH2D}, {dirH2D, dirH2D}, {dirH2D, dirD2H}}

// BenchmarkCopyStreams measures whether copies on two streams overlap:
// streams=1/dirs=h2d is one stream alone; streams=2/dirs=h2d+h2d two
// streams uploading at once (they share the host link, so at best the
// same total); streams=2/dirs=h2d+d2h one uploading while the other
// downloads (separate copy engines and link directions: up to twice the
// total without CC). One op = each stream copies size bytes (each from
// its own thread, on its own non-blocking stream, host memory pinned or
// pageable), and B/s is all streams' bytes over the wall time. In CC mode
// the driver encrypts and stages every transfer, which serialises them: the
// two-stream totals then fall to the one-stream figure.
func BenchmarkCopyStreams(b *testing.B) {
	e := gpuEnv(b)
	size := streamsSize()
	for _, dirs := range streamPatterns {
		for _, mem := range []string{memPinned, memPageable} {
			name := fmt.Sprintf("streams=%d/dirs=%s/mem=%s/size=%s", len(dirs), joinDirs(dirs), mem, benchname.Size(size))
			b.Run(name, func(b *testing.B) { benchCopyStreams(b, e, dirs, mem, size) })
		}
	}
}

func joinDirs(dirs []string) string {
	s := dirs[0]
	for _, d := range dirs[1:] {
		s += "+" + d
	}
	return s
}

// streamCopier is one stream of BenchmarkCopyStreams with its buffers.
type streamCopier struct {
	c      copyCase
	bufs   *copyBufs
	stream *cuda.Stream
}

func (s *streamCopier) op() error {
	if s.c.dir == dirH2D {
		return s.stream.CopyHtoDAsync(s.bufs.dev, s.bufs.host)
	}
	return s.stream.CopyDtoHAsync(s.bufs.host, s.bufs.dev)
}

func benchCopyStreams(b *testing.B, e *env, dirs []string, mem string, size int64) {
	defer e.lock(b)()
	if mem == memPinned {
		if reason, skip := pinnedSkip(e.cc, nil); skip {
			b.Skip(reason)
		}
	}
	var cs []*streamCopier
	defer func() {
		for _, s := range cs {
			s.bufs.free(e.ctx)
			if s.stream != nil {
				s.stream.Destroy()
			}
		}
	}()
	for _, dir := range dirs {
		s := &streamCopier{c: copyCase{dir: dir, mem: mem, size: size}}
		var err error
		if s.bufs, err = newCopyBufs(e, s.c); err != nil {
			if reason, skip := pinnedSkip(e.cc, err); skip && mem == memPinned {
				b.Skip(reason)
			}
			b.Fatal(err)
		}
		cs = append(cs, s)
		if s.stream, err = e.ctx.NewStream(); err != nil {
			b.Fatal(err)
		}
		if err := s.op(); err != nil { // warm-up
			b.Fatal(err)
		}
		if err := s.stream.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := s.bufs.scrub(e.ctx, s.c); err != nil {
			b.Fatal(err)
		}
	}
	// One goroutine per stream, each on a locked OS thread with the
	// context current, released together; the clock runs from the release
	// to the last stream's completion.
	start := make(chan struct{})
	errs := make(chan error, len(cs))
	for _, s := range cs {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if err := e.ctx.Bind(); err != nil {
				<-start
				errs <- err
				return
			}
			<-start
			for i := range b.N {
				if err := s.op(); err != nil {
					errs <- fmt.Errorf("%s copy %d of %d: %w", s.c.dir, i+1, b.N, err)
					return
				}
			}
			errs <- s.stream.Sync()
		}()
	}
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	var first error
	for range cs {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	wall := time.Since(t0)
	b.StopTimer()
	if first != nil {
		b.Fatal(first)
	}
	for _, s := range cs {
		if err := s.bufs.verify(e.ctx, s.c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)*float64(len(cs))*float64(b.N)/wall.Seconds(), "B/s")
}

// loadChunk is how much BenchmarkLoad copies per cuMemcpyHtoD, the size of
// a large tensor.
const loadChunk = 256 << 20

// loadSizes are BenchmarkLoad's sizes: 1 GiB smoke, 1 and 4 GiB quick,
// 1, 4 and 16 GiB report (a 16 GiB checkpoint is an 8B-parameter model in
// bf16).
func loadSizes() []int64 {
	return config.Pick([]int64{1 << 30}, []int64{1 << 30, 4 << 30}, []int64{1 << 30, 4 << 30, 16 << 30})
}

// BenchmarkLoad measures the model-load cost: one op = upload size bytes
// of pageable host memory (where a loader reads a checkpoint to) into one
// device buffer, in 256 MiB synchronous copies, wall clock; ns/op is the
// load time and B/s size over it. In CC mode each chunk goes through the
// driver's encrypted bounce buffer, which is where a TEE's longer model
// load (and so its first-request latency after a cold start) comes from.
// A size skips when it exceeds 90% of the free device memory or half the
// host's MemAvailable.
func BenchmarkLoad(b *testing.B) {
	e := gpuEnv(b)
	for _, size := range loadSizes() {
		b.Run("size="+benchname.Size(size), func(b *testing.B) { benchLoad(b, e, size, loadChunk) })
	}
}

// loadFits says why size cannot be loaded here, or "".
func loadFits(size int64, devFree, hostAvail uint64) string {
	switch {
	case uint64(size) > devFree/10*9:
		return fmt.Sprintf("needs %s of device memory, %s free (90%% usable)", benchenv.GiB(uint64(size)), benchenv.GiB(devFree))
	case hostAvail > 0 && uint64(size) > hostAvail/2:
		return fmt.Sprintf("needs %s of host memory, MemAvailable %s (half usable)", benchenv.GiB(uint64(size)), benchenv.GiB(hostAvail))
	}
	return ""
}

func benchLoad(b *testing.B, e *env, size, chunk int64) {
	defer e.lock(b)()
	free, _, err := e.ctx.MemInfo()
	if err != nil {
		b.Fatal(err)
	}
	avail, _ := benchenv.MemInfo("MemAvailable")
	if why := loadFits(size, free, avail); why != "" {
		b.Skipf("size=%s: %s", benchname.Size(size), why)
	}
	dev, err := e.ctx.Alloc(uint64(size))
	if err != nil {
		b.Fatal(err)
	}
	defer e.ctx.Free(dev)
	host := make([]byte, size)
	fillRandom(host, rand.New(rand.NewPCG(uint64(size), 3)))
	load := func() error {
		for off := int64(0); off < size; off += chunk {
			end := min(off+chunk, size)
			if err := e.ctx.CopyHtoD(dev.Add(uint64(off)), host[off:end]); err != nil {
				return fmt.Errorf("chunk at %d: %w", off, err)
			}
		}
		return nil
	}
	// The ends of the buffer are cleared before the timed loads and checked
	// after them.
	k := int64(min(size, 4<<10))
	for _, off := range []int64{0, size - k} {
		if err := e.ctx.Memset(dev.Add(uint64(off)), ^host[off], uint64(k)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if err := load(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	got := make([]byte, k)
	for _, off := range []int64{0, size - k} {
		if err := e.ctx.CopyDtoH(got, dev.Add(uint64(off))); err != nil {
			b.Fatal(err)
		}
		if !bytes.Equal(got, host[off:off+k]) {
			b.Fatalf("after the loads the device buffer does not hold the host's bytes at offset %d", off)
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "B/s")
}
