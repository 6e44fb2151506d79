// Package gpuinfo reads the NVIDIA GPU inventory and the confidential-
// computing (CC) state through NVML (github.com/NVIDIA/go-nvml) and turns
// them into environment-manifest lines for gpu_bench's TestMain
// (benchenv.Extra): `gpu:`, `gpu-mem:`, `gpu-pcie:`, `gpu-driver:`,
// `gpu-cc: on|off`, the application clocks, power limit and ECC mode
// (`gpu-sm-clock-app:`, `gpu-mem-clock-app:`, `gpu-power-limit:`,
// `gpu-ecc:`: settings that make two arms run at different speeds) and the
// other keys listed at Inventory.Manifest.
//
// go-nvml needs cgo, so Collect talks to NVML only in builds with the tag
// gpu and cgo enabled; elsewhere it returns an error. The types and the
// manifest formatting are plain Go and tested everywhere. A value NVML
// cannot give is left out of the manifest, never guessed.
package gpuinfo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/teebench/teebench/internal/benchenv"
)

// ErrNoNVML is returned (wrapped) when NVML cannot be loaded: no
// libnvidia-ml.so.1, no driver loaded, or a build without cgo and the gpu
// tag.
var ErrNoNVML = errors.New("NVML not available")

// Inventory is what NVML reports about this machine's GPUs.
type Inventory struct {
	// Driver is the driver version, e.g. "555.42.02".
	Driver string
	// CUDA is the CUDA version the driver supports, e.g. 12050 for 12.5;
	// 0 when unknown.
	CUDA int
	// CC is the system-wide confidential-computing state.
	CC CC
	// GPUs lists the devices in NVML index order.
	GPUs []GPU
}

// CC is the confidential-computing state (nvmlSystemGetConfComputeState,
// ...GpusReadyState, ...Settings). Empty strings mean unknown.
type CC struct {
	// Feature is "on" or "off": CC mode enabled. A driver or GPU without CC
	// support (NVML_ERROR_NOT_SUPPORTED) is "off".
	Feature string
	// Environment is "prod", "sim" or "unavailable".
	Environment string
	// DevTools is "on" or "off" (CC dev-tools mode, which disables some
	// protections for debugging).
	DevTools string
	// Ready is "yes" when the GPUs accept work (the CVM has attested them
	// and set the ready state), "no" otherwise.
	Ready string
	// MultiGPU is "none", "protected-pcie" or "nvle".
	MultiGPU string
	// CPU is the CPU TEE the driver sees: "none", "sev", "tdx", "sev-snp"
	// or "snp-vtom" (nvmlSystemGetConfComputeCapabilities).
	CPU string
	// GPUsCapable is "yes" when the GPUs support CC mode.
	GPUsCapable string
}

// GPU is one device's inventory. Zero values mean unknown.
type GPU struct {
	Name       string
	UUID       string
	ComputeCap string // "9.0"
	// MemTotal is the device memory visible to applications, in bytes.
	MemTotal uint64
	// PCIe link: current and maximum generation and width. The current
	// link can train down when idle; the maximum is what the slot allows.
	PCIeGen, PCIeWidth, PCIeMaxGen, PCIeMaxWidth int
	// Maximum SM and memory clocks in MHz.
	SMClockMax, MemClockMax uint32
	// Application SM and memory clocks in MHz: the clocks the GPU targets
	// when it runs work (nvmlDeviceGetApplicationsClock; `nvidia-smi -ac`
	// sets them), so two arms with different settings run at different
	// speeds.
	SMClockApp, MemClockApp uint32
	// PowerLimitMW is the enforced power limit in milliwatts
	// (nvmlDeviceGetEnforcedPowerLimit); a lower cap throttles clocks.
	PowerLimitMW uint32
	// ECC is the current ECC mode, "on" or "off", and ECCPending the mode
	// after the next reset (nvmlDeviceGetEccMode); "" when unknown. ECC on
	// costs some memory bandwidth.
	ECC, ECCPending string
	// Memory split in CC mode, in KiB (nvmlDeviceGetConfComputeMemSizeInfo).
	CCProtectedKiB, CCUnprotectedKiB uint64
}

// CCOn reports whether CC mode is on, and whether that is known.
func (inv *Inventory) CCOn() (on, known bool) {
	switch inv.CC.Feature {
	case "on":
		return true, true
	case "off":
		return false, true
	}
	return false, false
}

// Manifest returns the inventory as config lines, in this order (each only
// when known):
//
//	gpu: NVIDIA H200 NVL           distinct names, comma-separated
//	gpu-count: 1
//	gpu-mem: 139.8GiB              GPU 0's memory
//	gpu-compute-cap: 9.0
//	gpu-pcie: gen5x16              GPU 0's current link
//	gpu-pcie-max: gen5x16
//	gpu-sm-clock-max: 1980MHz
//	gpu-mem-clock-max: 2619MHz
//	gpu-sm-clock-app: 1785MHz      application clocks
//	gpu-mem-clock-app: 2619MHz
//	gpu-power-limit: 600W          enforced power limit
//	gpu-ecc: on                    on|off, "on (off after reset)" when a change is pending
//	gpu-driver: 555.42.02
//	gpu-cuda: 12.5
//	gpu-cc: on                     on|off
//	gpu-cc-env: prod               prod|sim|unavailable
//	gpu-cc-devtools: off
//	gpu-cc-ready: yes
//	gpu-cc-multigpu: none
//	gpu-cc-cpu: tdx                none|sev|tdx|sev-snp|snp-vtom
//	gpu-cc-capable: yes
//	gpu-cc-protected-mem: 139.8GiB
//	gpu-cc-unprotected-mem: 256.0MiB
func (inv *Inventory) Manifest() benchenv.Manifest {
	var m benchenv.Manifest
	add := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			m = append(m, benchenv.KV{Key: k, Value: v})
		}
	}
	var names []string
	seen := map[string]bool{}
	for _, g := range inv.GPUs {
		if g.Name != "" && !seen[g.Name] {
			seen[g.Name] = true
			names = append(names, g.Name)
		}
	}
	add("gpu", strings.Join(names, ", "))
	if len(inv.GPUs) > 0 {
		add("gpu-count", strconv.Itoa(len(inv.GPUs)))
		g := inv.GPUs[0]
		add("gpu-mem", benchenv.GiB(g.MemTotal))
		add("gpu-compute-cap", g.ComputeCap)
		add("gpu-pcie", link(g.PCIeGen, g.PCIeWidth))
		add("gpu-pcie-max", link(g.PCIeMaxGen, g.PCIeMaxWidth))
		add("gpu-sm-clock-max", mhz(g.SMClockMax))
		add("gpu-mem-clock-max", mhz(g.MemClockMax))
		add("gpu-sm-clock-app", mhz(g.SMClockApp))
		add("gpu-mem-clock-app", mhz(g.MemClockApp))
		if g.PowerLimitMW > 0 {
			add("gpu-power-limit", strconv.FormatFloat(float64(g.PowerLimitMW)/1000, 'f', -1, 64)+"W")
		}
		ecc := g.ECC
		if ecc != "" && g.ECCPending != "" && g.ECCPending != ecc {
			ecc += " (" + g.ECCPending + " after reset)"
		}
		add("gpu-ecc", ecc)
	}
	add("gpu-driver", inv.Driver)
	if inv.CUDA > 0 {
		add("gpu-cuda", fmt.Sprintf("%d.%d", inv.CUDA/1000, inv.CUDA%1000/10))
	}
	add("gpu-cc", inv.CC.Feature)
	add("gpu-cc-env", inv.CC.Environment)
	add("gpu-cc-devtools", inv.CC.DevTools)
	add("gpu-cc-ready", inv.CC.Ready)
	add("gpu-cc-multigpu", inv.CC.MultiGPU)
	add("gpu-cc-cpu", inv.CC.CPU)
	add("gpu-cc-capable", inv.CC.GPUsCapable)
	if len(inv.GPUs) > 0 {
		g := inv.GPUs[0]
		add("gpu-cc-protected-mem", benchenv.GiB(g.CCProtectedKiB<<10))
		if g.CCUnprotectedKiB > 0 {
			add("gpu-cc-unprotected-mem", strconv.FormatFloat(float64(g.CCUnprotectedKiB)/(1<<10), 'f', 1, 64)+"MiB")
		}
	}
	return m
}

func link(gen, width int) string {
	if gen <= 0 || width <= 0 {
		return ""
	}
	return fmt.Sprintf("gen%dx%d", gen, width)
}

func mhz(v uint32) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(v), 10) + "MHz"
}

// onOff names a 0/1 NVML flag.
func onOff(v uint32) string {
	if v != 0 {
		return "on"
	}
	return "off"
}

// environmentName names NVML_CC_SYSTEM_ENVIRONMENT_*.
func environmentName(v uint32) string { return enumName(v, "unavailable", "sim", "prod") }

// cpuCapsName names NVML_CC_SYSTEM_CPU_CAPS_*.
func cpuCapsName(v uint32) string { return enumName(v, "none", "sev", "tdx", "sev-snp", "snp-vtom") }

// yesNo names a 0/1 NVML flag as yes or no.
func yesNo(v uint32) string {
	if v != 0 {
		return "yes"
	}
	return "no"
}

// multiGPUName names NVML_CC_SYSTEM_MULTIGPU_*.
func multiGPUName(v uint32) string { return enumName(v, "none", "protected-pcie", "nvle") }

// enumName names an NVML enum value: names[v], or unknown-<v> for a value
// this suite does not know.
func enumName(v uint32, names ...string) string {
	if uint64(v) < uint64(len(names)) {
		return names[v]
	}
	return "unknown-" + strconv.FormatUint(uint64(v), 10)
}
