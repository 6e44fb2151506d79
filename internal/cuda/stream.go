//go:build gpu

package cuda

import (
	"fmt"
	"runtime"
	"unsafe"
)

// streamNonBlocking is CU_STREAM_NON_BLOCKING: the stream does not
// synchronise with the legacy default stream.
const streamNonBlocking = 1

// A Stream is a CUDA stream of its own (cuStreamCreate with
// CU_STREAM_NON_BLOCKING), so that copies on two streams may run at once:
// what gpu_bench's stream-concurrency benchmark needs and the default
// stream of Context cannot give.
type Stream struct {
	c *Context
	h uintptr
}

// NewStream creates a non-blocking stream in c.
func (c *Context) NewStream() (*Stream, error) {
	s := &Stream{c: c}
	if err := check("cuStreamCreate", c.d.cuStreamCreate(&s.h, streamNonBlocking)); err != nil {
		return nil, err
	}
	return s, nil
}

// CopyHtoDAsync queues a copy from host memory on s. From pageable memory
// the driver stages it and returns once the source is consumed; from
// pinned memory it returns at once.
func (s *Stream) CopyHtoDAsync(dst DevicePtr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	r := call(s.c.d.memcpyHtoDAsync, uintptr(dst), uintptr(unsafe.Pointer(&src[0])), uintptr(len(src)), s.h)
	runtime.KeepAlive(src)
	return check("cuMemcpyHtoDAsync", r)
}

// CopyDtoHAsync queues a copy to host memory on s.
func (s *Stream) CopyDtoHAsync(dst []byte, src DevicePtr) error {
	if len(dst) == 0 {
		return nil
	}
	r := call(s.c.d.memcpyDtoHAsync, uintptr(unsafe.Pointer(&dst[0])), uintptr(src), uintptr(len(dst)), s.h)
	runtime.KeepAlive(dst)
	return check("cuMemcpyDtoHAsync", r)
}

// Sync waits for all work queued on s (cuStreamSynchronize).
func (s *Stream) Sync() error {
	return check("cuStreamSynchronize", call(s.c.d.streamSynchronize, s.h))
}

// Destroy destroys s once its work is done.
func (s *Stream) Destroy() error { return check("cuStreamDestroy", s.c.d.cuStreamDestroy(s.h)) }

// MemInfo returns the free and total device memory of the current
// context's device (cuMemGetInfo), in bytes.
func (c *Context) MemInfo() (free, total uint64, err error) {
	if err := check("cuMemGetInfo", c.d.cuMemGetInfo(&free, &total)); err != nil {
		return 0, 0, fmt.Errorf("device memory: %w", err)
	}
	return free, total, nil
}
