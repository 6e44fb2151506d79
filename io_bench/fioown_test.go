package io_bench

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/teebench/teebench/internal/ioengine"
)

// benchFioOwnFile is standalone fio, as the published method (docker-fio)
// runs it: fio lays out a file of its own (a new one in the test file's
// directory, removed after each call) instead of using the prepared test
// file. It shows what the test file's state does to the figures: the other
// two engines share PrepareFile's file, laid out as fio lays out its own.
func benchFioOwnFile(b *testing.B, f *ioengine.File, s Spec, fio string) {
	path := filepath.Join(f.Dir, "fio-ownfile-"+s.Job.Name)
	b.Cleanup(func() {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			b.Error(err)
		}
	})
	benchFio(b, f, s, fio, path)
}

// engine=fio-ownfile runs fio on a file of its own, which is gone with the
// test file's directory afterwards.
func TestFioOwnFile(t *testing.T) {
	if _, err := exec.LookPath("fio"); err != nil {
		t.Skip("fio not installed")
	}
	dir := t.TempDir()
	out, err := runSelf(t, "^BenchmarkFio$/^job=read_latency$/^engine=fio-ownfile$", "TEEBENCH_IO_DIR="+dir, "TEEBENCH_PROFILE=smoke")
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^BenchmarkFio/job=read_latency/engine=fio-ownfile(-\d+)?\s+1\s.*\sIOPS\s.*\slat-mean-ns`).MatchString(out) {
		t.Errorf("no fio-ownfile result with IOPS and lat-mean-ns:\n%s", out)
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("%d entries left in %s (first %s)", len(ents), dir, ents[0].Name())
	}
}
