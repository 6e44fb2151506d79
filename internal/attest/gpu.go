//go:build gpu && cgo

package attest

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// CollectGPUEvidence asks NVML, for every GPU, for its confidential-computing
// attestation report over nonce and its certificate chains. It fails when
// NVML cannot be loaded or a GPU does not give a report (for example, CC mode
// is off: NVML answers ERROR_NOT_SUPPORTED).
func CollectGPUEvidence(nonce [32]byte) (*GPUEvidence, error) {
	if ret := nvml.Init(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("nvml init: %w", ret)
	}
	defer nvml.Shutdown()
	ev := &GPUEvidence{}
	if v, ret := nvml.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		ev.Driver = v
	}
	n, ret := nvml.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("nvml device count: %w", ret)
	}
	if n == 0 {
		return nil, fmt.Errorf("nvml: no GPU")
	}
	for i := 0; i < n; i++ {
		d, ret := nvml.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			return nil, fmt.Errorf("nvml GPU %d: %w", i, ret)
		}
		g := GPUReport{Index: i}
		g.UUID, _ = d.GetUUID()
		g.Name, _ = d.GetName()
		var rep nvml.ConfComputeGpuAttestationReport
		rep.Nonce = nonce
		if ret := d.GetConfComputeGpuAttestationReport(&rep); ret != nvml.SUCCESS {
			return nil, fmt.Errorf("nvml GPU %d attestation report: %w", i, ret)
		}
		if rep.AttestationReportSize == 0 || int(rep.AttestationReportSize) > len(rep.AttestationReport) {
			return nil, fmt.Errorf("nvml GPU %d attestation report: size %d", i, rep.AttestationReportSize)
		}
		r := rep.AttestationReport[:rep.AttestationReportSize]
		g.AttestationReport = hex.EncodeToString(r)
		g.NonceInReport = bytes.Contains(r, nonce[:])
		if rep.IsCecAttestationReportPresent != 0 && int(rep.CecAttestationReportSize) <= len(rep.CecAttestationReport) {
			g.CECAttestationReport = hex.EncodeToString(rep.CecAttestationReport[:rep.CecAttestationReportSize])
		}
		cert, ret := d.GetConfComputeGpuCertificate()
		if ret != nvml.SUCCESS {
			return nil, fmt.Errorf("nvml GPU %d certificate: %w", i, ret)
		}
		if int(cert.CertChainSize) <= len(cert.CertChain) {
			g.CertChain = hex.EncodeToString(cert.CertChain[:cert.CertChainSize])
		}
		if int(cert.AttestationCertChainSize) <= len(cert.AttestationCertChain) {
			g.AttestationCertChain = hex.EncodeToString(cert.AttestationCertChain[:cert.AttestationCertChainSize])
		}
		ev.GPUs = append(ev.GPUs, g)
	}
	return ev, nil
}
