package attest

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/config"
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

// kindCheck is what verifyKind found.
type kindCheck struct {
	// Claims are the Kind's verified claims.
	Claims tee.Claims
	// ReportData is what the evidence had to carry (boundReportData).
	ReportData [64]byte
	// Bind says how the evidence binds the file (nil when the binding list
	// is not a valid one).
	Bind *Binding
	// Policy is true when a policy section was checked.
	Policy bool
	// Dstack is the dstack guest agent's evidence (source label, /Info
	// extract, the app configuration the evidence binds) for a Kind that
	// reads it (tee.DstackReader); nil when there is none.
	Dstack *tee.Dstack
}

// verifyKind checks a Kind's evidence of a result file: the report data is
// the one its binding list (or, without a list, the result file alone)
// calls for (boundReportData, the same rule as a TDX quote's), and the
// Kind's Verify checks the evidence carries it, its chain and the policy's
// section for the Kind. A -roots test root applies to TDX quotes only, so
// it is refused here.
func verifyKind(resultPath string, k tee.Kind, ev tee.Evidence, opts VerifyOptions) (kindCheck, error) {
	dir, name := filepath.Split(resultPath)
	if dir == "" {
		dir = "."
	}
	var c kindCheck
	var err error
	c.ReportData, c.Bind, err = boundReportData(name, dirReader(dir))
	if err != nil {
		return c, err
	}
	if opts.Roots != nil {
		return c, fmt.Errorf("attest: %s evidence is checked against the vendor's embedded roots; -roots (%s) applies to TDX quotes only", k.Title(), opts.RootsLabel)
	}
	section, err := policySection(opts, k)
	if err != nil {
		return c, err
	}
	if opts.Policy != nil && section == nil {
		return c, fmt.Errorf("%w: the policy %s has no %q section for this %s evidence", tee.ErrPolicy, opts.PolicyLabel, k.Name(), k.Title())
	}
	c.Policy = section != nil
	c.Claims, err = k.Verify(ev, c.ReportData, section, tee.VerifyOptions{Now: opts.Now, Online: opts.Online})
	if errors.Is(err, tee.ErrBinding) {
		err = fmt.Errorf("%w: %w (%s)", ErrReportData, err, bindRule(name, c.Bind))
	}
	if err != nil {
		return c, err
	}
	if r, ok := k.(tee.DstackReader); ok {
		c.Dstack, err = r.ReadDstack(resultPath, ev)
	}
	return c, err
}

// dstackCaveats says what of a dstack CVM's identity verify did not check
// on a Kind without an event log: the OS image hash (never in HOST_DATA),
// and the app id when the MrConfigV3 document pins none.
func dstackCaveats(d *tee.Dstack) []string {
	if d == nil || d.MrConfig == nil {
		return nil
	}
	out := []string{"dstack os_image_hash unverified (not bound by the report; the image is in the launch measurement)"}
	if d.MrConfig.AppID == "" {
		out = append(out, "dstack app_id unverified (the MrConfigV3 document pins none)")
	}
	return out
}

// bindRule says what report data evidence of result must carry.
func bindRule(result string, b *Binding) string {
	if b.Unbound() {
		return "report data = SHA-512 of " + result + " alone"
	}
	return "report data = SHA-512 of " + BindPath(result)
}

// kindEvidence is EvidenceWith for a Kind other than TDX.
func kindEvidence(resultPath string, k tee.Kind, ev tee.Evidence, opts VerifyOptions) Evidence {
	c, err := verifyKind(resultPath, k, ev, opts)
	if err != nil {
		return Evidence{Status: StateFailed, TEE: k.Name(), Reason: err.Error()}
	}
	caveats := append(c.Claims.Caveats, dstackCaveats(c.Dstack)...)
	if c.Bind.Unbound() {
		caveats = append(caveats, "side files unbound")
	}
	return Evidence{Status: StateVerified, TEE: k.Name(), Caveats: caveats}
}

// runVerifyKind is RunVerify for a Kind other than TDX: the binding (as
// for TDX), the Kind's checks (its Verify), its identity lines, the GPU
// evidence nonce, and a verdict line as for TDX. readErr is ReadEvidence's
// error (incomplete evidence).
func runVerifyKind(w io.Writer, resultPath string, k tee.Kind, ev tee.Evidence, readErr error, opts VerifyOptions) error {
	fail := func(err error) error {
		fmt.Fprintf(w, "verdict:         NOT VERIFIED: %v\n", err)
		return err
	}
	if readErr != nil {
		return fail(readErr)
	}
	fmt.Fprintf(w, "evidence:        %s (%s)\n", k.Title(), strings.Join(suffixed(resultPath, k.Suffixes()), ", "))
	fmt.Fprintf(w, "trusted root:    %s vendor roots embedded in internal/tee\n", k.Title())
	fmt.Fprintf(w, "checked at:      %s\n", opts.Now.UTC().Format(time.RFC3339))
	c, err := verifyKind(resultPath, k, ev, opts)
	if c.ReportData != ([64]byte{}) {
		fmt.Fprintf(w, "report data:     %s\n", hex.EncodeToString(c.ReportData[:]))
	}
	if err != nil {
		name := "evidence:"
		switch {
		case errors.Is(err, ErrReportData) || errors.Is(err, ErrUnboundSideFile):
			name = "binding:"
		case errors.Is(err, tee.ErrMrConfig) || c.Dstack != nil:
			name = "dstack:"
		}
		fmt.Fprintf(w, "check %-10s FAIL: %v\n", name, err)
		return fail(errors.Join(err, printGPUEvidence(w, resultPath)))
	}
	for _, l := range c.Claims.Lines {
		fmt.Fprintf(w, "%-16s %s\n", l.Key+":", l.Value)
	}
	fmt.Fprintf(w, "check %-10s ok (%s signature chain to the vendor's roots, debug refused)\n", "evidence:", k.Title())
	fmt.Fprintf(w, "check %-10s ok (%s)\n", "binding:", bindText(resultPath, c.Bind))
	printDstackConfig(w, resultPath, c.Dstack)
	if c.Policy {
		fmt.Fprintf(w, "check %-10s ok (the guest matches %s)\n", "policy:", opts.PolicyLabel)
	} else {
		fmt.Fprintf(w, "check %-10s none given: the guest's identity (measurement) is not checked\n", "policy:")
	}
	if err := printGPUEvidence(w, resultPath); err != nil {
		return fail(err)
	}
	head := fmt.Sprintf("SIGNED AND BOUND, BUT NO POLICY: the %s guest's identity was not checked against a policy; some guest signed this, not necessarily yours (-policy FILE)", k.Title())
	if c.Policy {
		head = fmt.Sprintf("VERIFIED against policy %s (%s)", opts.PolicyLabel, k.Title())
	}
	var rest []string
	if c.Bind.Unbound() {
		rest = append(rest, "side files (the evidence covers the result file alone)")
	}
	rest = append(rest, c.Claims.Caveats...)
	rest = append(rest, dstackCaveats(c.Dstack)...)
	if c.Bind.Unbound() || c.Bind.List.Nonce == "" {
		rest = append(rest, "freshness (no verifier nonce)")
	} else {
		head += "; nonce " + c.Bind.List.Nonce
	}
	fmt.Fprintf(w, "verdict:         %s; not checked: %s\n", head, strings.Join(rest, ", "))
	return nil
}

// printDstackConfig prints what a dstack guest agent's evidence binds on a
// Kind without an event log (SEV-SNP): the source, the HOST_DATA check and
// the values of the MrConfigV3 document, and the /Info values it does not
// bind.
func printDstackConfig(w io.Writer, resultPath string, d *tee.Dstack) {
	if d == nil || d.MrConfig == nil {
		return
	}
	m := d.MrConfig
	fmt.Fprintf(w, "attestation:     %s\n", sourceText(d))
	agrees := "/Info agrees with it"
	if d.Info == nil {
		agrees = "no /Info extract stored"
	}
	fmt.Fprintf(w, "check %-10s ok (HOST_DATA %s = SHA-256 of the MrConfigV3 document %s; %s)\n", "dstack:", d.HostData, filepath.Base(tee.MrConfigPath(resultPath)), agrees)
	bound := func(name, v string) {
		printClaim(w, name, v, "bound by HOST_DATA", "(not in the document: unverified)")
	}
	fmt.Fprintf(w, "dstack note:     the host sets HOST_DATA at launch; dstack's guest OS refuses to boot unless the document matches the compose it runs, so the binding holds for a dstack guest image, which a policy's measurements pin\n")
	bound("app_id:", m.AppID)
	bound("compose_hash:", m.ComposeHash)
	bound("instance_id:", m.InstanceID)
	bound("key_provider:", m.KeyProviderText())
	if m.GPUPolicyHash != "" {
		bound("gpu_policy:", m.GPUPolicyHash)
	}
	osImage := "(none)"
	if d.Info != nil && d.Info.OSImageHash != "" {
		osImage = d.Info.OSImageHash
	}
	fmt.Fprintf(w, "%-16s %s (from /Info, NOT bound: not in HOST_DATA; the image is in the launch measurement, which a policy's measurements pin)\n", "os_image_hash:", osImage)
	if d.Info != nil && d.Info.Compose() != "" {
		fmt.Fprintf(w, "compose file:    stored (%s=1); its SHA-256 is the bound compose hash\n", tee.KeepComposeEnv)
	}
}

// RunAttestKind is scripts/attest for a Kind other than TDX, the same
// binding as a TDX quote's: when the file says gpu-cc: on it first writes
// GPU evidence from gpu; when the Kind's evidence comes from the dstack
// guest agent (tee.AgentFor), the agent's /Info extract and the source
// label (writeAgentFiles, as on TDX); then it binds the Kind's evidence to
// the file and its side files present (bindEvidence: the binding list,
// then evidence over SHA-512 of it, never overwriting). When no evidence
// is written, the extract and label go too; GPU evidence stays.
func RunAttestKind(w io.Writer, resultPath string, k tee.Kind, gpu GPUCollector) error {
	gerr := attestGPU(w, resultPath, gpu)
	undo := func() {}
	if a, ok := tee.AgentFor(k); ok {
		if err := refuseExisting(resultPath, k); err != nil {
			return errors.Join(gerr, err)
		}
		var err error
		if undo, err = writeAgentFiles(w, resultPath, a, "scripts/verify checks it against the MrConfigV3 document the report's HOST_DATA binds"); err != nil {
			return errors.Join(gerr, err)
		}
	}
	side := ExistingSideFiles(resultPath)
	ev, paths, err := bindEvidence(resultPath, side, config.Nonce(), k, func(rd [64]byte) (tee.Evidence, error) {
		ev, err := k.Attest(rd)
		if err != nil {
			return ev, fmt.Errorf("attest: %s: %w", resultPath, err)
		}
		return ev, nil
	})
	if err != nil {
		undo()
		return errors.Join(gerr, err)
	}
	var ids []string
	if lines, err := k.Describe(ev); err == nil {
		for _, l := range lines {
			ids = append(ids, l.Key+" "+l.Value)
		}
	}
	fmt.Fprintf(w, "wrote %s and %s: %s evidence, report data = SHA-512 of the binding list over %s and its side files (%s); %s\n",
		BindPath(resultPath), strings.Join(paths, ", "), k.Title(), resultPath, strings.Join(side, ", "), strings.Join(ids, ", "))
	if _, ok := ev.Files[tee.DstackMrConfigSuffix]; ok {
		fmt.Fprintf(w, "wrote %s: the dstack app configuration (MrConfigV3) the report's HOST_DATA binds\n", tee.MrConfigPath(resultPath))
	}
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
			c, err := verifyKind(resultPath, k, ev, opts)
			if err != nil {
				return nil, fmt.Errorf("attest: no policy from a result that does not verify: %w", err)
			}
			p, err := tee.PolicyFromClaims(c.Claims)
			if err == nil && p.SNP != nil && c.Dstack != nil && c.Dstack.MrConfig != nil {
				m := c.Dstack.Measured
				p.SNP.Dstack = &tee.DstackPolicy{ComposeHash: m.ComposeHash, AppID: m.AppID}
			}
			return p, err
		}
	}
	r, err := VerifyFile(resultPath, opts)
	if err != nil {
		return nil, err
	}
	return PolicyFor(r, pinAll)
}
