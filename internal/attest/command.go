package attest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// IntelRootLabel names the default trusted root in command output.
const IntelRootLabel = "Intel SGX Root CA (go-tdx-guest v0.3.1's embedded root)"

// RunVerify is scripts/verify: it verifies the quote (and, when present, the
// GPU evidence nonce) of one result file, writes every check and the TD's
// measurements to w, and returns an error naming each failed check, nil only
// when the file is bound to a valid quote. rootsLabel names opts.Roots (""
// for Intel's root).
func RunVerify(w io.Writer, resultPath string, opts VerifyOptions, rootsLabel string) error {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if rootsLabel == "" {
		rootsLabel = IntelRootLabel
	}
	fmt.Fprintf(w, "file:            %s\n", resultPath)
	r, err := VerifyFile(resultPath, opts)
	if err != nil {
		fmt.Fprintf(w, "verdict:         NOT VERIFIED: %v\n", err)
		return err
	}
	fmt.Fprintf(w, "sha512:          %s\n", hex.EncodeToString(r.FileSHA512[:]))
	fmt.Fprintf(w, "quote:           %s (%d bytes)\n", QuotePath(resultPath), r.QuoteSize)
	fmt.Fprintf(w, "trusted root:    %s\n", rootsLabel)
	fmt.Fprintf(w, "checked at:      %s\n", opts.Now.UTC().Format(time.RFC3339))
	if r.Info != nil {
		fmt.Fprintf(w, "MRTD:            %s\n", r.Info.MRTD)
		for i, m := range r.Info.RTMRs {
			fmt.Fprintf(w, "RTMR%d:           %s\n", i, m)
		}
		fmt.Fprintf(w, "TD attributes:   %s (debug: %v)\n", r.Info.TDAttributes, r.Info.Debug)
		fmt.Fprintf(w, "TEE TCB SVN:     %s\n", r.Info.TEETCBSVN)
		fmt.Fprintf(w, "report data:     %s\n", hex.EncodeToString(r.Info.ReportData))
	}
	check := func(name string, err error, okText string) {
		if err != nil {
			fmt.Fprintf(w, "check %-10s FAIL: %v\n", name+":", err)
		} else {
			fmt.Fprintf(w, "check %-10s ok (%s)\n", name+":", okText)
		}
	}
	check("parse", r.Parse, "TDX quote v4")
	if r.Parse == nil {
		check("signature", r.Signature, "PCK chain to the trusted root, QE report, quote signature; offline: no TCB status, QE identity or revocation check")
		check("binding", r.Binding, "report data = SHA-512 of the file")
		debugOK := "not a debug TD"
		if r.Info.Debug {
			debugOK = "debug TD accepted by -allow-debug"
		}
		check("debug", r.Debug, debugOK)
	}
	errs := []error{r.Err()}

	file, rerr := os.ReadFile(resultPath)
	switch gpu, gerr := os.ReadFile(GPUEvidencePath(resultPath)); {
	case errors.Is(gerr, fs.ErrNotExist):
		if rerr == nil && GPUCCOn(file) {
			fmt.Fprintf(w, "GPU evidence:    none (the file says gpu-cc: on)\n")
		}
	case gerr != nil || rerr != nil:
		errs = append(errs, fmt.Errorf("GPU evidence: %w", errors.Join(gerr, rerr)))
		fmt.Fprintf(w, "GPU evidence:    FAIL: %v\n", errs[len(errs)-1])
	default:
		ev, err := CheckGPUEvidence(file, gpu)
		if err != nil {
			errs = append(errs, err)
			fmt.Fprintf(w, "GPU evidence:    FAIL: %v\n", err)
		} else {
			fmt.Fprintf(w, "GPU evidence:    %s: nonce = %s, found in each of %d GPU report(s); reports NOT verified\n", GPUEvidencePath(resultPath), GPUNonceRule, len(ev.GPUs))
		}
		fmt.Fprintf(w, "GPU note:        %s\n", GPUOutOfScope)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(w, "verdict:         NOT VERIFIED\n")
		return err
	}
	fmt.Fprintf(w, "verdict:         VERIFIED (MRTD %s…)\n", r.Info.MRTD[:16])
	return nil
}

// RunAttest is scripts/attest: it binds a quote from getQuote to a result
// file (QuotePath, never overwriting) and, when the file says gpu-cc: on,
// GPU evidence from gpu (nil when built without the gpu tag). It reports to
// w and returns an error for anything it could not write; the quote, once
// written, stays.
func RunAttest(w io.Writer, resultPath string, getQuote QuoteFunc, gpu GPUCollector) error {
	info, out, err := AttestFile(resultPath, getQuote)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: report data = SHA-512(%s), MRTD %s, TD attributes %s\n", out, resultPath, info.MRTD, info.TDAttributes)
	if info.Debug {
		fmt.Fprintf(w, "warning: this is a debug TD; scripts/verify will not count its quote as evidence\n")
	}
	file, err := os.ReadFile(resultPath)
	if err != nil {
		return fmt.Errorf("attest: result file: %w", err)
	}
	if !GPUCCOn(file) {
		return nil
	}
	if gpu == nil {
		return fmt.Errorf("attest: %s says gpu-cc: on, but this command was built without -tags gpu: no GPU evidence written", resultPath)
	}
	gout, ev, err := AttestGPU(resultPath, gpu)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: NVML attestation reports of %d GPU(s), nonce = %s\n", gout, len(ev.GPUs), GPUNonceRule)
	fmt.Fprintf(w, "note: %s\n", GPUOutOfScope)
	return nil
}
