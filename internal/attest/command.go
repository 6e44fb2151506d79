package attest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/tee"
)

// RunVerify is scripts/verify: it verifies the quote, binding, side files,
// event log, policy and (when present) the GPU evidence nonce of one result
// file (evidence of another Kind than TDX, such as R.txt.snp-report, goes
// to that Kind: runVerifyKind), writes every check and the TD's measurements to w, and ends with a
// verdict line. It returns an error naming each failed check; nil when the
// file is bound to a valid quote, which the verdict calls VERIFIED only when
// a policy was given and matched (otherwise it says the TD's identity was
// not checked).
func RunVerify(w io.Writer, resultPath string, opts VerifyOptions) error {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	rootsLabel := tee.IntelRootLabel
	if opts.Roots != nil {
		rootsLabel = "TEST root " + opts.RootsLabel + " (NOT Intel's root: evidence checked against it proves nothing about real hardware)"
	}
	fmt.Fprintf(w, "file:            %s\n", resultPath)
	if _, err := os.Stat(QuotePath(resultPath)); errors.Is(err, fs.ErrNotExist) {
		if k, ev, ok, err := kindEvidenceOf(resultPath); ok || err != nil {
			return runVerifyKind(w, resultPath, k, ev, err, opts)
		}
	}
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
		check("signature", r.Signature, "PCK chain to the trusted root, QE report, quote signature")
		if r.TestRoot != "" {
			check("root", r.Root, "test root accepted by -allow-test-root")
		}
		bindOK := bindText(resultPath, r.Bind)
		check("binding", r.Binding, bindOK)
		debugOK := "not a debug TD"
		if r.Info.Debug {
			debugOK = "debug TD accepted by -allow-debug"
		}
		check("debug", r.Debug, debugOK)
		check("manifest", r.Manifest, "the file's tdx-* lines, where present, agree with the quote")
		switch {
		case r.TCB != nil:
			fmt.Fprintf(w, "TCB status:      %s as of %s (platform %s, QE %s; QE identity and revocation checked; Intel's collateral %s)\n",
				r.TCB.Status, r.TCB.AsOf.UTC().Format("2006-01-02"), r.TCB.Platform, r.TCB.QE, r.TCBSource)
		case r.TCBErr != nil:
			fmt.Fprintf(w, "check %-10s FAIL: %v\n", "tcb:", r.TCBErr)
		default:
			fmt.Fprintf(w, "TCB status:      not checked (offline: no Intel collateral; QE identity and revocation not checked either)\n")
		}
	}
	if d := r.Dstack; d != nil {
		printDstack(w, d, r.DstackErr)
	}
	if r.PolicyChecked {
		check("policy", r.Policy, "the TD matches "+opts.PolicyLabel)
	} else {
		fmt.Fprintf(w, "check %-10s none given: the TD's identity (MRTD, RTMRs) is not checked\n", "policy:")
	}
	errs := []error{r.Err()}

	errs = append(errs, printGPUEvidence(w, resultPath))
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(w, "verdict:         NOT VERIFIED: %v\n", err)
		return err
	}
	fmt.Fprintf(w, "verdict:         %s\n", verdictLine(r, opts))
	return nil
}

// bindText says how evidence binds a result file, for a binding check that
// passed: through its binding list (naming the side files and the nonce)
// or, made the old way, over the result file alone.
func bindText(resultPath string, b *Binding) string {
	if b.Unbound() {
		return "report data = SHA-512 of the file alone: side files unbound (evidence made the old way)"
	}
	s := fmt.Sprintf("report data = SHA-512 of %s, which binds the file and %d side file(s)", BindPath(filepath.Base(resultPath)), len(b.Files))
	if len(b.Files) > 0 {
		s += ": " + strings.Join(b.Files, ", ")
	}
	if b.List.Nonce != "" {
		s += "; nonce " + b.List.Nonce
	}
	return s
}

// printGPUEvidence checks the GPU evidence nonce of a result file, when
// there is GPU evidence or the file says gpu-cc: on, and writes the
// outcome to w; the error is the failed check.
func printGPUEvidence(w io.Writer, resultPath string) error {
	file, rerr := os.ReadFile(resultPath)
	switch gpu, gerr := os.ReadFile(GPUEvidencePath(resultPath)); {
	case errors.Is(gerr, fs.ErrNotExist):
		if rerr == nil && GPUCCOn(file) {
			fmt.Fprintf(w, "GPU evidence:    none (the file says gpu-cc: on)\n")
		}
	case gerr != nil || rerr != nil:
		err := fmt.Errorf("GPU evidence: %w", errors.Join(gerr, rerr))
		fmt.Fprintf(w, "GPU evidence:    FAIL: %v\n", err)
		return err
	default:
		ev, err := CheckGPUEvidence(file, gpu)
		if err != nil {
			fmt.Fprintf(w, "GPU evidence:    FAIL: %v\n", err)
		} else {
			fmt.Fprintf(w, "GPU evidence:    %s: nonce = %s, found in each of %d GPU report(s); reports NOT verified\n", GPUEvidencePath(resultPath), GPUNonceRule, len(ev.GPUs))
		}
		fmt.Fprintf(w, "GPU note:        %s\n", GPUOutOfScope)
		return err
	}
	return nil
}

// NotChecked lists what a result that passed did not check, one short
// phrase each (the Evidence caveats and the verdict line use them).
func (r *Result) NotChecked() []string {
	var out []string
	if !r.PolicyChecked {
		out = append(out, "no policy: TD identity not checked")
	}
	if r.TCB == nil {
		out = append(out, "TCB status not checked (offline)")
	}
	if r.Bind.Unbound() {
		out = append(out, "side files unbound")
	}
	if r.TestRoot != "" {
		out = append(out, "test root")
	}
	if d := r.Dstack; d != nil && len(d.Unchecked()) > 0 {
		var regs []string
		for _, i := range d.Unchecked() {
			regs = append(regs, fmt.Sprintf("RTMR%d", i))
		}
		out = append(out, "no events for "+strings.Join(regs, ", ")+" in the event log: not replayed")
	}
	return out
}

// verdictLine is the verdict of a result that passed every check it made:
// VERIFIED only with a policy, and always naming what was not checked.
func verdictLine(r *Result, opts VerifyOptions) string {
	var head string
	if r.PolicyChecked {
		head = fmt.Sprintf("VERIFIED against policy %s (MRTD %s…)", opts.PolicyLabel, r.Info.MRTD[:16])
	} else {
		head = fmt.Sprintf("SIGNED AND BOUND, BUT NO POLICY: the TD's identity (MRTD %s…, RTMRs) was not checked against a policy; some TD signed this, not necessarily yours (-policy FILE)", r.Info.MRTD[:16])
	}
	if r.TestRoot != "" {
		head += "; under the TEST root " + r.TestRoot + ", not Intel's"
	}
	var rest []string
	if r.TCB == nil {
		rest = append(rest, "TCB status, QE identity and revocation (offline: give -online or a saved .collateral.json)")
	} else {
		head += fmt.Sprintf("; TCB status %s as of %s", r.TCB.Status, r.TCB.AsOf.UTC().Format("2006-01-02"))
	}
	if r.Bind.Unbound() {
		rest = append(rest, "side files (the quote covers the result file alone)")
	}
	if d := r.Dstack; d != nil {
		for _, i := range d.Unchecked() {
			rest = append(rest, fmt.Sprintf("RTMR%d (no events in the log)", i))
		}
	}
	rest = append(rest, "freshness (no verifier nonce)")
	if r.Bind != nil && r.Bind.List != nil && r.Bind.List.Nonce != "" {
		rest = rest[:len(rest)-1]
		head += "; nonce " + r.Bind.List.Nonce
	}
	return head + "; not checked: " + strings.Join(rest, ", ")
}

// RunAttest is scripts/attest: when the file says gpu-cc: on it first
// writes GPU evidence from gpu (nil when built without the gpu tag), then
// binds a quote from getQuote to the file and its side files (AttestFile:
// binding list, then quote; never overwriting). It reports to w and returns
// an error for anything it could not write; what was written stays.
func RunAttest(w io.Writer, resultPath string, getQuote QuoteFunc, gpu GPUCollector) error {
	gerr := attestGPU(w, resultPath, gpu)
	info, out, err := AttestFile(resultPath, getQuote)
	if err != nil {
		return errors.Join(gerr, err)
	}
	fmt.Fprintf(w, "wrote %s and %s: report data = SHA-512 of the binding list over %s and its side files (%s), MRTD %s, TD attributes %s\n",
		BindPath(resultPath), out, resultPath, strings.Join(ExistingSideFiles(resultPath), ", "), info.MRTD, info.TDAttributes)
	debugWarning(w, info)
	return errors.Join(gerr, saveCollateral(w, resultPath))
}

// CollateralEnv names the variable that, set to 1, makes attest fetch
// Intel's collateral for the quote right away (from inside the TD, where
// the network allows) and save it as tee.CollateralPath, so that verify can
// give the TCB status as of the quote's day later.
const CollateralEnv = "TEEBENCH_COLLATERAL"

// saveCollateral fetches and saves the collateral when CollateralEnv is 1.
func saveCollateral(w io.Writer, resultPath string) error {
	if !config.SaveCollateral() {
		return nil
	}
	raw, err := os.ReadFile(QuotePath(resultPath))
	if err != nil {
		return fmt.Errorf("attest: %w", err)
	}
	c, err := tee.FetchCollateral(raw, nil, nil, time.Now())
	if err == nil {
		err = tee.WriteNew(tee.CollateralPath(resultPath), c.Marshal())
	}
	if err != nil {
		return fmt.Errorf("attest: %s=1: %w", CollateralEnv, err)
	}
	fmt.Fprintf(w, "wrote %s: Intel's collateral as of %s\n", tee.CollateralPath(resultPath), c.FetchedAt.Format(time.RFC3339))
	return nil
}

// RunAttestAgent is RunAttest with the quote from the dstack guest agent a
// (AttestWithAgent: /Info extract, source label, binding list, quote, event
// log). What was written stays when a later step fails; the error names
// each failure.
func RunAttestAgent(w io.Writer, resultPath string, a *tee.Agent, gpu GPUCollector) error {
	gerr := attestGPU(w, resultPath, gpu)
	info, err := AttestWithAgent(w, resultPath, a)
	if info == nil {
		return errors.Join(gerr, err)
	}
	debugWarning(w, info)
	if a.Simulated {
		return errors.Join(gerr, err)
	}
	return errors.Join(gerr, err, saveCollateral(w, resultPath))
}

func debugWarning(w io.Writer, info *tee.TDXInfo) {
	if info.Debug {
		fmt.Fprintf(w, "warning: this is a debug TD; scripts/verify will not count its quote as evidence\n")
	}
}

// attestGPU writes the GPU evidence before the quote, when the file says
// gpu-cc: on.
func attestGPU(w io.Writer, resultPath string, gpu GPUCollector) error {
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
// replay per RTMR and the values the log measured.
func printDstack(w io.Writer, d *tee.Dstack, err error) {
	fmt.Fprintf(w, "attestation:     %s\n", sourceText(d))
	if errors.Is(err, tee.ErrSimulated) {
		fmt.Fprintf(w, "check %-10s FAIL: %v\n", "source:", tee.ErrSimulated)
	}
	for i, m := range d.Replayed {
		note := "compared with the quote"
		if d.PerRTMR[i] == 0 && i < 3 {
			note = "no events: not checked"
		}
		fmt.Fprintf(w, "replayed RTMR%d:  %s (%d events; %s)\n", i, m, d.PerRTMR[i], note)
	}
	var other []error
	for _, e := range unwrapAll(err) {
		if !errors.Is(e, tee.ErrSimulated) {
			other = append(other, e)
		}
	}
	switch {
	case len(other) > 0:
		fmt.Fprintf(w, "check %-10s FAIL: %v\n", "eventlog:", errors.Join(other...))
	case d.Replayed != nil:
		fmt.Fprintf(w, "check %-10s ok (%d events; runtime events only in IMR 3, no duplicate identity events; every RTMR with events replays to the quote's)\n", "eventlog:", d.Events)
	default:
		fmt.Fprintf(w, "check %-10s none (no event log)\n", "eventlog:")
	}
	show := func(name, v string) {
		printClaim(w, name, v, "measured in the replayed RTMR3 log", "(no such event in the log: not measured)")
	}
	if len(other) == 0 && d.Replayed != nil {
		show("app_id:", d.Measured.AppID)
		show("compose_hash:", d.Measured.ComposeHash)
		show("os_image_hash:", d.Measured.OSImageHash)
	}
	if d.Info != nil && d.Info.Compose() != "" && len(other) == 0 {
		fmt.Fprintf(w, "compose file:    stored (%s=1); its SHA-256 is the measured compose hash\n", tee.KeepComposeEnv)
	}
}

// sourceText is the guest agent's source label for output.
func sourceText(d *tee.Dstack) string {
	if d.Source == "" {
		return "unknown (no attestation label stored)"
	}
	return d.Source
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

// printClaim prints one of the app's identity values as verify shows it:
// the value and how it is bound, or, when it is empty, what its absence
// means.
func printClaim(w io.Writer, name, v, bound, missing string) {
	if v == "" {
		v = missing
	} else {
		v += " (" + bound + ")"
	}
	fmt.Fprintf(w, "%-16s %s\n", name, v)
}
