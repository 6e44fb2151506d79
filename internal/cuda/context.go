//go:build gpu

package cuda

import (
	"bytes"
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// A Context is a device's primary context, retained by Primary. Every
// goroutine that uses it locks itself to its OS thread and calls Bind
// first; all work goes to the legacy default stream, so operations are
// ordered and events time exactly what was issued between them.
type Context struct {
	d      *Driver
	dev    int32
	ctx    uintptr
	name   string
	memory uint64
}

// Primary retains the primary context of device ordinal and makes it
// current on the calling thread (which the caller has locked).
func (d *Driver) Primary(ordinal int) (*Context, error) {
	n, err := d.DeviceCount()
	if err != nil {
		return nil, err
	}
	if ordinal < 0 || ordinal >= n {
		return nil, fmt.Errorf("%w: device %d requested, driver sees %d", ErrNoDevice, ordinal, n)
	}
	c := &Context{d: d}
	if err := check("cuDeviceGet", d.cuDeviceGet(&c.dev, int32(ordinal))); err != nil {
		return nil, err
	}
	var name [256]byte
	if err := check("cuDeviceGetName", d.cuDeviceGetName(&name[0], int32(len(name)), c.dev)); err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(name[:], 0); i >= 0 {
		c.name = string(name[:i])
	}
	if err := check("cuDeviceTotalMem", d.cuDeviceTotalMem(&c.memory, c.dev)); err != nil {
		return nil, err
	}
	if err := check("cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain(&c.ctx, c.dev)); err != nil {
		return nil, err
	}
	if err := c.Bind(); err != nil {
		d.cuDevicePrimaryCtxRelease(c.dev)
		return nil, err
	}
	return c, nil
}

// Name returns the device name (cuDeviceGetName).
func (c *Context) Name() string { return c.name }

// TotalMemory returns the device memory in bytes (cuDeviceTotalMem).
func (c *Context) TotalMemory() uint64 { return c.memory }

// Bind makes c current on the calling OS thread. Call
// runtime.LockOSThread before it, in the same goroutine.
func (c *Context) Bind() error { return check("cuCtxSetCurrent", c.d.cuCtxSetCurrent(c.ctx)) }

// Release releases the primary context; c must not be used afterwards.
func (c *Context) Release() error {
	return check("cuDevicePrimaryCtxRelease", c.d.cuDevicePrimaryCtxRelease(c.dev))
}

// Sync waits for all work of the context (cuCtxSynchronize).
func (c *Context) Sync() error { return check("cuCtxSynchronize", call(c.d.ctxSynchronize)) }

// DevicePtr is a CUdeviceptr.
type DevicePtr uintptr

// Add returns p advanced by off bytes.
func (p DevicePtr) Add(off uint64) DevicePtr { return p + DevicePtr(off) }

// Alloc allocates n bytes of device memory (cuMemAlloc).
func (c *Context) Alloc(n uint64) (DevicePtr, error) {
	var p uintptr
	if err := check(fmt.Sprintf("cuMemAlloc(%d bytes)", n), c.d.cuMemAlloc(&p, n)); err != nil {
		return 0, err
	}
	return DevicePtr(p), nil
}

// Free frees device memory from Alloc.
func (c *Context) Free(p DevicePtr) error { return check("cuMemFree", c.d.cuMemFree(uintptr(p))) }

// Memset sets n bytes of device memory at p to v and waits for it
// (cuMemsetD8).
func (c *Context) Memset(p DevicePtr, v byte, n uint64) error {
	if err := check("cuMemsetD8", c.d.cuMemsetD8(uintptr(p), v, n)); err != nil {
		return err
	}
	return c.Sync()
}

// AllocHost allocates n bytes of page-locked host memory (cuMemAllocHost).
// In confidential-computing mode pinned memory is not supported; the
// error then wraps a Result the caller can test with errors.Is.
func (c *Context) AllocHost(n uint64) ([]byte, error) {
	var p unsafe.Pointer
	if err := check(fmt.Sprintf("cuMemAllocHost(%d bytes)", n), c.d.cuMemAllocHost(&p, n)); err != nil {
		return nil, err
	}
	return unsafe.Slice((*byte)(p), n), nil
}

// FreeHost frees memory from AllocHost.
func (c *Context) FreeHost(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return check("cuMemFreeHost", c.d.cuMemFreeHost(unsafe.Pointer(&b[0])))
}

// CopyHtoD copies src to device memory at dst and waits for it.
func (c *Context) CopyHtoD(dst DevicePtr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	r := call(c.d.memcpyHtoD, uintptr(dst), uintptr(unsafe.Pointer(&src[0])), uintptr(len(src)))
	runtime.KeepAlive(src)
	return check("cuMemcpyHtoD", r)
}

// CopyDtoH copies len(dst) bytes from device memory at src and waits for
// them.
func (c *Context) CopyDtoH(dst []byte, src DevicePtr) error {
	if len(dst) == 0 {
		return nil
	}
	r := call(c.d.memcpyDtoH, uintptr(unsafe.Pointer(&dst[0])), uintptr(src), uintptr(len(dst)))
	runtime.KeepAlive(dst)
	return check("cuMemcpyDtoH", r)
}

// CopyDtoD copies n bytes between device buffers (asynchronous with
// respect to the host, ordered on the default stream).
func (c *Context) CopyDtoD(dst, src DevicePtr, n uint64) error {
	return check("cuMemcpyDtoD", call(c.d.memcpyDtoD, uintptr(dst), uintptr(src), uintptr(n)))
}

// CopyHtoDAsync queues a copy from host memory (pinned for the copy to be
// asynchronous) on the default stream.
func (c *Context) CopyHtoDAsync(dst DevicePtr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	r := call(c.d.memcpyHtoDAsync, uintptr(dst), uintptr(unsafe.Pointer(&src[0])), uintptr(len(src)), 0)
	runtime.KeepAlive(src)
	return check("cuMemcpyHtoDAsync", r)
}

// CopyDtoHAsync queues a copy to host memory (pinned for the copy to be
// asynchronous) on the default stream.
func (c *Context) CopyDtoHAsync(dst []byte, src DevicePtr) error {
	if len(dst) == 0 {
		return nil
	}
	r := call(c.d.memcpyDtoHAsync, uintptr(unsafe.Pointer(&dst[0])), uintptr(src), uintptr(len(dst)), 0)
	runtime.KeepAlive(dst)
	return check("cuMemcpyDtoHAsync", r)
}

// An Event is a CUDA event with timing enabled.
type Event struct {
	c *Context
	h uintptr
}

// NewEvent creates an event (cuEventCreate with default flags, so it
// records timestamps).
func (c *Context) NewEvent() (*Event, error) {
	e := &Event{c: c}
	if err := check("cuEventCreate", c.d.cuEventCreate(&e.h, 0)); err != nil {
		return nil, err
	}
	return e, nil
}

// Record records the event on the default stream.
func (e *Event) Record() error { return check("cuEventRecord", e.c.d.cuEventRecord(e.h, 0)) }

// Wait blocks until the event has completed.
func (e *Event) Wait() error { return check("cuEventSynchronize", e.c.d.cuEventSynchronize(e.h)) }

// Destroy destroys the event.
func (e *Event) Destroy() error { return check("cuEventDestroy", e.c.d.cuEventDestroy(e.h)) }

// Since returns the GPU time between start and e, both recorded and
// completed (cuEventElapsedTime, about 0.5 µs resolution).
func (e *Event) Since(start *Event) (time.Duration, error) {
	var ms float32
	if err := check("cuEventElapsedTime", e.c.d.cuEventElapsedTime(&ms, start.h, e.h)); err != nil {
		return 0, err
	}
	return time.Duration(float64(ms) * 1e6), nil
}

// A Timer is a pair of events that times work issued between them on the
// default stream: what bandwidthTest and nvbandwidth measure. Creating it
// is setup; Time is the measurement.
type Timer struct {
	start, end *Event
}

// NewTimer creates the two events of a Timer.
func (c *Context) NewTimer() (*Timer, error) {
	start, err := c.NewEvent()
	if err != nil {
		return nil, err
	}
	end, err := c.NewEvent()
	if err != nil {
		start.Destroy()
		return nil, err
	}
	return &Timer{start: start, end: end}, nil
}

// Time issues op n times between the two events and returns the GPU time
// between them. op must only queue work on the default stream (or do
// synchronous work ordered by it).
func (t *Timer) Time(n int, op func() error) (time.Duration, error) {
	if err := t.start.Record(); err != nil {
		return 0, err
	}
	for i := 0; i < n; i++ {
		if err := op(); err != nil {
			return 0, fmt.Errorf("iteration %d of %d: %w", i+1, n, err)
		}
	}
	if err := t.end.Record(); err != nil {
		return 0, err
	}
	if err := t.end.Wait(); err != nil {
		return 0, err
	}
	return t.end.Since(t.start)
}

// Destroy destroys the events.
func (t *Timer) Destroy() error {
	err := t.start.Destroy()
	if err2 := t.end.Destroy(); err == nil {
		err = err2
	}
	return err
}
