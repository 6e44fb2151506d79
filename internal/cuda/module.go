//go:build gpu

package cuda

import (
	"fmt"
	"runtime"
	"unsafe"
)

// A Module is a loaded PTX or cubin image (cuModuleLoadData).
type Module struct {
	c *Context
	h uintptr
}

// LoadPTX JIT-compiles ptx for the context's device.
func (c *Context) LoadPTX(ptx string) (*Module, error) {
	img := append([]byte(ptx), 0)
	m := &Module{c: c}
	r := c.d.cuModuleLoadData(&m.h, unsafe.Pointer(&img[0]))
	runtime.KeepAlive(img)
	if err := check("cuModuleLoadData", r); err != nil {
		return nil, err
	}
	return m, nil
}

// Unload unloads the module.
func (m *Module) Unload() error { return check("cuModuleUnload", m.c.d.cuModuleUnload(m.h)) }

// A Launch is a kernel with fixed grid, block and 64-bit arguments, ready
// to be launched repeatedly with as little work per launch as possible.
type Launch struct {
	c           *Context
	fn          uintptr
	grid, block [3]uint32
	args        []uint64
	params      []unsafe.Pointer
	pin         runtime.Pinner
	name        string
}

// NewLaunch looks up kernel name in m and prepares launches of it with
// the given grid and block sizes and arguments (each passed as a 64-bit
// value, such as a DevicePtr). Close releases it.
func (m *Module) NewLaunch(name string, grid, block [3]uint32, args ...uint64) (*Launch, error) {
	l := &Launch{c: m.c, grid: grid, block: block, name: name}
	cname := append([]byte(name), 0)
	r := m.c.d.cuModuleGetFunction(&l.fn, m.h, &cname[0])
	if err := check(fmt.Sprintf("cuModuleGetFunction(%q)", name), r); err != nil {
		return nil, err
	}
	// kernelParams is an array of pointers to the argument values; both
	// live in Go memory, pinned so the driver may read them.
	l.args = append([]uint64(nil), args...)
	l.params = make([]unsafe.Pointer, len(args)+1)
	if len(l.args) > 0 {
		l.pin.Pin(&l.args[0])
	}
	for i := range l.args {
		l.params[i] = unsafe.Pointer(&l.args[i])
	}
	l.pin.Pin(&l.params[0])
	return l, nil
}

// Do queues one launch on the default stream (cuLaunchKernel).
func (l *Launch) Do() error {
	var params unsafe.Pointer
	if len(l.args) > 0 {
		params = unsafe.Pointer(&l.params[0])
	}
	r := call(l.c.d.launch, l.fn, uintptr(l.grid[0]), uintptr(l.grid[1]), uintptr(l.grid[2]),
		uintptr(l.block[0]), uintptr(l.block[1]), uintptr(l.block[2]), 0, 0, uintptr(params), 0)
	if r != Success {
		return fmt.Errorf("cuLaunchKernel %s: %w", l.name, r)
	}
	return nil
}

// Close unpins the launch's argument memory.
func (l *Launch) Close() { l.pin.Unpin() }
