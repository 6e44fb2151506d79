package cpu_bench

import (
	"encoding/binary"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Leaves of BenchmarkExit's CPUID cases.
const (
	leafVendor     = 0x0        // highest basic leaf and vendor string
	leafHypervisor = 0x40000000 // hypervisor range: signature and highest hypervisor leaf
)

var sinkU32 uint32

// BenchmarkExit measures the cost of operations that leave (or do not
// leave) the guest, one op = one operation, ns/op:
//
//	op=cpuid-leaf-0           CPUID leaf 0. In a VM every CPUID is a VM exit
//	                          to the hypervisor; in a TDX guest the TDX module
//	                          answers it itself (an exit to SEAM mode that
//	                          never reaches the host).
//	op=cpuid-hypervisor-leaf  CPUID leaf 0x40000000. In a TDX guest this leaf
//	                          raises #VE: the guest kernel's handler makes a
//	                          TDVMCALL and the host VMM answers, the full
//	                          round trip every emulated instruction, MMIO
//	                          access or port I/O of a TD pays.
//	op=getpid                 a plain system call: the control, it never
//	                          leaves the guest in a VM or a TD.
//	op=clock_gettime          CLOCK_MONOTONIC as Go reads it (the vDSO,
//	                          through the runtime's nanotime): no exit when
//	                          the clocksource is readable from user space
//	                          (tsc); with another clocksource it becomes a
//	                          system call, or worse an exit. The manifest's
//	                          clocksource: line says which.
//
// On bare metal the two CPUID cases cost about the same (a serialising
// instruction); the differences between the rows of one machine, and of one
// row between baseline and TEE, are the exit costs.
func BenchmarkExit(b *testing.B) {
	if haveCPUID {
		if sig := hypervisorSignature(); sig != "" {
			// A config line, so that it stays with the results.
			fmt.Printf("cpuid-hypervisor: %s\n", sig)
		}
	}
	for _, op := range []struct {
		name string
		run  func(n int)
	}{
		{"cpuid-leaf-0", func(n int) { cpuidLoop(n, leafVendor) }},
		{"cpuid-hypervisor-leaf", func(n int) { cpuidLoop(n, leafHypervisor) }},
		{"getpid", getpidLoop},
		{"clock_gettime", clockLoop},
	} {
		b.Run("op="+op.name, func(b *testing.B) {
			if strings.HasPrefix(op.name, "cpuid") && !haveCPUID {
				b.Skip("CPUID is an amd64 instruction; this is not amd64")
			}
			b.ResetTimer()
			op.run(b.N)
		})
	}
}

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

// TestCPUIDVendor checks the assembly against the processor: leaf 0 names a
// vendor the processor's /proc/cpuinfo knows, with the register order
// EBX, EDX, ECX.
func TestCPUIDVendor(t *testing.T) {
	if !haveCPUID {
		t.Skip("CPUID is an amd64 instruction; this is not amd64")
	}
	maxLeaf, ebx, ecx, edx := cpuid(leafVendor, 0)
	var v [12]byte
	binary.LittleEndian.PutUint32(v[0:], ebx)
	binary.LittleEndian.PutUint32(v[4:], edx)
	binary.LittleEndian.PutUint32(v[8:], ecx)
	switch string(v[:]) {
	case "GenuineIntel", "AuthenticAMD", "HygonGenuine":
	default:
		t.Errorf("CPUID leaf 0 vendor %q, want GenuineIntel, AuthenticAMD or HygonGenuine", v)
	}
	if maxLeaf < 1 {
		t.Errorf("CPUID leaf 0: highest basic leaf %d", maxLeaf)
	}
	// Leaf 1 with a subleaf in ECX: the family/model word is never zero.
	if eax, _, _, _ := cpuid(1, 0); eax == 0 {
		t.Error("CPUID leaf 1: EAX 0")
	}
}
