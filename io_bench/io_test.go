package io_bench

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/ioengine"
	"github.com/teebench/teebench/internal/reftool"
)

// The report's jobs, as InfraBuilder/docker-fio's benchmark.sh writes them
// (docs/methods.md §1), at the report profile's sizes, and the two QD1
// mechanism jobs.
func TestFioArgsMatchBenchmarkSh(t *testing.T) {
	s := Sizes{Size: 2 << 30, OffsetIncrement: 500 << 20, Ramp: 2 * time.Second, Runtime: 15 * time.Second}
	common := "--randrepeat=0 --verify=0 --ioengine=libaio --direct=1 --filename=/d/fiotest --size=2147483648 --ramp_time=2000ms --time_based --runtime=15000ms "
	want := map[string]string{
		"read_iops":     "--gtod_reduce=1 --readwrite=randread --bs=4096 --iodepth=64",
		"write_iops":    "--gtod_reduce=1 --readwrite=randwrite --bs=4096 --iodepth=64",
		"read_bw":       "--gtod_reduce=1 --readwrite=randread --bs=131072 --iodepth=64",
		"write_bw":      "--gtod_reduce=1 --readwrite=randwrite --bs=131072 --iodepth=64",
		"read_latency":  "--lat_percentiles=1 --readwrite=randread --bs=4096 --iodepth=4",
		"write_latency": "--lat_percentiles=1 --readwrite=randwrite --bs=4096 --iodepth=4",
		"read_seq":      "--gtod_reduce=1 --readwrite=read --bs=1048576 --iodepth=16 --thread --numjobs=4 --offset_increment=524288000",
		"write_seq":     "--gtod_reduce=1 --readwrite=write --bs=1048576 --iodepth=16 --thread --numjobs=4 --offset_increment=524288000",
		"rw_mix":        "--gtod_reduce=1 --readwrite=randrw --bs=4096 --iodepth=64 --rwmixread=75",
		// not in benchmark.sh: the mechanism jobs, timed like the latency jobs
		"lat_qd1_read":  "--lat_percentiles=1 --readwrite=randread --bs=4096 --iodepth=1",
		"lat_qd1_write": "--lat_percentiles=1 --readwrite=randwrite --bs=4096 --iodepth=1",
	}
	specs := Specs(s)
	if len(specs) != len(want) {
		t.Fatalf("%d jobs, want %d", len(specs), len(want))
	}
	for _, sp := range specs {
		got := strings.Join(fioArgs(sp, "/d/fiotest", true, 0), " ")
		w := "--name=" + sp.Job.Name + " " + common + want[sp.Job.Name] + " --output-format=json"
		if got != w {
			t.Errorf("%s:\n got %s\nwant %s", sp.Job.Name, got, w)
		}
		if err := sp.Job.Validate(); err != nil {
			t.Error(err)
		}
	}
	// The sequential jobs need the file fio lays out: 2G + 3*500M.
	if got := specs[6].Job.FileSize(); got != 2<<30+1500<<20 {
		t.Errorf("read_seq file size %d", got)
	}
	if a := fioArgs(specs[0], "/d/a:b", true, 0); !slices.Contains(a, `--filename=/d/a\:b`) {
		t.Errorf("':' not escaped: %v", a)
	}
	a := fioArgs(specs[6], "/d/f", false, 10)
	if !slices.Contains(a, "--direct=0") || !slices.Contains(a, "--io_size=3145728") || slices.Contains(a, "--time_based") {
		t.Errorf("count-based buffered args %v", a)
	}
}

// Every job's command line runs on the real fio and parses, with the I/O
// pattern the engine uses for the same Job.
func TestFioArgsRunOnFio(t *testing.T) {
	fio, err := reftool.FioLookup()
	if err != nil {
		t.Skip(err)
	}
	sz := Sizes{Size: 4 << 20, OffsetIncrement: 1 << 20, Ramp: 0, Runtime: 100 * time.Millisecond}
	specs := Specs(sz)
	f := prepare(t, t.TempDir(), specs[6].Job.FileSize(), 0)
	for _, sp := range specs {
		out, err := reftool.Run(t.Context(), fio, fioArgs(sp, f.Path, f.Direct, 0)...)
		if err != nil {
			t.Fatalf("%s: %v", sp.Job.Name, err)
		}
		o, err := reftool.ParseFioJSON(out)
		if err != nil {
			t.Fatalf("%s: %v", sp.Job.Name, err)
		}
		s := o.Summary()
		if s.Jobs != max(sp.Job.NumJobs, 1) {
			t.Errorf("%s: %d fio jobs, want %d", sp.Job.Name, s.Jobs, sp.Job.NumJobs)
		}
		rw := sp.Job.RW
		reads := rw == ioengine.Read || rw == ioengine.RandRead || rw == ioengine.RandRW
		writes := rw == ioengine.Write || rw == ioengine.RandWrite || rw == ioengine.RandRW
		if (s.Read.IOs > 0) != reads || (s.Write.IOs > 0) != writes {
			t.Errorf("%s: %d reads, %d writes", sp.Job.Name, s.Read.IOs, s.Write.IOs)
		}
		if timed := s.Read.LatN+s.Write.LatN > 0; timed == sp.GtodReduce {
			t.Errorf("%s: fio timed I/Os = %v with gtod_reduce = %v", sp.Job.Name, timed, sp.GtodReduce)
		}
	}
	if fi, err := os.Stat(f.Path); err != nil {
		t.Errorf("test file after fio: %v", err)
	} else if fi.Size() != specs[6].Job.FileSize() {
		t.Errorf("fio changed the test file's size to %d, want %d", fi.Size(), specs[6].Job.FileSize())
	}
}

// The test file is removed when the benchmark using it fails.
func TestFileRemovedOnFailure(t *testing.T) {
	dir := t.TempDir()
	var path string
	res := testing.Benchmark(func(b *testing.B) {
		f := prepare(b, dir, 1<<20, 0)
		path = f.Path
		b.Fatal("deliberate failure")
	})
	if res.N != 0 {
		t.Fatalf("failing benchmark reported %v", res)
	}
	if path == "" {
		t.Fatal("prepare did not run")
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left after a failing benchmark: %v", filepath.Dir(path), err)
	}
}

// runSelf runs this test binary's BenchmarkFio with extra environment.
func runSelf(t *testing.T, bench string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench="+bench, "-test.benchtime=1x", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// A directory that is not writable fails the benchmark with a clear
// error before any I/O.
func TestBadIODir(t *testing.T) {
	if config.IODir() != "" {
		t.Skip("TEEBENCH_IO_DIR set by the caller")
	}
	out, err := runSelf(t, "^BenchmarkFio$", "TEEBENCH_IO_DIR=/proc", "TEEBENCH_PROFILE=smoke")
	if err == nil || !strings.Contains(out, "TEEBENCH_IO_DIR: ioengine: I/O directory /proc is not writable") {
		t.Errorf("err %v, output:\n%s", err, out)
	}
	if strings.Contains(out, "engine=go") {
		t.Errorf("a job ran despite the bad directory:\n%s", out)
	}
	out, err = runSelf(t, "^BenchmarkFio$", "TEEBENCH_IO_DIR=/nonexistent/io", "TEEBENCH_PROFILE=smoke")
	if err == nil || !strings.Contains(out, "/nonexistent/io: stat") {
		t.Errorf("err %v, output:\n%s", err, out)
	}
}

// On tmpfs the output says direct: false, as a config line and a log.
func TestTmpfsSaysNotDirect(t *testing.T) {
	if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
		t.Skip("no /dev/shm")
	}
	out, err := runSelf(t, "^BenchmarkFio$/^job=read_latency$/^engine=go$", "TEEBENCH_IO_DIR=/dev/shm", "TEEBENCH_PROFILE=smoke")
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	for _, want := range []string{"io-fs: tmpfs", "io-direct: false", "io-direct-note: tmpfs is memory", "io-dev: 0:",
		"BenchmarkFio/job=read_latency/engine=go", "IOPS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The io keys describe io_bench only: they are cleared after its
	// benchmarks (an empty value deletes a key), so that in a combined
	// result file they do not label the next package's rows.
	for _, want := range []string{"\nio-fs:\n", "\nio-dev:\n", "\nio-direct:\n", "\nio-direct-note:\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not clear %q after the benchmarks:\n%s", strings.TrimSpace(want), out)
		}
	}
	left, _ := filepath.Glob("/dev/shm/teebench-io-*")
	for _, l := range left {
		if fi, err := os.Stat(l); err == nil && time.Since(fi.ModTime()) < time.Minute {
			t.Errorf("%s left on tmpfs", l)
		}
	}
}

// Without fio on PATH, engine=fio skips and says why; engine=go still runs.
func TestNoFioSkips(t *testing.T) {
	out, err := runSelf(t, "^BenchmarkFio$/^job=read_latency$/", "PATH=/nonexistent", "TEEBENCH_PROFILE=smoke")
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	for _, want := range []string{"--- SKIP: BenchmarkFio/job=read_latency/engine=fio", "fio not installed",
		"BenchmarkFio/job=read_latency/engine=go"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// fioProcs returns the pids whose command line mentions dir.
func fioProcs(dir string) []string {
	var pids []string
	ents, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, e := range ents {
		b, err := os.ReadFile(e)
		if err == nil && strings.HasPrefix(filepath.Base(strings.SplitN(string(b), "\x00", 2)[0]), "fio") &&
			strings.Contains(string(b), dir) {
			pids = append(pids, filepath.Base(filepath.Dir(e)))
		}
	}
	return pids
}

// SIGINT or SIGTERM while fio runs kills fio, with the job processes it
// forked (its process group), and removes the test file.
func TestInterruptDuringFio(t *testing.T) {
	if _, err := reftool.FioLookup(); err != nil {
		t.Skip(err)
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkFio$/^job=read_latency$/^engine=fio$", "-test.benchtime=1x")
			cmd.Env = append(os.Environ(), "TEEBENCH_IO_DIR="+dir, "TEEBENCH_PROFILE=quick")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// fio forks a process for the job besides its parent (no --thread).
			deadline := time.Now().Add(30 * time.Second)
			for len(fioProcs(dir)) < 2 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if len(fioProcs(dir)) == 0 {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("fio never started")
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			deadline = time.Now().Add(2 * time.Second)
			for len(fioProcs(dir)) > 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if p := fioProcs(dir); len(p) > 0 {
				t.Errorf("fio still running 2 s after %v: pids %v", sig, p)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("%d entries left in %s after %v", len(ents), dir, sig)
			}
		})
	}
}

// SIGINT while the Go engine runs a job ends the run as interrupted: the
// test file is removed, the process dies of SIGINT, and no job that never
// ran is reported as failed (no "context canceled" failures).
func TestInterruptDuringGoEngine(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkFio$/./^engine=go$", "-test.benchtime=1x", "-test.v")
	cmd.Env = append(os.Environ(), "TEEBENCH_IO_DIR="+dir, "TEEBENCH_PROFILE=smoke")
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		// The second job is running: the first one's result is written.
		if sc.Text() == "BenchmarkFio/job=write_iops/engine=go" {
			cmd.Process.Signal(os.Interrupt)
			break
		}
	}
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
		t.Errorf("exit %v, want killed by SIGINT", err)
	}
	o := out.String()
	if strings.Contains(o, "FAIL") || strings.Contains(o, "context canceled") {
		t.Errorf("interrupted run reports failures:\n%s", o)
	}
	if !strings.Contains(o, "BenchmarkFio/job=read_iops/engine=go") || !strings.Contains(o, "ioengine: interrupted: removed test file") {
		t.Errorf("output lacks the first result or the removal line:\n%s", o)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d entries left in %s after SIGINT", len(ents), dir)
	}
}
