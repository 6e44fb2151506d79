package ioengine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/teebench/teebench/internal/cputime"
	"github.com/teebench/teebench/internal/latency"
)

// Run executes job j on the test file f and returns what it measured after
// the ramp. Cancelling ctx stops the run with ctx's error. An I/O error or
// short transfer stops the run with an error naming the job, the operation
// and the offset.
func Run(ctx context.Context, f *File, j Job) (*Result, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	if need := j.FileSize(); need > f.Size {
		return nil, fmt.Errorf("ioengine: job %q needs a %d MiB file, %s has %d MiB", j.Name, need>>20, f.Path, f.Size>>20)
	}
	nw := j.workers()
	var quota []int64
	if j.NumberIOs > 0 {
		quota = make([]int64, nw)
		for i := range quota {
			quota[i] = j.NumberIOs / int64(nw)
			if int64(i) < j.NumberIOs%int64(nw) {
				quota[i]++
			}
		}
	}

	ws := make([]*worker, nw)
	for i := range ws {
		w, err := newWorker(f, j, i)
		if err != nil {
			for _, o := range ws[:i] {
				o.close()
			}
			return nil, err
		}
		ws[i] = w
	}

	// The clock starts once every worker is set up.
	base := time.Now()
	rampEnd := int64(j.Ramp)
	end := int64(-1)
	if j.NumberIOs == 0 {
		end = rampEnd + int64(j.Runtime)
	}
	var stop atomic.Bool
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-runCtx.Done()
		stop.Store(true)
	}()
	for i, w := range ws {
		w.base, w.rampEnd, w.end, w.stop = base, rampEnd, end, &stop
		w.rawWait = nw <= runtime.GOMAXPROCS(0)
		w.quota = -1
		if quota != nil {
			w.quota = quota[i]
		}
	}

	var wg sync.WaitGroup
	errs := make([]error, nw)
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.run()
			if errs[i] != nil {
				cancel() // stops the other workers and the coordinator's waits
			}
		}()
	}

	// CPU time is read at the ramp's end and at the window's end.
	sleepUntil(runCtx, base, rampEnd)
	cpu0, _ := cputime.Process()
	if end >= 0 {
		sleepUntil(runCtx, base, end)
	}
	if end < 0 {
		wg.Wait()
	}
	cpu1, _ := cputime.Process()
	wg.Wait()
	for _, w := range ws {
		w.close()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ioengine: job %q: %w", j.Name, err)
	}

	r := &Result{Lat: latency.New(), ReadLat: latency.New(), WriteLat: latency.New(), CPU: cpu1 - cpu0, Direct: f.Direct}
	var last int64
	for _, w := range ws {
		r.Reads += w.reads
		r.Writes += w.writes
		r.ReadBytes += w.reads * int64(j.BlockSize)
		r.WriteBytes += w.writes * int64(j.BlockSize)
		r.ReadLat.Merge(w.rlat)
		r.WriteLat.Merge(w.wlat)
		last = max(last, w.lastDone)
	}
	r.Lat.Merge(r.ReadLat)
	r.Lat.Merge(r.WriteLat)
	if end >= 0 {
		r.Elapsed = time.Duration(end - rampEnd)
	} else {
		r.Elapsed = time.Duration(last - rampEnd)
	}
	if r.IOs() == 0 {
		return nil, fmt.Errorf("ioengine: job %q completed no I/O in its %v window", j.Name, r.Elapsed)
	}
	return r, nil
}

// reapMax is how many completions one io_getevents may return: fio's
// default iodepth_batch_complete_max (= iodepth_batch_complete_min = 1),
// so that like fio a worker makes two system calls per I/O. Reaping up to
// IODepth at once saved most of the reaps and, where a system call is
// dear (a VM), ran 1.6-2.5x as many 4 KiB I/Os at depth 64 as fio on the
// same file.
const reapMax = 1

func sleepUntil(ctx context.Context, base time.Time, at int64) {
	d := time.Until(base.Add(time.Duration(at)))
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// worker is one fio job instance: one file descriptor, one AIO context,
// IODepth slots.
type worker struct {
	job      Job
	fd       int
	aio      aioContext
	mem      []byte
	iocbs    []iocb
	submitAt []int64
	free     []int
	batch    []*iocb
	events   []ioEvent
	regStart int64
	nblocks  uint64
	perm     perm
	pos      uint64
	rng      *rand.PCG
	writeSeq uint64

	base         time.Time
	rampEnd, end int64 // ns after base; end < 0: count-based
	quota        int64 // I/Os to count (count-based), -1 otherwise
	stop         *atomic.Bool

	rawWait bool // wait for completions holding the P (aioContext.getEvents)

	reads, writes int64
	lastDone      int64
	nextYield     int64 // ns after base: when run next yields (yieldEvery)
	rlat, wlat    *latency.Recorder
}

func newWorker(f *File, j Job, idx int) (*worker, error) {
	fd, err := unix.Open(f.Path, f.OpenFlags()|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("ioengine: job %q: open %s: %w", j.Name, f.Path, err)
	}
	w := &worker{job: j, fd: fd, rlat: latency.New(), wlat: latency.New()}
	w.aio, err = ioSetup(j.IODepth)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("ioengine: job %q: %w (see /proc/sys/fs/aio-max-nr)", j.Name, err)
	}
	w.mem, err = unix.Mmap(-1, 0, j.IODepth*j.BlockSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		w.close()
		return nil, fmt.Errorf("ioengine: job %q: mmap %d buffers of %d bytes: %w", j.Name, j.IODepth, j.BlockSize, err)
	}
	seed := rand.Uint64()
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(idx)}).Read(w.mem)
	w.iocbs = make([]iocb, j.IODepth)
	w.submitAt = make([]int64, j.IODepth)
	w.free = make([]int, j.IODepth)
	for i := range w.free {
		w.free[i] = j.IODepth - 1 - i
	}
	w.batch = make([]*iocb, 0, j.IODepth)
	w.events = make([]ioEvent, reapMax)
	w.regStart = int64(idx) * j.OffsetIncrement
	w.nblocks = uint64(j.Size / int64(j.BlockSize))
	w.rng = rand.NewPCG(seed, uint64(idx))
	w.perm = newPerm(w.nblocks, w.rng.Uint64())
	return w, nil
}

func (w *worker) close() {
	if w.aio != 0 {
		w.aio.destroy()
		w.aio = 0
	}
	if w.mem != nil {
		unix.Munmap(w.mem)
		w.mem = nil
	}
	if w.fd >= 0 {
		unix.Close(w.fd)
		w.fd = -1
	}
}

func (w *worker) now() int64 { return int64(time.Since(w.base)) }

// next returns the next I/O's direction and offset.
func (w *worker) next() (write bool, off int64) {
	j := &w.job
	var blk uint64
	if j.RW.random() {
		if w.pos == w.nblocks {
			w.pos = 0
			w.perm = newPerm(w.nblocks, w.rng.Uint64())
		}
		blk = w.perm.at(w.pos)
	} else {
		blk = w.pos % w.nblocks
	}
	w.pos++
	if w.pos == w.nblocks && !j.RW.random() {
		w.pos = 0
	}
	switch j.RW {
	case Write, RandWrite:
		write = true
	case RandRW:
		write = w.rng.Uint64()%100 >= uint64(j.RWMixRead)
	}
	return write, w.regStart + int64(blk)*int64(j.BlockSize)
}

// scramble stamps the write buffer of slot with the offset and a counter
// in the first 8 bytes of every 4 KiB block, so that no two writes carry
// the same data (fio's scramble_buffers, against deduplicating storage).
func (w *worker) scramble(slot int, off int64) {
	w.writeSeq++
	v := uint64(off) ^ w.writeSeq<<40
	buf := w.mem[slot*w.job.BlockSize : (slot+1)*w.job.BlockSize]
	for b := 0; b < len(buf); b += 4096 {
		binary.LittleEndian.PutUint64(buf[b:], v+uint64(b))
	}
}

// yieldEvery is how often a worker yields its P. A worker never blocks in
// the scheduler (its waits are system calls, raw ones holding the P when
// every worker has one), so without a yield the runtime sees one goroutine
// running for ever. Once it has run 10 ms on one schedtick, sysmon tries to
// preempt it at every tick, and each time it finds the worker inside
// io_submit it takes the P away (runtime.retake), which sets sysmon back to
// ticking every 20 µs. On one CPU those ticks preempt the worker thousands
// of times a second. Measured on the dev VM with the whole test process on
// one vCPU, 4 KiB random I/O at depth 64, 6 runs with and 6 without the
// yield (fio in the same runs): Go/fio IOPS 0.74 -> 1.05 on reads and
// 0.87 -> 1.13 on writes (medians), the Go process's CPU per read 15-19 us
// -> 10-13 us; in one run traced with perf, 11 450 nanosleeps and 25 674
// context switches without the yield, 779 and 2 544 with it. Yielding well
// inside sysmon's 10 ms keeps it asleep; a yield with nothing else to run
// costs 106-145 ns on the dev VM (runtime.Gosched in a b.Loop, GOMAXPROCS
// 1 and 2), once a millisecond.
const yieldEvery = time.Millisecond

func (w *worker) run() error {
	j := &w.job
	bs := j.BlockSize
	inflight := 0
	counted := int64(0)
	for {
		now := w.now()
		done := w.stop.Load() || (w.end >= 0 && now >= w.end) ||
			(w.quota >= 0 && now >= w.rampEnd && counted+int64(inflight) >= w.quota)
		if !done {
			w.batch = w.batch[:0]
			for len(w.free) > 0 {
				if w.quota >= 0 && now >= w.rampEnd && counted+int64(inflight+len(w.batch)) >= w.quota {
					break
				}
				slot := w.free[len(w.free)-1]
				w.free = w.free[:len(w.free)-1]
				write, off := w.next()
				cb := &w.iocbs[slot]
				*cb = iocb{
					data:   uint64(slot),
					opcode: iocbCmdPread,
					fildes: uint32(w.fd),
					buf:    uint64(uintptr(unsafe.Pointer(&w.mem[slot*bs]))),
					nbytes: uint64(bs),
					offset: off,
				}
				if write {
					cb.opcode = iocbCmdPwrite
					w.scramble(slot, off)
				}
				w.batch = append(w.batch, cb)
			}
			if len(w.batch) > 0 {
				t := w.now()
				for _, cb := range w.batch {
					w.submitAt[cb.data] = t
				}
				// One io_submit per I/O, as fio's default
				// iodepth_batch_submit=1: the device gets the first I/O
				// without waiting for the rest of the batch to be built
				// and copied in. On this machine that kept read_iops
				// within a few % of fio, where one io_submit per batch
				// lost about 10%.
				n, err := 0, error(nil)
				for k := range w.batch {
					var m int
					m, err = w.aio.submit(w.batch[k : k+1])
					n += m
					if err != nil || m == 0 {
						break
					}
				}
				if err != nil && !(errors.Is(err, unix.EAGAIN) && inflight+n > 0) {
					return fmt.Errorf("ioengine: job %q: io_submit: %w", j.Name, err)
				}
				inflight += n
				for _, cb := range w.batch[n:] {
					w.free = append(w.free, int(cb.data))
				}
			}
		}
		if inflight == 0 {
			return nil
		}
		if now >= w.nextYield {
			runtime.Gosched()
			w.nextYield = now + int64(yieldEvery)
		}
		// One completion per io_getevents, as fio reaps (see reapMax).
		n, err := w.aio.getEvents(1, w.events, w.rawWait)
		if err != nil {
			return fmt.Errorf("ioengine: job %q: %w", j.Name, err)
		}
		now = w.now()
		for _, ev := range w.events[:n] {
			slot := int(ev.data)
			cb := &w.iocbs[slot]
			inflight--
			w.free = append(w.free, slot)
			op := "read"
			if cb.opcode == iocbCmdPwrite {
				op = "write"
			}
			if ev.res < 0 {
				return fmt.Errorf("ioengine: job %q: %s of %d bytes at offset %d: %w", j.Name, op, bs, cb.offset, unix.Errno(-ev.res))
			}
			if ev.res != int64(bs) {
				return fmt.Errorf("ioengine: job %q: short %s at offset %d: %d of %d bytes", j.Name, op, cb.offset, ev.res, bs)
			}
			if now < w.rampEnd || (w.end >= 0 && now > w.end) || (w.quota >= 0 && counted >= w.quota) {
				continue
			}
			counted++
			w.lastDone = now
			lat := time.Duration(now - w.submitAt[slot])
			if cb.opcode == iocbCmdPwrite {
				w.writes++
				w.wlat.Record(lat)
			} else {
				w.reads++
				w.rlat.Record(lat)
			}
		}
	}
}
