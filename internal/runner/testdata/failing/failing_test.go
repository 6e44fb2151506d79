// Package failing is a benchmark package with a skip, a failure whose log
// has lines before its error, a URL with credentials, and (with
// RUNNER_TEST_SLEEP set) a benchmark that outlives any deadline and leaves
// a process in a session of its own, for the runner's tests.
package failing

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func BenchmarkOK(b *testing.B) {
	for range b.N {
	}
	b.ReportMetric(5, "ns/op")
}

func BenchmarkSkip(b *testing.B) {
	b.Skip("tool not installed")
}

func BenchmarkFail(b *testing.B) {
	b.Log("1 requests, 0 failed; output tokens counted from usage")
	b.Fatal("warm-up request failed: http://alice:s3cret@127.0.0.1:1/v1 refused")
}

func BenchmarkSleep(b *testing.B) {
	if os.Getenv("RUNNER_TEST_SLEEP") == "" {
		b.Skip("RUNNER_TEST_SLEEP not set")
	}
	// A child in a session of its own, as fio's job processes are.
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	os.WriteFile(os.Getenv("RUNNER_TEST_SLEEP"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	time.Sleep(300 * time.Second)
}
