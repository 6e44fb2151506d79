package cpu_bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkExit measures the cost of operations that leave (or do not
// leave) the guest, one op = one operation, ns/op (benchstat: sec/op).
// What each op costs in a plain VM, a TDX guest (TD) and an SEV-SNP guest:
//
//	op=cpuid-leaf-0           CPUID leaf 0. Plain VM: a VM exit to the
//	                          hypervisor. TD: answered by the TDX module
//	                          itself (an exit to SEAM mode that never reaches
//	                          the host). SNP: the guest's #VC handler answers
//	                          it from the CPUID page inside the guest, no
//	                          exit.
//	op=cpuid-hypervisor-leaf  CPUID leaf 0x40000000. Plain VM: a VM exit. TD:
//	                          #VE, the guest kernel's handler makes a
//	                          TDVMCALL and the host VMM answers (the round
//	                          trip every emulated instruction of a TD pays).
//	                          SNP: like leaf 0, #VC answered from the CPUID
//	                          page, no exit: this row does not measure an
//	                          exit on SNP.
//	op=pci-config-read        a 4-byte pread at offset 0 of the first PCI
//	                          device's config space in sysfs (sorted by
//	                          address). The kernel makes a PCI config access,
//	                          port I/O 0xCF8/0xCFC or ECAM MMIO, which leaves
//	                          the guest in every kind of VM: a VM exit in a
//	                          plain VM, #VE + TDVMCALL in a TD, #VC + VMGEXIT
//	                          in SNP. The exit row that means the same on
//	                          every TEE. Skips (naming why) when there is no
//	                          PCI device, e.g. a container without
//	                          /sys/bus/pci; any other error fails.
//	op=getpid                 a plain system call: the control, it never
//	                          leaves the guest in any of them.
//	op=clock_gettime          CLOCK_MONOTONIC as Go reads it (the vDSO,
//	                          through the runtime's nanotime): no exit when
//	                          the clocksource is readable from user space
//	                          (tsc); with another clocksource it becomes a
//	                          system call, or worse an exit. The manifest's
//	                          clocksource: line says which.
//
// On bare metal the two CPUID cases cost about the same (a serialising
// instruction) and a config read is a real bus access; the differences
// between the rows of one machine, and of one row between baseline and TEE,
// are the exit costs.
func BenchmarkExit(b *testing.B) {
	if haveCPUID {
		if sig := hypervisorSignature(); sig != "" {
			// A config line, so that it stays with the results.
			fmt.Printf("cpuid-hypervisor: %s\n", sig)
		}
	}
	needCPUID := func(b *testing.B) {
		if !haveCPUID {
			b.Skip("CPUID is an amd64 instruction; this is not amd64")
		}
	}
	for _, op := range []struct {
		name string
		run  func(b *testing.B)
	}{
		{"cpuid-leaf-0", func(b *testing.B) { needCPUID(b); b.ResetTimer(); cpuidLoop(b.N, leafVendor) }},
		{"cpuid-hypervisor-leaf", func(b *testing.B) { needCPUID(b); b.ResetTimer(); cpuidLoop(b.N, leafHypervisor) }},
		{"pci-config-read", benchPCIConfig},
		{"getpid", func(b *testing.B) { getpidLoop(b.N) }},
		{"clock_gettime", func(b *testing.B) { clockLoop(b.N) }},
	} {
		b.Run("op="+op.name, op.run)
	}
}

// benchPCIConfig is BenchmarkExit's pci-config-read case.
func benchPCIConfig(b *testing.B) {
	f, err := firstPCIConfig(pciDevicesDir)
	if errors.Is(err, errNoPCI) {
		b.Skipf("%v: no PCI config space to read", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ResetTimer()
	if err := pciConfigLoop(f, b.N); err != nil {
		b.Fatal(err)
	}
}

// TestPCIConfigRead: the bytes the benchmark reads are the first device's
// vendor and device IDs, as the kernel's vendor and device files (read at
// enumeration) give them; a directory without devices is errNoPCI, one
// whose device has no config space an error.
func TestPCIConfigRead(t *testing.T) {
	f, err := firstPCIConfig(pciDevicesDir)
	if errors.Is(err, errNoPCI) {
		t.Skipf("%v: nothing to check", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf [4]byte
	if _, err := f.ReadAt(buf[:], 0); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Dir(f.Name())
	for _, c := range []struct {
		file string
		got  uint16
	}{{"vendor", binary.LittleEndian.Uint16(buf[0:])}, {"device", binary.LittleEndian.Uint16(buf[2:])}} {
		b, err := os.ReadFile(filepath.Join(dev, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSpace(string(b)); fmt.Sprintf("0x%04x", c.got) != want {
			t.Errorf("%s: config space says 0x%04x, %s says %s", dev, c.got, c.file, want)
		}
	}
	if err := pciConfigLoop(f, 3); err != nil {
		t.Error(err)
	}
	empty := t.TempDir()
	if _, err := firstPCIConfig(empty); !errors.Is(err, errNoPCI) {
		t.Errorf("empty directory: %v", err)
	}
	if _, err := firstPCIConfig(filepath.Join(empty, "absent")); !errors.Is(err, errNoPCI) {
		t.Errorf("absent directory: %v", err)
	}
	os.Mkdir(filepath.Join(empty, "0000:00:00.0"), 0o755)
	if _, err := firstPCIConfig(empty); err == nil || errors.Is(err, errNoPCI) {
		t.Errorf("a device without config space: %v", err)
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
