//go:build !amd64

package cpu_bench

// haveCPUID reports whether this architecture has the CPUID instruction;
// BenchmarkExit skips its cpuid cases where it does not.
const haveCPUID = false

// cpuid is never called where haveCPUID is false.
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32) {
	panic("cpu_bench: CPUID needs amd64")
}
