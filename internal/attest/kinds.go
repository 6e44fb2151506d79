package attest

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/tee"
)

// kindEvidenceOf returns the first Kind other than TDX (whose quote
// VerifyFile reads) that has evidence beside the result file, in
// tee.Kinds() order; ok is false when none has. An error names a Kind whose
// evidence is incomplete.
func kindEvidenceOf(resultPath string) (k tee.Kind, ev tee.Evidence, ok bool, err error) {
	for _, k := range tee.Kinds() {
		if k == tee.TDX {
			continue
		}
		ev, ok, err := tee.ReadEvidence(resultPath, k)
		if ok || err != nil {
			return k, ev, ok, err
		}
	}
	return nil, tee.Evidence{}, false, nil
}

// policySection returns k's section of opts.Policy (nil when there is no
// policy or it has no section for k).
func policySection(opts VerifyOptions, k tee.Kind) (json.RawMessage, error) {
	if opts.Policy == nil {
		return nil, nil
	}
	b, err := json.Marshal(opts.Policy)
	if err != nil {
		return nil, err
	}
	return tee.PolicySection(b, k)
}

// verifyKind checks a Kind's evidence of a result file: report data =
// SHA-512 of the file (side files are not bound), the policy's section for
// the Kind. A -roots test root applies to TDX quotes only, so it is
// refused here.
func verifyKind(resultPath string, k tee.Kind, ev tee.Evidence, opts VerifyOptions) (tee.Claims, [64]byte, bool, error) {
	file, err := os.ReadFile(resultPath)
	if err != nil {
		return tee.Claims{}, [64]byte{}, false, fmt.Errorf("attest: result file: %w", err)
	}
	sum := ReportData(file)
	if opts.Roots != nil {
		return tee.Claims{}, sum, false, fmt.Errorf("attest: %s evidence is checked against the vendor's embedded roots; -roots (%s) applies to TDX quotes only", k.Title(), opts.RootsLabel)
	}
	section, err := policySection(opts, k)
	if err != nil {
		return tee.Claims{}, sum, false, err
	}
	if opts.Policy != nil && section == nil {
		return tee.Claims{}, sum, false, fmt.Errorf("%w: the policy %s has no %q section for this %s evidence", tee.ErrPolicy, opts.PolicyLabel, k.Name(), k.Title())
	}
	c, err := k.Verify(ev, sum, section, tee.VerifyOptions{Now: opts.Now, Online: opts.Online})
	return c, sum, section != nil, err
}

// kindEvidence is EvidenceWith for a Kind other than TDX.
func kindEvidence(resultPath string, k tee.Kind, ev tee.Evidence, opts VerifyOptions) Evidence {
	c, _, _, err := verifyKind(resultPath, k, ev, opts)
	if err != nil {
		return Evidence{Status: StateFailed, TEE: k.Name(), Reason: err.Error()}
	}
	return Evidence{Status: StateVerified, TEE: k.Name(), Caveats: append(c.Caveats, "side files unbound")}
}

// runVerifyKind is RunVerify for a Kind other than TDX: the Kind's checks
// (its Verify), its identity lines, the GPU evidence nonce, and a verdict
// line as for TDX. readErr is ReadEvidence's error (incomplete evidence).
func runVerifyKind(w io.Writer, resultPath string, k tee.Kind, ev tee.Evidence, readErr error, opts VerifyOptions) error {
	fail := func(err error) error {
		fmt.Fprintf(w, "verdict:         NOT VERIFIED: %v\n", err)
		return err
	}
	if readErr != nil {
		return fail(readErr)
	}
	var files []string
	for _, s := range k.Suffixes() {
		files = append(files, resultPath+s)
	}
	fmt.Fprintf(w, "evidence:        %s (%s)\n", k.Title(), strings.Join(files, ", "))
	fmt.Fprintf(w, "trusted root:    %s vendor roots embedded in internal/tee\n", k.Title())
	fmt.Fprintf(w, "checked at:      %s\n", opts.Now.UTC().Format(time.RFC3339))
	c, sum, withPolicy, err := verifyKind(resultPath, k, ev, opts)
	fmt.Fprintf(w, "sha512:          %s\n", hex.EncodeToString(sum[:]))
	if err != nil {
		fmt.Fprintf(w, "check %-10s FAIL: %v\n", "evidence:", err)
		return fail(errors.Join(err, printGPUEvidence(w, resultPath)))
	}
	for _, l := range c.Lines {
		fmt.Fprintf(w, "%-16s %s\n", l.Key+":", l.Value)
	}
	fmt.Fprintf(w, "check %-10s ok (%s signature chain to the vendor's roots, report data = SHA-512 of the file alone: side files unbound, debug refused)\n", "evidence:", k.Title())
	if withPolicy {
		fmt.Fprintf(w, "check %-10s ok (the guest matches %s)\n", "policy:", opts.PolicyLabel)
	} else {
		fmt.Fprintf(w, "check %-10s none given: the guest's identity (measurement) is not checked\n", "policy:")
	}
	if err := printGPUEvidence(w, resultPath); err != nil {
		return fail(err)
	}
	head := fmt.Sprintf("SIGNED AND BOUND, BUT NO POLICY: the %s guest's identity was not checked against a policy; some guest signed this, not necessarily yours (-policy FILE)", k.Title())
	if withPolicy {
		head = fmt.Sprintf("VERIFIED against policy %s (%s)", opts.PolicyLabel, k.Title())
	}
	rest := append([]string{"side files (the evidence covers the result file alone)"}, c.Caveats...)
	rest = append(rest, "freshness (no verifier nonce)")
	fmt.Fprintf(w, "verdict:         %s; not checked: %s\n", head, strings.Join(rest, ", "))
	return nil
}

// RunAttestKind is scripts/attest for a Kind other than TDX: when the file
// says gpu-cc: on it first writes GPU evidence from gpu, then asks the Kind
// for evidence over SHA-512 of the result file (its report data) and writes
// it beside the file (tee.WriteEvidence, never overwriting). The side files
// are not bound by it (the TDX binding list needs a quote parser; the GPU
// evidence carries the file's hash in its nonce). What was written stays
// when a later step fails.
func RunAttestKind(w io.Writer, resultPath string, k tee.Kind, gpu GPUCollector) error {
	file, err := os.ReadFile(resultPath)
	if err != nil {
		return fmt.Errorf("attest: result file: %w", err)
	}
	gerr := attestGPU(w, resultPath, gpu)
	ev, err := k.Attest(ReportData(file))
	if err != nil {
		return errors.Join(gerr, fmt.Errorf("attest: %s: %w", resultPath, err))
	}
	paths, err := tee.WriteEvidence(resultPath, ev)
	if err != nil {
		return errors.Join(gerr, err)
	}
	var ids []string
	if lines, err := k.Describe(ev); err == nil {
		for _, l := range lines {
			ids = append(ids, l.Key+" "+l.Value)
		}
	}
	fmt.Fprintf(w, "wrote %s: %s evidence over SHA-512 of %s (side files unbound); %s\n", strings.Join(paths, ", "), k.Title(), resultPath, strings.Join(ids, ", "))
	return gerr
}

// PolicyForFile returns the policy that pins a verified result's guest:
// PolicyFor of VerifyFile for a TDX quote, else tee.PolicyFromClaims of the
// evidence of another Kind. Trust on first use, as PolicyFor.
func PolicyForFile(resultPath string, opts VerifyOptions, pinAll bool) (*tee.Policy, error) {
	if _, err := os.Stat(QuotePath(resultPath)); err != nil {
		k, ev, ok, err := kindEvidenceOf(resultPath)
		if err != nil {
			return nil, err
		}
		if ok {
			c, _, _, err := verifyKind(resultPath, k, ev, opts)
			if err != nil {
				return nil, fmt.Errorf("attest: no policy from a result that does not verify: %w", err)
			}
			return tee.PolicyFromClaims(c)
		}
	}
	r, err := VerifyFile(resultPath, opts)
	if err != nil {
		return nil, err
	}
	return PolicyFor(r, pinAll)
}
