package cpu_bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

var sinkU32 uint32

func cpuidLoop(n int, leaf uint32) {
	var s uint32
	for range n {
		a, _, _, _ := cpuid(leaf, 0)
		s += a
	}
	sinkU32 += s
}

func getpidLoop(n int) {
	s := 0
	for range n {
		s += syscall.Getpid()
	}
	sinkU32 += uint32(s)
}

func clockLoop(n int) {
	start := time.Now()
	var s time.Duration
	for range n {
		s += time.Since(start) // one runtime nanotime: vDSO clock_gettime(CLOCK_MONOTONIC)
	}
	sinkU32 += uint32(s)
}

// hypervisorSignature returns the 12-byte vendor signature of CPUID leaf
// 0x40000000 ("KVMKVMKVM", "TDXTDXTDX" ...) when CPUID leaf 1 says a
// hypervisor is present, or "".
func hypervisorSignature() string {
	if _, _, ecx, _ := cpuid(1, 0); ecx&(1<<31) == 0 {
		return ""
	}
	_, ebx, ecx, edx := cpuid(leafHypervisor, 0)
	var sig [12]byte
	binary.LittleEndian.PutUint32(sig[0:], ebx)
	binary.LittleEndian.PutUint32(sig[4:], ecx)
	binary.LittleEndian.PutUint32(sig[8:], edx)
	return strings.Trim(string(sig[:]), "\x00 ")
}

// Leaves of BenchmarkExit's CPUID cases.
const (
	leafVendor     = 0x0        // highest basic leaf and vendor string
	leafHypervisor = 0x40000000 // hypervisor range: signature and highest hypervisor leaf
)

// pciDevicesDir is where the kernel lists PCI devices, one directory per
// device named by its address (domain:bus:device.function).
var pciDevicesDir = "/sys/bus/pci/devices"

// errNoPCI means this machine shows no PCI device: a container without
// /sys/bus/pci, or a VM without a PCI bus. BenchmarkExit's pci-config-read
// case skips then, naming it.
var errNoPCI = errors.New("no PCI device")

// firstPCIConfig opens the config space file of the first PCI device under
// dir, in address order. Reading its first 64 bytes needs no root.
func firstPCIConfig(dir string) (*os.File, error) {
	ents, err := os.ReadDir(dir) // sorted by name: the address order
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(ents) == 0 {
		return nil, fmt.Errorf("%w under %s", errNoPCI, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("PCI devices: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, ents[0].Name(), "config"))
	if err != nil {
		return nil, fmt.Errorf("PCI config space: %w", err)
	}
	return f, nil
}

// pciConfigLoop reads the first 4 bytes (vendor and device ID) of the
// config space f, n times, with pread: each read is a config access the
// kernel makes through port I/O (0xCF8/0xCFC) or ECAM MMIO, which the
// hypervisor emulates.
func pciConfigLoop(f *os.File, n int) error {
	var buf [4]byte
	var s uint32
	for i := range n {
		if _, err := f.ReadAt(buf[:], 0); err != nil {
			return fmt.Errorf("read %d of %d of %s: %w", i+1, n, f.Name(), err)
		}
		s += binary.LittleEndian.Uint32(buf[:])
	}
	sinkU32 += s
	return nil
}
