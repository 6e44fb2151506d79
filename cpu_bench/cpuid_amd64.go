package cpu_bench

// haveCPUID reports whether this architecture has the CPUID instruction
// (BenchmarkExit's cpuid cases).
const haveCPUID = true

// cpuid executes the CPUID instruction for leaf and subleaf (cpuid_amd64.s).
// It is an assembly function rather than golang.org/x/sys/cpu's, which
// caches its answers, so that every call really executes the instruction.
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
