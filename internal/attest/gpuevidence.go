package attest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/teebench/teebench/internal/tee"
	"os"
	"strings"
)

// GPUOutOfScope is printed wherever GPU evidence is written or read: this
// suite stores NVIDIA's attestation report but does not verify it.
const GPUOutOfScope = "verifying GPU attestation reports needs NVIDIA's services (NRAS / the nvtrust verifier, OCSP, RIM service) and is out of scope for teebench; only the nonce binding is checked here"

// GPUNonceRule says how GPU evidence is bound to a result file. NVML's nonce
// is 32 bytes, so it is the first half of the SHA-512 used for the TDX quote.
const GPUNonceRule = "first 32 bytes of SHA-512(result file)"

// GPUEvidencePath returns the path of the GPU evidence of a result file.
func GPUEvidencePath(resultPath string) string { return resultPath + ".gpu-evidence" }

// GPUNonce returns the NVML attestation nonce for a result file's bytes.
func GPUNonce(file []byte) [32]byte {
	rd := ReportData(file)
	var n [32]byte
	copy(n[:], rd[:32])
	return n
}

// GPUEvidence is the .gpu-evidence file: NVML's confidential-computing
// attestation report and certificates of every GPU, over one nonce.
type GPUEvidence struct {
	// NonceRule is GPUNonceRule, so the file explains itself.
	NonceRule string `json:"nonce_rule"`
	// Nonce is the hex nonce every report was requested with.
	Nonce string `json:"nonce"`
	// Driver is the NVIDIA driver version.
	Driver string `json:"driver,omitempty"`
	// Note is GPUOutOfScope.
	Note string `json:"note"`
	// GPUs holds one report per GPU, in NVML index order.
	GPUs []GPUReport `json:"gpus"`
}

// GPUReport is one GPU's evidence, every blob hex-encoded as NVML returned it.
type GPUReport struct {
	// Index, UUID and Name identify the GPU.
	Index int    `json:"index"`
	UUID  string `json:"uuid,omitempty"`
	Name  string `json:"name,omitempty"`
	// AttestationReport is nvmlConfComputeGpuAttestationReport_t's report.
	AttestationReport string `json:"attestation_report"`
	// CECAttestationReport is the CEC report, when NVML returns one.
	CECAttestationReport string `json:"cec_attestation_report,omitempty"`
	// CertChain and AttestationCertChain are nvmlConfComputeGpuCertificate_t's.
	CertChain            string `json:"cert_chain,omitempty"`
	AttestationCertChain string `json:"attestation_cert_chain,omitempty"`
	// NonceInReport says whether the nonce bytes occur in the report (the
	// SPDM measurement request it contains carries the requester's nonce).
	NonceInReport bool `json:"nonce_in_report"`
}

// GPUCCOn reports whether a result file says its GPU ran in confidential
// computing mode (a "gpu-cc: on" config line).
func GPUCCOn(file []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(file))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == "gpu-cc" && strings.TrimSpace(v) == "on" {
			return true
		}
	}
	return false
}

// GPUCollector gets GPU evidence over a nonce (CollectGPUEvidence under the
// gpu build tag).
type GPUCollector func(nonce [32]byte) (*GPUEvidence, error)

// AttestGPU writes GPUEvidencePath(resultPath), never overwriting, with the
// evidence collect returns over GPUNonce of the file.
func AttestGPU(resultPath string, collect GPUCollector) (string, *GPUEvidence, error) {
	out := GPUEvidencePath(resultPath)
	file, err := os.ReadFile(resultPath)
	if err != nil {
		return "", nil, fmt.Errorf("attest: result file: %w", err)
	}
	nonce := GPUNonce(file)
	ev, err := collect(nonce)
	if err != nil {
		return "", nil, fmt.Errorf("attest: GPU evidence for %s: %w", resultPath, err)
	}
	ev.NonceRule, ev.Nonce, ev.Note = GPUNonceRule, hex.EncodeToString(nonce[:]), GPUOutOfScope
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return "", nil, fmt.Errorf("attest: GPU evidence: %w", err)
	}
	if err := tee.WriteNew(out, append(b, '\n')); err != nil {
		return "", nil, err
	}
	return out, ev, nil
}

// CheckGPUEvidence reads a .gpu-evidence file and checks only what can be
// checked offline: that its nonce is GPUNonce(file) and that each GPU's
// report contains it. It does not verify the reports (see GPUOutOfScope).
func CheckGPUEvidence(file, evidence []byte) (*GPUEvidence, error) {
	var ev GPUEvidence
	if err := json.Unmarshal(evidence, &ev); err != nil {
		return nil, fmt.Errorf("attest: GPU evidence is not valid JSON: %w", err)
	}
	want := GPUNonce(file)
	if ev.Nonce != hex.EncodeToString(want[:]) {
		return &ev, fmt.Errorf("attest: GPU evidence nonce %q is not %s = %x", ev.Nonce, GPUNonceRule, want)
	}
	if len(ev.GPUs) == 0 {
		return &ev, fmt.Errorf("attest: GPU evidence holds no GPU report")
	}
	for _, g := range ev.GPUs {
		rep, err := hex.DecodeString(g.AttestationReport)
		if err != nil {
			return &ev, fmt.Errorf("attest: GPU %d attestation report is not hex: %w", g.Index, err)
		}
		if !bytes.Contains(rep, want[:]) {
			return &ev, fmt.Errorf("attest: GPU %d attestation report does not contain the nonce", g.Index)
		}
	}
	return &ev, nil
}
