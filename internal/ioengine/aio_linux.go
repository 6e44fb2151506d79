package ioengine

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux native AIO (include/uapi/linux/aio_abi.h), called through raw
// system calls.

const (
	iocbCmdPread  = 0
	iocbCmdPwrite = 1
)

// iocb mirrors struct iocb on little-endian 64-bit Linux (64 bytes).
type iocb struct {
	data      uint64
	key       uint32
	rwFlags   int32
	opcode    uint16
	reqprio   int16
	fildes    uint32
	buf       uint64
	nbytes    uint64
	offset    int64
	reserved2 uint64
	flags     uint32
	resfd     uint32
}

// ioEvent mirrors struct io_event (32 bytes).
type ioEvent struct {
	data uint64
	obj  uint64
	res  int64
	res2 int64
}

var (
	_ [64 - unsafe.Sizeof(iocb{})]byte
	_ [unsafe.Sizeof(iocb{}) - 64]byte
	_ [32 - unsafe.Sizeof(ioEvent{})]byte
)

type aioContext uintptr

func ioSetup(n int) (aioContext, error) {
	var ctx aioContext
	_, _, e := unix.Syscall(unix.SYS_IO_SETUP, uintptr(n), uintptr(unsafe.Pointer(&ctx)), 0)
	if e != 0 {
		return 0, fmt.Errorf("io_setup(%d): %w", n, e)
	}
	return ctx, nil
}

func (c aioContext) destroy() error {
	_, _, e := unix.Syscall(unix.SYS_IO_DESTROY, uintptr(c), 0, 0)
	if e != 0 {
		return fmt.Errorf("io_destroy: %w", e)
	}
	return nil
}

// submit submits the iocbs and returns how many the kernel accepted.
func (c aioContext) submit(list []*iocb) (int, error) {
	if len(list) == 0 {
		return 0, nil
	}
	n, _, e := unix.Syscall(unix.SYS_IO_SUBMIT, uintptr(c), uintptr(len(list)), uintptr(unsafe.Pointer(&list[0])))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// getEvents waits for at least min completions and returns up to len(ev).
// With raw it is a raw system call: the worker goroutine keeps its P for
// the wait instead of handing it to the scheduler and taking it back on
// every completion, which cost measurable IOPS at queue depth 64; a signal
// (the runtime's preemption signal included) interrupts the wait with
// EINTR, so the goroutine stays preemptible. A raw wait holds its P,
// though, so it is only for jobs with no more workers than GOMAXPROCS:
// with numjobs=4 on 2 Ps, two workers waited in the kernel while the
// other two could not run at all (read_seq 0.86x fio, medians of 4
// alternating runs; 0.97x once the wait gave its P back).
func (c aioContext) getEvents(min int, ev []ioEvent, raw bool) (int, error) {
	for {
		var n uintptr
		var e syscall.Errno
		if raw {
			n, _, e = unix.RawSyscall6(unix.SYS_IO_GETEVENTS, uintptr(c), uintptr(min), uintptr(len(ev)),
				uintptr(unsafe.Pointer(&ev[0])), 0, 0)
		} else {
			n, _, e = unix.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(c), uintptr(min), uintptr(len(ev)),
				uintptr(unsafe.Pointer(&ev[0])), 0, 0)
		}
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, fmt.Errorf("io_getevents: %w", e)
		}
		return int(n), nil
	}
}
