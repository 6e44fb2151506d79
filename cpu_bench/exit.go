package cpu_bench

import (
	"encoding/binary"
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
