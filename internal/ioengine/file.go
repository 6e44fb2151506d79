package ioengine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/teebench/teebench/internal/interrupt"
	"github.com/teebench/teebench/internal/leftover"
	"golang.org/x/sys/unix"
)

// File is a test file prepared by PrepareFile on the filesystem under test.
type File struct {
	// Path is the test file; Dir the fresh directory holding it.
	Path, Dir string
	// Size is the file's size in bytes.
	Size int64
	// FS names the filesystem type (ext4, xfs, tmpfs, overlay, ...).
	FS string
	// Dev names the block device that holds the file as the kernel does
	// (vda, nvme0n1p1, zram0, dm-0), or is "major:minor" where it names
	// none (tmpfs, overlay and network file systems have a device number
	// without a block device).
	Dev string
	// Direct reports whether O_DIRECT bypasses the page cache here. When
	// false, DirectNote says why and the jobs must run buffered.
	Direct     bool
	DirectNote string
	// Removed lists the test directories of killed runs that PrepareFile
	// removed from dir before it made this one (see PrepareFile).
	Removed []string

	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
	rmErr  error

	unregister func()
}

// Filesystem magic numbers (statfs f_type) that need a name or a note.
var fsNames = map[int64]string{
	unix.EXT4_SUPER_MAGIC:      "ext4",
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.RAMFS_MAGIC:           "ramfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlay",
	unix.NFS_SUPER_MAGIC:       "nfs",
	unix.FUSE_SUPER_MAGIC:      "fuse",
	0x2fc12fc1:                 "zfs",
	0x01021997:                 "9p",
	0x786f4256:                 "virtiofs-or-fuse",
}

// fsInfo returns the filesystem name and the bytes available to an
// unprivileged user in dir.
func fsInfo(dir string) (name string, avail uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "", 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	name, ok := fsNames[int64(st.Type)]
	if !ok {
		name = fmt.Sprintf("fs-0x%x", st.Type)
	}
	return name, st.Bavail * uint64(st.Bsize), nil
}

// blockDev returns the kernel's name of the block device holding path
// (DEVNAME in /sys/dev/block/M:m/uevent), or "M:m" when there is none, or
// "unknown" when path cannot be stat'ed.
func blockDev(path string) string {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return "unknown"
	}
	mm := fmt.Sprintf("%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev))
	b, err := os.ReadFile("/sys/dev/block/" + mm + "/uevent")
	if err != nil {
		return mm
	}
	for _, l := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(l, "DEVNAME="); ok && name != "" {
			return name
		}
	}
	return mm
}

// spaceMargin is left free on the filesystem besides the test file.
const spaceMargin = 64 << 20

// PrepareFile creates a test file of size bytes, filled with
// pseudo-random data (not sparse, so reads reach the device), in a new
// directory under dir (the system temp dir when dir is ""). alongside is
// the room, in bytes, that the caller needs in that directory besides the
// test file while it exists (another file it lays out there, as fio's own
// file of engine=fio-ownfile; 0 for none). Before any I/O it checks that
// dir is a writable directory with room for both; each failure is an
// error that names dir and what is wrong. It detects whether O_DIRECT
// works there (File.Direct). The caller must call Remove; the file is also
// removed when the process gets SIGINT or SIGTERM.
//
// The new directory is named teebench-io-* and marked with its owner
// (internal/leftover). A run killed with SIGKILL cannot remove it, so
// PrepareFile first removes the teebench-io-* directories in dir whose
// marker names a process that is gone (File.Removed lists them);
// directories without the marker, or of a run still going, are left alone.
func PrepareFile(dir string, size, alongside int64) (*File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if size <= 0 || size%(1<<20) != 0 {
		return nil, fmt.Errorf("ioengine: test file size %d: want a positive multiple of 1 MiB", size)
	}
	if alongside < 0 {
		return nil, fmt.Errorf("ioengine: room alongside the test file %d: want >= 0", alongside)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("ioengine: I/O directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("ioengine: I/O directory %s is not a directory", dir)
	}
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return nil, fmt.Errorf("ioengine: I/O directory %s is not writable: %w", dir, err)
	}
	removed, err := leftover.Sweep(dir, testDirPattern, testDirKind)
	if err != nil {
		return nil, fmt.Errorf("ioengine: I/O directory %s: a killed run's test directory: %w", dir, err)
	}
	fs, avail, err := fsInfo(dir)
	if err != nil {
		return nil, fmt.Errorf("ioengine: I/O directory %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(dir, testDirPattern)
	if err != nil {
		return nil, fmt.Errorf("ioengine: I/O directory %s is not writable: %w", dir, err)
	}
	if need := uint64(size) + uint64(alongside) + spaceMargin; avail < need {
		os.Remove(tmp)
		what := fmt.Sprintf("the %d MiB test file", size>>20)
		if alongside > 0 {
			what += fmt.Sprintf(" and %d MiB beside it", alongside>>20)
		}
		return nil, fmt.Errorf("ioengine: I/O directory %s (%s) has %d MiB free; %s need %d MiB",
			dir, fs, avail>>20, what, need>>20)
	}
	if err := leftover.Mark(tmp, testDirKind); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("ioengine: %w", err)
	}
	f := &File{Path: filepath.Join(tmp, "fiotest"), Dir: tmp, Size: size, FS: fs, Dev: blockDev(tmp), Removed: removed}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	register(f)
	if err := f.fill(); err != nil {
		return nil, errors.Join(err, f.Remove())
	}
	return f, nil
}

// The test directory's name pattern and marker kind (internal/leftover).
const (
	testDirPattern = "teebench-io-*"
	testDirKind    = "io-test-dir"
)

// Context is cancelled when the process is interrupted (SIGINT, SIGTERM)
// while the file exists, or when the file is removed; pass it to child
// processes (fio) that use the file.
func (f *File) Context() context.Context { return f.ctx }

// Remove deletes the test file and its directory. It is safe to call more
// than once.
func (f *File) Remove() error {
	f.once.Do(func() {
		f.cancel()
		f.unregister()
		f.rmErr = os.RemoveAll(f.Dir)
		if f.rmErr != nil {
			f.rmErr = fmt.Errorf("ioengine: removing %s: %w", f.Dir, f.rmErr)
		}
	})
	return f.rmErr
}

// OpenFlags returns the open(2) flags the jobs use on this file.
func (f *File) OpenFlags() int {
	fl := os.O_RDWR
	if f.Direct {
		fl |= unix.O_DIRECT
	}
	return fl
}

// fill creates the file and lays it out as fio does when it creates its
// own file (fio 3.x filesetup.c extend_file, with the defaults
// fallocate=native, create_fsync=1, invalidate=1): buffered writes, not
// O_DIRECT, after a fallocate of the whole size, then fsync, then the page
// cache dropped. The file's state matters: on ext4 here fio's random-write
// IOPS were about 1.6x higher on a file fio laid out than on one written
// with O_DIRECT writes and fsync (`dd oflag=direct conv=fsync`). O_DIRECT
// is only probed, by creating the file with it.
func (f *File) fill() error {
	fd, err := unix.Open(f.Path, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_DIRECT|unix.O_CLOEXEC, 0o600)
	switch {
	case err == nil:
		f.Direct = true
	case errors.Is(err, unix.EINVAL):
		f.DirectNote = f.FS + " refuses O_DIRECT: buffered I/O (page cache), not the device"
		fd, err = unix.Open(f.Path, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	}
	if err != nil {
		return fmt.Errorf("ioengine: creating test file %s: %w", f.Path, err)
	}
	unix.Close(fd)
	if f.FS == "tmpfs" || f.FS == "ramfs" {
		f.Direct = false
		f.DirectNote = f.FS + " is memory: O_DIRECT has no effect there, the jobs measure RAM, not a device"
	}
	// fio: open(O_WRONLY|O_CREAT|O_TRUNC), fallocate, ftruncate, write().
	fd, err = unix.Open(f.Path, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("ioengine: opening test file %s for its layout: %w", f.Path, err)
	}
	defer unix.Close(fd)
	// fallocate=native: fio goes on without it where it is not supported.
	if err := unix.Fallocate(fd, 0, 0, f.Size); err != nil && !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("ioengine: fallocate %s (%d bytes): %w", f.Path, f.Size, err)
	}
	if err := unix.Ftruncate(fd, f.Size); err != nil {
		return fmt.Errorf("ioengine: ftruncate %s: %w", f.Path, err)
	}
	const chunk = 1 << 20
	buf := make([]byte, chunk)
	rng := rand.NewChaCha8([32]byte{byte(time.Now().UnixNano())})
	rng.Read(buf)
	// A test hook, never a setting: the scripts' interrupt tests widen the
	// fill's window with a pause per MiB.
	pause, _ := time.ParseDuration(os.Getenv("IOENGINE_TEST_FILL_PAUSE"))
	for off := int64(0); off < f.Size; off += chunk {
		if err := f.ctx.Err(); err != nil {
			return fmt.Errorf("ioengine: writing test file %s: %w", f.Path, err)
		}
		if pause > 0 {
			time.Sleep(pause)
		}
		// Vary every 4 KiB block so that no two blocks are equal
		// (deduplicating or compressing storage would otherwise cheat).
		for b := 0; b < chunk; b += 4096 {
			v := uint64(off) + uint64(b)
			for i := 0; i < 8; i++ {
				buf[b+i] = byte(v >> (8 * i))
			}
		}
		if _, err := unix.Pwrite(fd, buf, off); err != nil {
			return fmt.Errorf("ioengine: writing test file %s at %d: %w", f.Path, off, err)
		}
	}
	if err := unix.Fsync(fd); err != nil {
		return fmt.Errorf("ioengine: fsync %s: %w", f.Path, err)
	}
	// invalidate=1: no job starts on data still in the page cache.
	if err := unix.Fadvise(fd, 0, f.Size, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("ioengine: dropping %s from the page cache: %w", f.Path, err)
	}
	return nil
}

// interruptGrace lets children killed through File.Context exit before
// their files are removed.
const interruptGrace = 200 * time.Millisecond

// register makes an interrupt (SIGINT, SIGTERM) cancel f's context, let
// the processes using it exit, and remove it (see internal/interrupt).
func register(f *File) {
	f.unregister = interrupt.Register(func() {
		f.cancel()
		time.Sleep(interruptGrace)
		if err := f.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		fmt.Fprintf(os.Stderr, "ioengine: interrupted: removed test file %s\n", f.Path)
	})
}
