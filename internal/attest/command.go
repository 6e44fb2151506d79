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
	if d := r.Dstack; d != nil {
		printDstack(w, d, r.DstackErr)
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
	return attestGPU(w, resultPath, info, gpu)
}

// RunAttestAgent is RunAttest with the quote from the dstack guest agent a
// (AttestWithAgent: quote, event log, /Info, source label). What was written
// stays when a later step fails; the error names each failure.
func RunAttestAgent(w io.Writer, resultPath string, a *Agent, gpu GPUCollector) error {
	info, err := AttestWithAgent(w, resultPath, a)
	if info == nil {
		return err
	}
	return errors.Join(err, attestGPU(w, resultPath, info, gpu))
}

// attestGPU is the part of RunAttest after the quote: the debug warning and,
// when the file says gpu-cc: on, the GPU evidence.
func attestGPU(w io.Writer, resultPath string, info *Info, gpu GPUCollector) error {
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

// printDstack prints the guest agent's evidence: the source, the event log
// replay and the /Info values, each marked verified only when the replayed
// RTMR3 log measures it.
func printDstack(w io.Writer, d *Dstack, err error) {
	src := d.Source
	if src == "" {
		src = "unknown (no attestation label stored)"
	}
	fmt.Fprintf(w, "attestation:     %s\n", src)
	if errors.Is(err, ErrSimulated) {
		fmt.Fprintf(w, "check %-10s FAIL: %v\n", "source:", ErrSimulated)
	}
	if d.Replayed != nil {
		for i, m := range d.Replayed {
			fmt.Fprintf(w, "replayed RTMR%d:  %s (%d events)\n", i, m, d.PerRTMR[i])
		}
	}
	var logErr error
	for _, e := range unwrapAll(err) {
		if errors.Is(e, ErrEventLog) {
			logErr = e
		}
	}
	switch {
	case logErr != nil:
		fmt.Fprintf(w, "check %-10s FAIL: %v\n", "eventlog:", logErr)
	case d.Replayed != nil:
		fmt.Fprintf(w, "check %-10s ok (%d events replay to the quote's RTMR3; RTMR0-2 are shown, not checked: that needs the image's measurements)\n", "eventlog:", d.Events)
	default:
		fmt.Fprintf(w, "check %-10s none (no %s)\n", "eventlog:", "event log")
	}
	if d.Info == nil {
		fmt.Fprintf(w, "dstack info:     none\n")
		return
	}
	fmt.Fprintf(w, "app_id:          %s\n", d.Info.AppID)
	for _, c := range []struct {
		name string
		c    Claim
	}{{"compose_hash:", d.ComposeHash}, {"os_image_hash:", d.OSImageHash}} {
		if c.c.Verified {
			fmt.Fprintf(w, "%-16s %s (verified: measured in the replayed RTMR3 log)\n", c.name, c.c.Value)
		} else {
			fmt.Fprintf(w, "%-16s %s (unverified: %s)\n", c.name, c.c.Value, c.c.Why)
		}
	}
}

// unwrapAll flattens joined errors.
func unwrapAll(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}
