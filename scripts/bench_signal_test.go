package scripts

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// proc is one process as /proc/<pid>/stat describes it.
type proc struct {
	pid, ppid, pgid, sid int
	start                string // start time in clock ticks since boot: (pid, start) names a process
	cmdline              string
}

func readProcs() map[int]proc {
	ps := map[int]proc{}
	ents, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, e := range ents {
		b, err := os.ReadFile(e)
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		// state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime
		if len(f) < 20 || f[0] == "Z" {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(e)))
		p := proc{pid: pid, start: f[19]}
		p.ppid, _ = strconv.Atoi(f[1])
		p.pgid, _ = strconv.Atoi(f[2])
		p.sid, _ = strconv.Atoi(f[3])
		cl, _ := os.ReadFile(filepath.Join(filepath.Dir(e), "cmdline"))
		p.cmdline = strings.ReplaceAll(string(cl), "\x00", " ")
		ps[pid] = p
	}
	return ps
}

// benchRun is a bench.sh run in a process group of its own (as a shell
// runs a command; SIGINT to the group is Ctrl-C), with a watcher that
// records every process it starts: its descendants, their process groups
// and sessions, and any process naming the I/O directory (fio's job
// processes start sessions of their own, and are reparented when their
// parent dies).
type benchRun struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines chan string

	mu     sync.Mutex
	out    strings.Builder
	seen   map[int]proc
	groups map[int]bool
	sess   map[int]bool
	stop   chan struct{}
	done   chan struct{}
	ioDir  string
}

func startBench(t *testing.T, ioDir string, env ...string) *benchRun {
	t.Helper()
	cmd := exec.Command("./bench.sh")
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "TEEBENCH_IO_DIR="+ioDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := &benchRun{t: t, cmd: cmd, lines: make(chan string, 1000), seen: map[int]proc{}, groups: map[int]bool{},
		sess: map[int]bool{}, stop: make(chan struct{}), done: make(chan struct{}), ioDir: ioDir}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			r.mu.Lock()
			r.out.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			select {
			case r.lines <- sc.Text():
			default:
			}
		}
		close(r.lines)
	}()
	go r.watch()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		r.killSeen()
	})
	return r
}

// watch records bench.sh's process tree every 10 ms until stop.
func (r *benchRun) watch() {
	defer close(r.done)
	mySid, _ := unix.Getsid(0)
	root := r.cmd.Process.Pid
	for {
		ps := readProcs()
		kids := map[int][]int{}
		for _, p := range ps {
			kids[p.ppid] = append(kids[p.ppid], p.pid)
		}
		r.mu.Lock()
		for q := []int{root}; len(q) > 0; {
			p, ok := ps[q[0]]
			q = append(q[1:], kids[q[0]]...)
			if !ok {
				continue
			}
			r.seen[p.pid] = p
			if p.sid != mySid {
				r.sess[p.sid] = true
			}
			r.groups[p.pgid] = true
		}
		for _, p := range ps {
			if strings.Contains(p.cmdline, r.ioDir) {
				r.seen[p.pid] = p
			}
		}
		r.mu.Unlock()
		select {
		case <-r.stop:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// left returns the processes of the run still alive: any process seen
// (same pid and start time), any process in a group or session the run
// created, any process naming the I/O directory.
func (r *benchRun) left() []proc {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []proc
	for _, p := range readProcs() {
		s, ok := r.seen[p.pid]
		if ok && s.start == p.start || r.groups[p.pgid] || r.sess[p.sid] || strings.Contains(p.cmdline, r.ioDir) {
			out = append(out, p)
		}
	}
	return out
}

func (r *benchRun) killSeen() {
	for _, p := range r.left() {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
}

// waitLine waits for a line of bench.sh's output satisfying ok.
func (r *benchRun) waitLine(ok func(string) bool, d time.Duration) bool {
	deadline := time.After(d)
	for {
		select {
		case l, open := <-r.lines:
			if !open {
				return false
			}
			if ok(l) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// interrupt sends SIGINT to bench.sh's process group (what Ctrl-C does)
// and checks the interrupted run: exit 130 with the line naming the
// results, no process of the run left anywhere, nothing left in the I/O
// directory, the result file's earlier rows intact and an interrupted
// line in its skips file. It returns the result file's contents.
func (r *benchRun) interrupt(earlier ...string) string {
	t := r.t
	t.Helper()
	if err := syscall.Kill(-r.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- r.cmd.Wait() }()
	var err error
	select {
	case err = <-waitErr:
	case <-time.After(60 * time.Second):
		t.Fatalf("bench.sh still running 60 s after SIGINT:\n%s", r.output())
	}
	for range r.lines { // the output to its end
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("bench.sh exit %v, want status 130", err)
	}
	// The watcher sees the last state before it stops.
	time.Sleep(50 * time.Millisecond)
	close(r.stop)
	<-r.done
	deadline := time.Now().Add(3 * time.Second)
	for len(r.left()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for _, p := range r.left() {
		t.Errorf("process left after SIGINT: pid %d pgid %d sid %d: %s", p.pid, p.pgid, p.sid, p.cmdline)
	}
	if ents, _ := os.ReadDir(r.ioDir); len(ents) != 0 {
		t.Errorf("%d entries left in TEEBENCH_IO_DIR %s after SIGINT", len(ents), r.ioDir)
	}
	out := r.output()
	if !strings.Contains(out, "bench.sh: interrupted; results so far are in ") {
		t.Errorf("no line saying where the results are:\n%s", out)
	}
	i := strings.Index(out, "results so far are in ")
	if i < 0 {
		return ""
	}
	path := strings.Fields(out[i+len("results so far are in "):])[0]
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range earlier {
		if !hasRow(string(b), e) {
			t.Errorf("result file %s lacks the earlier row %q:\n%s", path, e, b)
		}
	}
	sk, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".skips.tsv")
	if err != nil || !strings.Contains(string(sk), "\ninterrupted\t") {
		t.Errorf("skips file: %v:\n%s", err, sk)
	}
	return string(b)
}

func (r *benchRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func needTool(t *testing.T, name string) {
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed", name)
	}
}

// SIGINT while io_bench fills its test file (after cpu_bench wrote its
// rows).
func TestBenchInterruptDuringFill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bench.sh")
	}
	io := t.TempDir()
	r := startBench(t, io, "PKGS=cpu_bench io_bench", "BENCH=SHA256|Fio", "BENCHTIME=1x",
		"TEEBENCH_PROFILE=quick", "OUTDIR="+t.TempDir(),
		// The test hook: 5 ms per MiB makes the 448 MiB fill last over 2 s,
		// a window no scheduler delay can miss.
		"IOENGINE_TEST_FILL_PAUSE=5ms")
	if !r.waitLine(func(l string) bool { return strings.HasPrefix(l, "[2/2] io_bench ...") }, 3*time.Minute) {
		t.Fatalf("io_bench never started:\n%s", r.output())
	}
	// The fill is in progress once the test file exists (it is laid out
	// as fio does, allocated to its full size first, so its size says
	// nothing; that no Fio row ran, checked below, says the fill was hit).
	deadline := time.Now().Add(time.Minute)
	for {
		if m, _ := filepath.Glob(filepath.Join(io, "teebench-io-*", "fiotest")); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no test file appeared:\n%s", r.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	res := r.interrupt("BenchmarkSHA256/size=64B")
	if strings.Contains(res, "BenchmarkFio/") {
		t.Errorf("a job ran: the interrupt did not hit the fill:\n%s", res)
	}
}

// SIGINT while fio runs (after cpu_bench's rows and the Go engine's row
// of the same job).
func TestBenchInterruptDuringFio(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bench.sh")
	}
	needTool(t, "fio")
	io := t.TempDir()
	r := startBench(t, io, "PKGS=cpu_bench io_bench", "BENCH=SHA256|Fio", "BENCHTIME=1x",
		"TEEBENCH_PROFILE=smoke", "OUTDIR="+t.TempDir())
	deadline := time.Now().Add(3 * time.Minute)
	for {
		n := 0
		for _, p := range readProcs() {
			if strings.Contains(p.cmdline, io) && strings.Contains(p.cmdline, "fio") {
				n++
			}
		}
		if n >= 2 { // fio's parent and its job process
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fio never ran:\n%s", r.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.interrupt("BenchmarkSHA256/size=64B", "BenchmarkFio/job=read_iops/engine=go")
}

// SIGINT while ab runs against net_bench's embedded target (after the
// client=go row).
func TestBenchInterruptDuringAb(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bench.sh")
	}
	needTool(t, "ab")
	io := t.TempDir()
	r := startBench(t, io, "PKGS=net_bench", "BENCH=^BenchmarkGateway$/^path=direct$/^keepalive=off$/c=4/client=(go|ab)$",
		"BENCHTIME=20000x", "TEEBENCH_PROFILE=smoke", "OUTDIR="+t.TempDir())
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ab := false
		r.mu.Lock()
		for _, p := range r.seen {
			ab = ab || strings.HasSuffix(strings.Fields(p.cmdline + " x")[0], "/ab") && strings.Contains(p.cmdline, "-n 20000")
		}
		r.mu.Unlock()
		if ab {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ab never ran:\n%s", r.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.interrupt("BenchmarkGateway/path=direct/keepalive=off/c=4/client=go")
}
