package interrupt

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// The child registers two cleanups and waits; SIGTERM must run both,
// newest first, and end the child by SIGTERM.
func TestCleanupsRunNewestFirst(t *testing.T) {
	if os.Getenv("INTERRUPT_CHILD") == "1" {
		Register(func() { os.Stdout.WriteString("first-registered\n") })
		un := Register(func() { os.Stdout.WriteString("never\n") })
		un()
		un()
		Register(func() { os.Stdout.WriteString("second-registered\n") })
		os.Stdout.WriteString("ready\n")
		time.Sleep(30 * time.Second)
		os.Exit(4)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCleanupsRunNewestFirst$")
	cmd.Env = append(os.Environ(), "INTERRUPT_CHILD=1")
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(pipe)
	if l, err := r.ReadString('\n'); l != "ready\n" {
		cmd.Process.Kill()
		t.Fatalf("child printed %q, %v", l, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child exit: %v", err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("child ended with %v, want killed by SIGTERM", err)
	}
	if got, want := string(rest), "second-registered\nfirst-registered\n"; got != want {
		t.Errorf("child printed %q, want %q", got, want)
	}
}

// With nothing registered, Wait returns at once.
func TestWaitReturns(t *testing.T) {
	done := make(chan struct{})
	go func() { Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait blocked without an interrupt")
	}
}
