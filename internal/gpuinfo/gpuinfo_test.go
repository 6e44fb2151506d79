package gpuinfo

import (
	"bytes"
	"errors"
	"testing"
)

func TestManifestH200CC(t *testing.T) {
	// What an H200 NVL in a TDX CVM with CC on reports (values from the
	// report's setup 2: driver 555.42.06, CUDA 12.5).
	inv := &Inventory{
		Driver: "555.42.06",
		CUDA:   12050,
		CC:     CC{Feature: "on", Environment: "prod", DevTools: "off", Ready: "yes", MultiGPU: "none", CPU: "tdx", GPUsCapable: "yes"},
		GPUs: []GPU{{
			Name: "NVIDIA H200 NVL", ComputeCap: "9.0", MemTotal: 150_119_006_208,
			PCIeGen: 5, PCIeWidth: 16, PCIeMaxGen: 5, PCIeMaxWidth: 16,
			SMClockMax: 1980, MemClockMax: 2619,
			SMClockApp: 1785, MemClockApp: 2619, PowerLimitMW: 600_000, ECC: "on", ECCPending: "on",
			CCProtectedKiB: 146_600_000, CCUnprotectedKiB: 262_144,
		}},
	}
	var buf bytes.Buffer
	inv.Manifest().WriteTo(&buf)
	want := `gpu: NVIDIA H200 NVL
gpu-count: 1
gpu-mem: 139.8GiB
gpu-compute-cap: 9.0
gpu-pcie: gen5x16
gpu-pcie-max: gen5x16
gpu-sm-clock-max: 1980MHz
gpu-mem-clock-max: 2619MHz
gpu-sm-clock-app: 1785MHz
gpu-mem-clock-app: 2619MHz
gpu-power-limit: 600W
gpu-ecc: on
gpu-driver: 555.42.06
gpu-cuda: 12.5
gpu-cc: on
gpu-cc-env: prod
gpu-cc-devtools: off
gpu-cc-ready: yes
gpu-cc-multigpu: none
gpu-cc-cpu: tdx
gpu-cc-capable: yes
gpu-cc-protected-mem: 139.8GiB
gpu-cc-unprotected-mem: 256.0MiB
`
	if buf.String() != want {
		t.Errorf("manifest:\n%s\nwant:\n%s", buf.String(), want)
	}
	if on, known := inv.CCOn(); !on || !known {
		t.Errorf("CCOn = %v, %v", on, known)
	}
}

func TestManifestLeavesUnknownOut(t *testing.T) {
	// Two different GPUs, CC not supported by the driver, PCIe and clocks
	// unreadable: the unknown values do not appear at all.
	inv := &Inventory{
		Driver: "535.104.05",
		CUDA:   12020,
		CC:     CC{Feature: "off"},
		GPUs:   []GPU{{Name: "NVIDIA A100-SXM4-80GB", MemTotal: 80 << 30}, {Name: "NVIDIA L4"}, {Name: "NVIDIA L4"}},
	}
	got := inv.Manifest()
	for _, kv := range []struct{ k, v string }{
		{"gpu", "NVIDIA A100-SXM4-80GB, NVIDIA L4"}, {"gpu-count", "3"}, {"gpu-mem", "80.0GiB"},
		{"gpu-cuda", "12.2"}, {"gpu-cc", "off"},
	} {
		if v := got.Get(kv.k); v != kv.v {
			t.Errorf("%s = %q, want %q", kv.k, v, kv.v)
		}
	}
	for _, k := range []string{"gpu-pcie", "gpu-sm-clock-max", "gpu-sm-clock-app", "gpu-power-limit", "gpu-ecc", "gpu-cc-env", "gpu-cc-ready", "gpu-cc-protected-mem", "gpu-compute-cap"} {
		if v := got.Get(k); v != "" {
			t.Errorf("%s = %q, want it left out", k, v)
		}
	}
	if on, known := inv.CCOn(); on || !known {
		t.Errorf("CCOn = %v, %v; want off, known", on, known)
	}
	if on, known := (&Inventory{}).CCOn(); on || known {
		t.Errorf("empty inventory: CCOn = %v, %v; want unknown", on, known)
	}
	if m := (&Inventory{}).Manifest(); len(m) != 0 {
		t.Errorf("empty inventory gives %v", m)
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{environmentName(0), "unavailable"}, {environmentName(1), "sim"}, {environmentName(2), "prod"},
		{environmentName(7), "unknown-7"}, {multiGPUName(0), "none"}, {multiGPUName(1), "protected-pcie"},
		{multiGPUName(2), "nvle"}, {onOff(0), "off"}, {onOff(1), "on"},
		{cpuCapsName(0), "none"}, {cpuCapsName(2), "tdx"}, {cpuCapsName(3), "sev-snp"}, {cpuCapsName(9), "unknown-9"},
		{yesNo(0), "no"}, {yesNo(1), "yes"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCollectOnThisMachine(t *testing.T) {
	// Either NVML answers (a GPU machine, with the gpu tag and cgo), or the
	// error says NVML is not available; nothing else is acceptable.
	inv, err := Collect()
	if err != nil {
		if !errors.Is(err, ErrNoNVML) {
			t.Fatalf("Collect: %v", err)
		}
		t.Logf("no NVML: %v", err)
		return
	}
	if len(inv.GPUs) == 0 || inv.Driver == "" {
		t.Errorf("NVML answered but the inventory is empty: %+v", inv)
	}
	t.Logf("%+v", inv)
}

// TestManifestECCPending: an ECC change waiting for a reset is shown, and a
// fractional power limit keeps its watts exact.
func TestManifestECCPending(t *testing.T) {
	inv := &Inventory{GPUs: []GPU{{Name: "NVIDIA H100 80GB HBM3", PowerLimitMW: 350_500, ECC: "on", ECCPending: "off"}}}
	m := inv.Manifest()
	if got := m.Get("gpu-ecc"); got != "on (off after reset)" {
		t.Errorf("gpu-ecc = %q", got)
	}
	if got := m.Get("gpu-power-limit"); got != "350.5W" {
		t.Errorf("gpu-power-limit = %q", got)
	}
}
