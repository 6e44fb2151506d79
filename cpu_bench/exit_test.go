package cpu_bench

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

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
