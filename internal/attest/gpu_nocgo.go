//go:build gpu && !cgo

package attest

import "errors"

// CollectGPUEvidence needs NVML, which needs cgo; this build has the gpu tag
// but CGO_ENABLED=0, so it always fails with the reason.
func CollectGPUEvidence(nonce [32]byte) (*GPUEvidence, error) {
	return nil, errors.New("GPU evidence needs NVML, which needs cgo: this build has -tags gpu with CGO_ENABLED=0")
}
