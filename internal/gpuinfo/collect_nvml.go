//go:build gpu && cgo

package gpuinfo

import (
	"errors"
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Collect initialises NVML, reads the inventory and shuts NVML down. When
// the library or the driver is missing the error wraps ErrNoNVML. Values a
// driver or GPU does not support are left zero (and out of the manifest).
func Collect() (*Inventory, error) {
	if ret := nvml.Init(); ret != nvml.SUCCESS {
		if errors.Is(ret, nvml.ERROR_LIBRARY_NOT_FOUND) || errors.Is(ret, nvml.ERROR_DRIVER_NOT_LOADED) {
			return nil, fmt.Errorf("%w: nvmlInit: %v", ErrNoNVML, nvml.ErrorString(ret))
		}
		return nil, fmt.Errorf("nvmlInit: %v", nvml.ErrorString(ret))
	}
	defer nvml.Shutdown()

	inv := &Inventory{}
	if v, ret := nvml.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		inv.Driver = v
	}
	if v, ret := nvml.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		inv.CUDA = v
	}
	inv.CC = collectCC()

	n, ret := nvml.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("nvmlDeviceGetCount: %v", nvml.ErrorString(ret))
	}
	for i := 0; i < n; i++ {
		d, ret := nvml.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			return nil, fmt.Errorf("nvmlDeviceGetHandleByIndex(%d): %v", i, nvml.ErrorString(ret))
		}
		inv.GPUs = append(inv.GPUs, collectGPU(d))
	}
	return inv, nil
}

func collectCC() CC {
	var cc CC
	st, ret := nvml.SystemGetConfComputeState()
	switch ret {
	case nvml.SUCCESS:
		cc.Feature = onOff(st.CcFeature)
		cc.Environment = environmentName(st.Environment)
		cc.DevTools = onOff(st.DevToolsMode)
	case nvml.ERROR_NOT_SUPPORTED, nvml.ERROR_FUNCTION_NOT_FOUND:
		// No CC on this GPU or driver (docs/methods.md §8).
		cc.Feature = "off"
		return cc
	default:
		return cc
	}
	if v, ret := nvml.SystemGetConfComputeGpusReadyState(); ret == nvml.SUCCESS {
		cc.Ready = yesNo(v) // NVML_CC_ACCEPTING_CLIENT_REQUESTS_TRUE = 1
	}
	if caps, ret := nvml.SystemGetConfComputeCapabilities(); ret == nvml.SUCCESS {
		cc.CPU = cpuCapsName(caps.CpuCaps)
		cc.GPUsCapable = yesNo(caps.GpusCaps)
	}
	if s, ret := nvml.SystemGetConfComputeSettings(); ret == nvml.SUCCESS {
		cc.MultiGPU = multiGPUName(s.MultiGpuMode)
	}
	return cc
}

func collectGPU(d nvml.Device) GPU {
	var g GPU
	if v, ret := d.GetName(); ret == nvml.SUCCESS {
		g.Name = v
	}
	if v, ret := d.GetUUID(); ret == nvml.SUCCESS {
		g.UUID = v
	}
	if major, minor, ret := d.GetCudaComputeCapability(); ret == nvml.SUCCESS {
		g.ComputeCap = fmt.Sprintf("%d.%d", major, minor)
	}
	if m, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
		g.MemTotal = m.Total
	}
	if v, ret := d.GetCurrPcieLinkGeneration(); ret == nvml.SUCCESS {
		g.PCIeGen = v
	}
	if v, ret := d.GetCurrPcieLinkWidth(); ret == nvml.SUCCESS {
		g.PCIeWidth = v
	}
	if v, ret := d.GetMaxPcieLinkGeneration(); ret == nvml.SUCCESS {
		g.PCIeMaxGen = v
	}
	if v, ret := d.GetMaxPcieLinkWidth(); ret == nvml.SUCCESS {
		g.PCIeMaxWidth = v
	}
	if v, ret := d.GetMaxClockInfo(nvml.CLOCK_SM); ret == nvml.SUCCESS {
		g.SMClockMax = v
	}
	if v, ret := d.GetMaxClockInfo(nvml.CLOCK_MEM); ret == nvml.SUCCESS {
		g.MemClockMax = v
	}
	if v, ret := d.GetApplicationsClock(nvml.CLOCK_SM); ret == nvml.SUCCESS {
		g.SMClockApp = v
	}
	if v, ret := d.GetApplicationsClock(nvml.CLOCK_MEM); ret == nvml.SUCCESS {
		g.MemClockApp = v
	}
	if v, ret := d.GetEnforcedPowerLimit(); ret == nvml.SUCCESS {
		g.PowerLimitMW = v
	}
	if cur, pending, ret := d.GetEccMode(); ret == nvml.SUCCESS {
		g.ECC, g.ECCPending = enableState(cur), enableState(pending)
	}
	if v, ret := d.GetConfComputeMemSizeInfo(); ret == nvml.SUCCESS {
		g.CCProtectedKiB = v.ProtectedMemSizeKib
		g.CCUnprotectedKiB = v.UnprotectedMemSizeKib
	}
	return g
}

// enableState names an NVML enable state as on or off.
func enableState(v nvml.EnableState) string {
	if v == nvml.FEATURE_ENABLED {
		return "on"
	}
	return "off"
}
