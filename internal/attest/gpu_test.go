//go:build gpu && cgo

package attest

import (
	"errors"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// TestCollectGPUEvidence runs against the real driver. It skips where NVML
// is missing or the GPU gives no attestation report (CC mode off).
func TestCollectGPUEvidence(t *testing.T) {
	nonce := GPUNonce([]byte(fixtureText))
	ev, err := CollectGPUEvidence(nonce)
	switch {
	case errors.Is(err, nvml.ERROR_LIBRARY_NOT_FOUND), errors.Is(err, nvml.ERROR_DRIVER_NOT_LOADED),
		errors.Is(err, nvml.ERROR_NOT_SUPPORTED), errors.Is(err, nvml.ERROR_NO_PERMISSION):
		t.Skipf("no GPU attestation here: %v", err)
	case err != nil:
		t.Fatal(err)
	}
	for _, g := range ev.GPUs {
		t.Logf("GPU %d %s: report %d hex chars, nonce in report: %v", g.Index, g.Name, len(g.AttestationReport), g.NonceInReport)
		if g.AttestationReport == "" || !g.NonceInReport {
			t.Errorf("GPU %d: report empty or without the nonce", g.Index)
		}
	}
}
