package ioengine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/teebench/teebench/internal/leftover/leftovertest"
	"golang.org/x/sys/unix"
)

func TestPermVisitsEveryBlockOnce(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 7, 64, 1000, 4097} {
		for seed := uint64(0); seed < 3; seed++ {
			p := newPerm(n, seed*0x12345)
			seen := make([]bool, n)
			for i := uint64(0); i < n; i++ {
				v := p.at(i)
				if v >= n || seen[v] {
					t.Fatalf("n=%d seed=%d: at(%d)=%d repeated or out of range", n, seed, i, v)
				}
				seen[v] = true
			}
		}
	}
	// Not the identity (the order must be random-looking).
	p := newPerm(1000, 1)
	same := 0
	for i := uint64(0); i < 1000; i++ {
		if p.at(i) == i {
			same++
		}
	}
	if same > 20 {
		t.Errorf("%d of 1000 fixed points", same)
	}
}

func TestJobValidate(t *testing.T) {
	ok := Job{Name: "j", RW: RandRead, BlockSize: 4096, IODepth: 4, Size: 1 << 20, Runtime: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mod  func(*Job)
		want string
	}{
		{func(j *Job) { j.RW = "randtrim" }, `readwrite "randtrim"`},
		{func(j *Job) { j.BlockSize = 1000 }, "bs 1000"},
		{func(j *Job) { j.IODepth = 0 }, "iodepth 0"},
		{func(j *Job) { j.Size = 4096*3 + 1 }, "size 12289"},
		{func(j *Job) { j.OffsetIncrement = 100 }, "offset_increment 100"},
		{func(j *Job) { j.RW, j.RWMixRead = RandRW, 101 }, "rwmixread 101"},
		{func(j *Job) { j.Runtime = 0 }, "runtime 0s"},
		{func(j *Job) { j.Ramp = -1 }, "ramp_time"},
	} {
		j := ok
		tc.mod(&j)
		err := j.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `job "j"`) {
			t.Errorf("error %v, want it to name the job and %q", err, tc.want)
		}
	}
	if got := (Job{Size: 16 << 20, NumJobs: 4, OffsetIncrement: 4 << 20}).FileSize(); got != 28<<20 {
		t.Errorf("FileSize %d, want 28 MiB (fio lays out offset+size of the last job)", got)
	}
}

func TestPrepareFileBadDir(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(os.TempDir(), &st); err != nil {
		t.Fatal(err)
	}
	tooBig := int64(st.Bavail*uint64(st.Bsize)) + 1<<30
	tooBig -= tooBig % (1 << 20)
	for _, tc := range []struct {
		name, dir string
		size      int64
		want      string
	}{
		{"missing", "/nonexistent/teebench", 1 << 20, "no such file"},
		{"not a directory", notDir, 1 << 20, "is not a directory"},
		// /proc refuses new directories even to root.
		{"not writable", "/proc", 1 << 20, "is not writable"},
		{"no space", os.TempDir(), tooBig, "MiB free"},
		{"proc", "/proc/self", 1 << 20, "is not writable"},
		{"bad size", os.TempDir(), 1000, "multiple of 1 MiB"},
	} {
		f, err := PrepareFile(tc.dir, tc.size, 0)
		if err == nil {
			f.Remove()
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want %q", tc.name, err, tc.want)
		}
	}
	// A refused directory is left as it was.
	empty := t.TempDir()
	if _, err := PrepareFile(empty, tooBig, 0); err == nil {
		t.Fatal("no error for a file larger than the free space")
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("no-space error left %d entries in %s", len(ents), empty)
	}
}

func prepare(t *testing.T, dir string, size int64) *File {
	t.Helper()
	f, err := PrepareFile(dir, size, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Remove(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(f.Dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Remove: %v", f.Dir, err)
		}
	})
	return f
}

func TestPrepareFileContent(t *testing.T) {
	f := prepare(t, t.TempDir(), 2<<20)
	b, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != f.Size {
		t.Fatalf("size %d, want %d", len(b), f.Size)
	}
	// Every 4 KiB block differs (no dedup / zero blocks).
	seen := map[string]bool{}
	for off := 0; off < len(b); off += 4096 {
		k := string(b[off : off+4096])
		if seen[k] {
			t.Fatalf("block at %d repeats an earlier block", off)
		}
		seen[k] = true
	}
	t.Logf("fs %s dev %s direct %v %s", f.FS, f.Dev, f.Direct, f.DirectNote)
	// On a file system on a block device, Dev is the device's name.
	var st unix.Stat_t
	if err := unix.Stat(f.Path, &st); err != nil {
		t.Fatal(err)
	}
	if unix.Major(st.Dev) != 0 && (f.Dev == "" || strings.Contains(f.Dev, ":")) {
		t.Errorf("dev %q for a file on device %d:%d, want the device's name", f.Dev, unix.Major(st.Dev), unix.Minor(st.Dev))
	}
}

// TestPrepareFileLayout: the file is laid out as fio lays out its own
// (allocated, not sparse, and out of the page cache when the jobs start).
func TestPrepareFileLayout(t *testing.T) {
	f := prepare(t, t.TempDir(), 4<<20)
	var st unix.Stat_t
	if err := unix.Stat(f.Path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != f.Size || st.Blocks*512 < f.Size {
		t.Errorf("size %d, %d bytes allocated; want %d, all allocated", st.Size, st.Blocks*512, f.Size)
	}
	if !f.Direct {
		t.Skipf("page cache check needs a file system with O_DIRECT (%s: %s)", f.FS, f.DirectNote)
	}
	fd, err := unix.Open(f.Path, unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	m, err := unix.Mmap(fd, 0, int(f.Size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (f.Size+4095)/4096)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	resident := 0
	for _, v := range vec {
		resident += int(v & 1)
	}
	// A few pages may be read back by the kernel's own readahead of
	// metadata; a file left in the cache would have them all.
	if resident > len(vec)/8 {
		t.Errorf("%d of %d pages still in the page cache after PrepareFile", resident, len(vec))
	}
}

// tmpfs accepts O_DIRECT on recent kernels but is memory: it must be
// reported as not direct, with a note, and jobs must still run.
func TestTmpfsIsNotDirect(t *testing.T) {
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Skip("/dev/shm is not tmpfs here")
	}
	f := prepare(t, "/dev/shm", 4<<20)
	if f.FS != "tmpfs" || f.Direct || !strings.Contains(f.DirectNote, "tmpfs") {
		t.Fatalf("fs %q direct %v note %q", f.FS, f.Direct, f.DirectNote)
	}
	// tmpfs has a device number (major 0) but no block device.
	if !regexp.MustCompile(`^0:\d+$`).MatchString(f.Dev) {
		t.Errorf("dev %q on tmpfs, want 0:N", f.Dev)
	}
	r, err := Run(context.Background(), f, Job{Name: "t", RW: RandRead, BlockSize: 4096, IODepth: 8, Size: 4 << 20, NumberIOs: 500})
	if err != nil {
		t.Fatal(err)
	}
	if r.Reads != 500 || r.Direct {
		t.Fatalf("reads %d direct %v", r.Reads, r.Direct)
	}
}

func TestRunCountBased(t *testing.T) {
	f := prepare(t, t.TempDir(), 8<<20)
	for _, j := range []Job{
		{Name: "rr", RW: RandRead, BlockSize: 4096, IODepth: 16, Size: 8 << 20, NumberIOs: 1000},
		{Name: "seq", RW: Read, BlockSize: 64 << 10, IODepth: 4, NumJobs: 4, OffsetIncrement: 2 << 20, Size: 2 << 20, NumberIOs: 402},
		{Name: "rw", RW: RandWrite, BlockSize: 8192, IODepth: 2, Size: 4 << 20, NumberIOs: 300, Ramp: 20 * time.Millisecond},
		{Name: "one", RW: Write, BlockSize: 4096, IODepth: 64, Size: 1 << 20, NumberIOs: 1},
	} {
		r, err := Run(context.Background(), f, j)
		if err != nil {
			t.Fatal(err)
		}
		write := j.RW == Write || j.RW == RandWrite
		n, nb, lat := r.Reads, r.ReadBytes, r.ReadLat.Count()
		if write {
			n, nb, lat = r.Writes, r.WriteBytes, r.WriteLat.Count()
		}
		if n != j.NumberIOs || r.IOs() != j.NumberIOs || nb != j.NumberIOs*int64(j.BlockSize) || lat != n || r.Lat.Count() != n {
			t.Errorf("%s: %+v, want exactly %d I/Os, bytes and latencies", j.Name, r, j.NumberIOs)
		}
		if r.Elapsed <= 0 || r.IOPS() <= 0 || r.Lat.Mean() <= 0 || r.Lat.Percentile(99) < r.Lat.Min() {
			t.Errorf("%s: elapsed %v IOPS %v lat %v", j.Name, r.Elapsed, r.IOPS(), r.Lat.Mean())
		}
		if r.CPU < 0 {
			t.Errorf("%s: negative CPU %v", j.Name, r.CPU)
		}
	}
}

func TestRunTimeBasedMix(t *testing.T) {
	f := prepare(t, t.TempDir(), 8<<20)
	j := Job{Name: "mix", RW: RandRW, RWMixRead: 75, BlockSize: 4096, IODepth: 32, Size: 8 << 20,
		Ramp: 100 * time.Millisecond, Runtime: 400 * time.Millisecond}
	start := time.Now()
	r, err := Run(context.Background(), f, j)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if r.Elapsed != j.Runtime {
		t.Errorf("window %v, want the runtime %v", r.Elapsed, j.Runtime)
	}
	if took < j.Ramp+j.Runtime || took > j.Ramp+j.Runtime+2*time.Second {
		t.Errorf("run took %v for ramp %v + runtime %v", took, j.Ramp, j.Runtime)
	}
	if r.IOs() < 200 {
		t.Fatalf("only %d I/Os in %v", r.IOs(), r.Elapsed)
	}
	frac := float64(r.Reads) / float64(r.IOs())
	if frac < 0.70 || frac > 0.80 {
		t.Errorf("read fraction %.3f for rwmixread=75 (%d reads, %d writes)", frac, r.Reads, r.Writes)
	}
	if r.ReadLat.Count() != r.Reads || r.WriteLat.Count() != r.Writes {
		t.Errorf("latency counts %d/%d, I/Os %d/%d", r.ReadLat.Count(), r.WriteLat.Count(), r.Reads, r.Writes)
	}
	if d := r.ReadIOPS() + r.WriteIOPS() - r.IOPS(); d > 1e-6 || d < -1e-6 {
		t.Errorf("read+write IOPS != IOPS")
	}
}

// Sequential writes land exactly in each worker's region (offset_increment)
// and nowhere else.
func TestRunWritesOwnRegions(t *testing.T) {
	f := prepare(t, t.TempDir(), 4<<20)
	before, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	j := Job{Name: "w", RW: Write, BlockSize: 4096, IODepth: 8, NumJobs: 2, OffsetIncrement: 2 << 20, Size: 1 << 20, NumberIOs: 512}
	if _, err := Run(context.Background(), f, j); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(after); off += 4096 {
		inRegion := off < 1<<20 || (off >= 2<<20 && off < 3<<20)
		changed := !bytes.Equal(before[off:off+4096], after[off:off+4096])
		if changed != inRegion {
			t.Fatalf("block at %d: changed=%v, in a worker region=%v", off, changed, inRegion)
		}
	}
}

func TestRunErrors(t *testing.T) {
	f := prepare(t, t.TempDir(), 1<<20)
	_, err := Run(context.Background(), f, Job{Name: "big", RW: Read, BlockSize: 4096, IODepth: 1, Size: 2 << 20, NumberIOs: 1})
	if err == nil || !strings.Contains(err.Error(), "needs a 2 MiB file") {
		t.Errorf("too big: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = Run(ctx, f, Job{Name: "c", RW: RandRead, BlockSize: 4096, IODepth: 1, Size: 1 << 20, Runtime: time.Hour})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled run: %v", err)
	}
}

// The interrupt test runs this test binary again as a child that prepares
// a file and waits; SIGINT must remove the file and end the child by the
// signal.
func TestInterruptRemovesFile(t *testing.T) {
	if dir := os.Getenv("IOENGINE_INTERRUPT_CHILD"); dir != "" {
		f, err := PrepareFile(dir, 1<<20, 0)
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("PREPARED " + f.Path + "\n")
		time.Sleep(30 * time.Second)
		os.Exit(4)
	}
	var stderr strings.Builder
	cmd, path := leftovertest.StartChild(t, "TestInterruptRemovesFile", []string{"IOENGINE_INTERRUPT_CHILD=" + t.TempDir()}, "PREPARED ", time.Minute, &stderr)
	if _, err := os.Stat(path); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not create its file (%q): %v", path, err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child exit: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child ended with %v, want killed by SIGINT", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("test file directory left after SIGINT: %v", err)
	}
	if !strings.Contains(stderr.String(), "interrupted: removed test file") {
		t.Errorf("child stderr %q", stderr.String())
	}
}

// An I/O that comes back short stops the run at once with an error naming
// the job, the operation and the offset.
func TestRunShortRead(t *testing.T) {
	f := prepare(t, t.TempDir(), 2<<20)
	if err := os.Truncate(f.Path, 1<<20); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := Run(context.Background(), f, Job{Name: "short", RW: RandRead, BlockSize: 4096, IODepth: 8, Size: 2 << 20, Runtime: time.Hour})
	if err == nil || !strings.Contains(err.Error(), `job "short": short read at offset`) {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failed run took %v to stop", d)
	}
}

// TestRunLetsOthersRun: a worker yields its P often (yieldEvery), so with
// one P other goroutines run within about a millisecond while a job runs,
// not only when sysmon preempts the worker (10 ms or more), and sysmon is
// not kept ticking every 20 µs (see yieldEvery).
func TestRunLetsOthersRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f := prepare(t, t.TempDir(), 8<<20)
	j := Job{Name: "yield", RW: RandRead, BlockSize: 4096, IODepth: 64, Size: 8 << 20, Runtime: 500 * time.Millisecond}
	done := make(chan struct{})
	gaps := make(chan []time.Duration)
	go func() {
		var g []time.Duration
		for {
			select {
			case <-done:
				gaps <- g
				return
			default:
			}
			t0 := time.Now()
			time.Sleep(100 * time.Microsecond)
			g = append(g, time.Since(t0))
		}
	}()
	r, err := Run(context.Background(), f, j)
	close(done)
	g := <-gaps
	if err != nil {
		t.Fatal(err)
	}
	if r.IOs() == 0 {
		t.Fatal("no I/O")
	}
	slices.Sort(g)
	if len(g) < 10 {
		t.Fatalf("another goroutine ran %d times in a %v job with GOMAXPROCS=1 (%d I/Os)", len(g), j.Runtime, r.IOs())
	}
	if med := g[len(g)/2]; med > 4*time.Millisecond {
		t.Errorf("another goroutine waited %v (median of %d) for the P during the job, want about yieldEvery (%v)", med, len(g), yieldEvery)
	}
}
