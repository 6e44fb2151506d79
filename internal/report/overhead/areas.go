package overhead

import "github.com/teebench/teebench/internal/report/results"

// The report's areas: the summary's row groups, and "CPU scaling" for the
// multi-threaded CPU rows (§VIII), which the number of vCPUs decides.
const (
	AreaStorage    = "Storage"
	AreaNetwork    = "Network"
	AreaCPU        = "CPU"
	AreaScaling    = "CPU scaling"
	AreaMemory     = "Memory"
	AreaZK         = "zk"
	AreaGPU        = "GPU"
	AreaLLM        = "LLM"
	AreaMechanisms = "Mechanisms"
)

// cpuAreas are the areas whose figures are CPU time.
var cpuAreas = []string{AreaCPU, AreaScaling, AreaMemory, AreaZK, AreaNetwork, AreaLLM, AreaMechanisms}

// Confounder is one difference between two arms, besides the TEE, that can
// move a TEE overhead, and the areas whose rows it moves.
type Confounder struct {
	// Name is how the verdicts name it: "vCPUs differ".
	Name string
	// Keys are the manifest keys that show it; it applies when one of
	// them differs between the baseline and the arm.
	Keys []string
	// Breaks are the areas whose rows are not comparable when it differs
	// (their verdict is replaced by "not comparable: <Name> differ").
	Breaks []string
	// Moves are the areas whose overheads it can move (their verdict is
	// kept and marked "confounded: <Name> differ").
	Moves []string
}

// Confounders is the confounder → areas map, declared once: for each
// manifest difference (benchenv's package doc lists the keys) the areas it
// can break or move. It follows what the rows measure: thread scaling is
// decided by the vCPUs and the container's CPU limit; anything CPU-bound
// moves with frequency policy, SMT and the CPU model; page-backed figures
// with THP; syscall-, exit- and interrupt-heavy rows (storage, network, the
// mechanisms) with the kernel, its mitigations, the idle driver and where
// interrupts run; bounced I/O (storage, network, GPU copies in a TEE) with
// the swiotlb pool; LLM rows with the server and model they measured. A
// manifest key that differs and is in no entry is named beside every
// verdict (its effect is unknown). Steal time is a per-run measurement,
// not a manifest key: StealThreshold decides it.
var Confounders = []Confounder{
	{Name: "vCPUs", Keys: []string{"vcpus", "gomaxprocs", "cpu-affinity"},
		Breaks: []string{AreaScaling}, Moves: []string{AreaStorage, AreaNetwork, AreaZK, AreaLLM}},
	{Name: "container limits", Keys: []string{"cgroup-cpus", "cgroup-mem"},
		Breaks: []string{AreaScaling}, Moves: []string{AreaStorage, AreaNetwork, AreaCPU, AreaMemory, AreaZK, AreaLLM, AreaMechanisms}},
	{Name: "CPU model", Keys: []string{"cpu-model", "cpu"},
		Breaks: []string{AreaCPU, AreaScaling, AreaMemory, AreaZK}, Moves: []string{AreaNetwork, AreaLLM, AreaMechanisms, AreaStorage}},
	{Name: "memory", Keys: []string{"mem-total"}, Moves: []string{AreaStorage, AreaZK, AreaLLM}},
	{Name: "governor/boost", Keys: []string{"cpufreq-driver", "cpufreq-governor", "cpu-boost"}, Moves: cpuAreas},
	{Name: "SMT", Keys: []string{"smt", "smt-control"}, Moves: []string{AreaScaling, AreaZK, AreaNetwork, AreaLLM}},
	{Name: "NUMA", Keys: []string{"numa-nodes", "numa-balancing"}, Moves: []string{AreaMemory, AreaScaling, AreaLLM}},
	{Name: "THP", Keys: []string{"thp"}, Moves: []string{AreaMemory, AreaZK, AreaLLM, AreaMechanisms}},
	{Name: "memory acceptance", Keys: []string{"accept-memory", "mem-unaccepted"}, Moves: []string{AreaMemory, AreaMechanisms}},
	{Name: "kernel", Keys: []string{"kernel"}, Moves: []string{AreaStorage, AreaNetwork, AreaMechanisms, AreaGPU}},
	{Name: "mitigations", Keys: []string{"mitigations", "mitigation-switches"}, Moves: []string{AreaStorage, AreaNetwork, AreaMechanisms}},
	{Name: "idle/clock", Keys: []string{"clocksource", "cpuidle-driver", "cpuidle-governor", "guest-halt-poll-ns", "guest-halt-poll-allow-shrink"},
		Moves: []string{AreaStorage, AreaNetwork, AreaMechanisms}},
	{Name: "IRQ affinity", Keys: []string{"irq-affinity-disk", "irq-affinity-net"}, Moves: []string{AreaStorage, AreaNetwork}},
	{Name: "swiotlb", Keys: []string{"swiotlb-param", "swiotlb-size"}, Moves: []string{AreaStorage, AreaNetwork, AreaGPU}},
	{Name: "I/O target", Keys: []string{"io-fs", "io-direct"}, Breaks: []string{AreaStorage}},
	{Name: "LLM server", Keys: []string{"llm-target", "llm-model", "llm-max-model-len", "llm-server-version"}, Breaks: []string{AreaLLM}},
	{Name: "GPU", Keys: []string{"gpu"}, Breaks: []string{AreaGPU, AreaLLM}},
	{Name: "GPU clocks/power", Keys: []string{"gpu-sm-clock-app", "gpu-mem-clock-app", "gpu-power-limit", "gpu-ecc"}, Moves: []string{AreaGPU, AreaLLM}},
}

// StealThreshold is the steal time, in percent of all CPU time over a
// package (the `# run steal:` lines), above which an arm's rows in the
// steal-sensitive areas (every area but GPU) are marked confounded: the
// hypervisor ran something else for that share of the time, which lands
// in the overhead whatever the TEE costs.
const StealThreshold = 1.0

// AreaOf is the area of a benchmark row ("" for none).
func AreaOf(id results.ID) string {
	switch id.Base {
	case "Fio":
		return AreaStorage
	case "Gateway", "GatewayMulti", "GatewayRate":
		return AreaNetwork
	case "SevenZip", "Compress", "Decompress":
		if t := id.Get("threads"); t != "" && t != "1" {
			return AreaScaling
		}
		return AreaCPU
	case "AESGCM":
		return AreaCPU
	case "SHA256", "Stream", "MemLatency", "Wakeup":
		return AreaMemory
	case "Prove", "Verify", "Setup":
		return AreaZK
	case "Copy", "GEMM":
		return AreaGPU
	case "Serve":
		return AreaLLM
	case "Exit", "PageTouch", "TLSHandshake":
		return AreaMechanisms
	}
	return ""
}

// AreaPkg is the package whose steal line speaks for an area's rows when
// a row names no `pkg:` (the mechanisms come mostly from cpu_bench).
var AreaPkg = map[string]string{
	AreaStorage: "io_bench", AreaNetwork: "net_bench", AreaCPU: "cpu_bench", AreaScaling: "cpu_bench",
	AreaMemory: "cpu_bench", AreaZK: "zk_bench", AreaLLM: "llm_bench", AreaMechanisms: "cpu_bench",
}
