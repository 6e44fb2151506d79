package tee

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// A policy says which guest a verifier accepts. It is one versioned JSON
// file for every TEE, with a section per Kind, keyed by its Name (each
// section is what that Kind's Verify reads; PolicySection returns it):
//
//	{
//	  "version": 1,
//	  "sev-snp": {"measurements": ["…"], "min_tcb": {…}, …,
//	    "dstack": {"compose_hash": "…", "app_id": "…"}},
//	  "tdx": {
//	    "mrtd": "…", "rtmr1": "…", "rtmr2": "…",
//	    "min_tee_tcb_svn": "…", "min_tcb_status": "SWHardeningNeeded",
//	    "td_attributes": ["0000001000000000"],
//	    "dstack": {"compose_hash": "…", "app_id": "…", "os_image_hash": "…"}
//	  }
//	}
//
// The tdx section lists the measurements a TD must have (lowercase hex), the
// lowest TEE TCB SVN and TCB status, and the TD attributes allowed; an empty
// field is not checked, and mrtd is required. The sev-snp section is
// SNPPolicy. The dstack section is the same in both (DstackPolicy): on TDX
// its values must be measured in the replayed event log, on SEV-SNP in the
// MrConfigV3 document the report's HOST_DATA binds (which has no OS image
// hash, so sev-snp.dstack.os_image_hash is refused). `verify -print-policy` writes one from a result it verified (trust on first use: it pins what
// that TD measured, so check that first run some other way).

// PolicyVersion is the policy file version this code reads.
const PolicyVersion = 1

// Policy is a parsed policy file. Its JSON keys other than "version" are
// Kind names: a new Kind adds its section here.
type Policy struct {
	Version int        `json:"version"`
	SNP     *SNPPolicy `json:"sev-snp,omitempty"`
	TDX     *TDXPolicy `json:"tdx,omitempty"`
}

// TDXPolicy is a policy's "tdx" section.
type TDXPolicy struct {
	MRTD  string `json:"mrtd"`
	RTMR0 string `json:"rtmr0,omitempty"`
	RTMR1 string `json:"rtmr1,omitempty"`
	RTMR2 string `json:"rtmr2,omitempty"`
	RTMR3 string `json:"rtmr3,omitempty"`
	// MinTEETCBSVN is the lowest TEE TCB SVN accepted, compared byte by
	// byte (each of its 16 component SVNs must be at least this one's).
	MinTEETCBSVN string `json:"min_tee_tcb_svn,omitempty"`
	// MinTCBStatus is the worst TCB status accepted (TCBStatuses, best
	// first); it needs Intel's collateral, so offline it fails.
	MinTCBStatus string `json:"min_tcb_status,omitempty"`
	// TDAttributes are the TD attribute values (16 hex digits) accepted.
	TDAttributes []string      `json:"td_attributes,omitempty"`
	Dstack       *DstackPolicy `json:"dstack,omitempty"`
}

// DstackPolicy pins a dstack app, in the tdx or the sev-snp section: each
// value must be measured by the evidence (TDX: the replayed RTMR3 event
// log; SEV-SNP: the MrConfigV3 document bound by HOST_DATA).
type DstackPolicy struct {
	ComposeHash string `json:"compose_hash,omitempty"`
	AppID       string `json:"app_id,omitempty"`
	OSImageHash string `json:"os_image_hash,omitempty"`
}

// TCBStatuses are Intel's TCB statuses, best first.
var TCBStatuses = []string{"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"}

// TCBResult is a TDX TCB status read from Intel's collateral.
type TCBResult struct {
	// Status is one of TCBStatuses: the worse of Platform and QE.
	Status string
	// Platform is the platform's (and TDX module's) TCB level status; QE
	// is the quoting enclave's.
	Platform, QE string
	// AsOf is the collateral's issue date: the status is as of then.
	AsOf time.Time
}

// ErrPolicy means the guest does not match the policy.
var ErrPolicy = errors.New("policy mismatch")

// LoadPolicy reads and checks a policy file.
func LoadPolicy(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tee: policy: %w", err)
	}
	p, err := ParsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("tee: policy %s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy decodes a policy (unknown fields are an error) and checks
// that every value is well formed.
func ParsePolicy(b []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	if p.Version != PolicyVersion {
		return nil, fmt.Errorf("version %d: this verifier reads version %d", p.Version, PolicyVersion)
	}
	if p.TDX == nil && p.SNP == nil {
		return nil, fmt.Errorf("no TEE section (want \"tdx\" or \"sev-snp\")")
	}
	var errs []error
	if p.SNP != nil {
		errs = append(errs, checkSNPPolicyValues(p.SNP)...)
	}
	if t := p.TDX; t != nil {
		errs = append(errs, checkTDXPolicyValues(t)...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &p, nil
}

// checkTDXPolicyValues checks that every value of a tdx section is well
// formed.
func checkTDXPolicyValues(t *TDXPolicy) []error {
	if t.MRTD == "" {
		return []error{fmt.Errorf("tdx.mrtd is empty: a policy must pin at least the MRTD")}
	}
	var errs []error
	hexField := func(name, v string, n int) {
		if v == "" {
			return
		}
		if b, err := hex.DecodeString(v); err != nil || len(b) != n || strings.ToLower(v) != v {
			errs = append(errs, fmt.Errorf("%s: want %d lowercase hex digits, got %q", name, 2*n, v))
		}
	}
	hexField("tdx.mrtd", t.MRTD, 48)
	for i, r := range []string{t.RTMR0, t.RTMR1, t.RTMR2, t.RTMR3} {
		hexField(fmt.Sprintf("tdx.rtmr%d", i), r, 48)
	}
	hexField("tdx.min_tee_tcb_svn", t.MinTEETCBSVN, 16)
	for _, a := range t.TDAttributes {
		hexField("tdx.td_attributes", a, 8)
	}
	if t.MinTCBStatus != "" && !slices.Contains(TCBStatuses, t.MinTCBStatus) {
		errs = append(errs, fmt.Errorf("tdx.min_tcb_status %q: want one of %s", t.MinTCBStatus, strings.Join(TCBStatuses, ", ")))
	}
	return append(errs, checkDstackPolicyValues("tdx", t.Dstack)...)
}

// checkSNPPolicyValues checks that every value of a sev-snp section is
// well formed.
func checkSNPPolicyValues(p *SNPPolicy) []error {
	var errs []error
	for _, m := range p.Measurements {
		if b, err := hex.DecodeString(m); err != nil || len(b) != 48 {
			errs = append(errs, fmt.Errorf("sev-snp.measurements: want 96 hex digits, got %q", m))
		}
	}
	if d := p.Dstack; d != nil && d.OSImageHash != "" {
		errs = append(errs, fmt.Errorf("sev-snp.dstack.os_image_hash: dstack does not put the OS image hash in an SEV-SNP report (HOST_DATA binds the MrConfigV3 document, which has none; the image is in the launch measurement): pin the image with sev-snp.measurements"))
	}
	return append(errs, checkDstackPolicyValues("sev-snp", p.Dstack)...)
}

// checkDstackPolicyValues checks a dstack section (in section tee): hex of
// the right length.
func checkDstackPolicyValues(tee string, d *DstackPolicy) []error {
	if d == nil {
		return nil
	}
	var errs []error
	for _, f := range []struct {
		name, v string
		n       int
	}{{"compose_hash", d.ComposeHash, 32}, {"os_image_hash", d.OSImageHash, 32}, {"app_id", d.AppID, 20}} {
		if b, err := hex.DecodeString(f.v); f.v != "" && (err != nil || len(b) != f.n || strings.ToLower(f.v) != f.v) {
			errs = append(errs, fmt.Errorf("%s.dstack.%s: want %d lowercase hex digits, got %q", tee, f.name, 2*f.n, f.v))
		}
	}
	return errs
}

// checkDstackPolicy compares a dstack section with what the evidence
// measured and returns one phrase per value that differs ("not measured"
// when the evidence has none).
func checkDstackPolicy(d *DstackPolicy, m DstackMeasured) []string {
	if d == nil {
		return nil
	}
	var bad []string
	for _, f := range []struct{ name, want, got string }{
		{"dstack compose_hash", d.ComposeHash, m.ComposeHash},
		{"dstack app_id", d.AppID, m.AppID},
		{"dstack os_image_hash", d.OSImageHash, m.OSImageHash},
	} {
		if f.want != "" && !strings.EqualFold(f.want, f.got) {
			got := f.got
			if got == "" {
				got = "(not measured)"
			}
			bad = append(bad, fmt.Sprintf("%s: expected %s, got %s", f.name, f.want, got))
		}
	}
	return bad
}

// Marshal returns the policy as indented JSON with a final newline.
func (p *Policy) Marshal() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(err) // plain structs of strings always marshal
	}
	return append(b, '\n')
}

// DstackMeasured holds what a replayed dstack event log that matched the
// quote measured (lowercase hex; "" when the log has no such event).
type DstackMeasured struct {
	ComposeHash, AppID, OSImageHash string
}

// CheckTDXPolicy compares what was verified of a TD (its quote's info; the
// TCB status, nil when not checked; what its dstack event log measured,
// zero when none) with a tdx section and returns one error naming every
// field that differs, expected and got.
func CheckTDXPolicy(t *TDXPolicy, info *TDXInfo, tcb *TCBResult, m DstackMeasured) error {
	if t == nil {
		return fmt.Errorf("%w: the policy has no tdx section", ErrPolicy)
	}
	if info == nil {
		return fmt.Errorf("%w: the quote did not parse", ErrPolicy)
	}
	var bad []string
	eq := func(name, want, got string) {
		if want != "" && want != got {
			if got == "" {
				got = "(not measured)"
			}
			bad = append(bad, fmt.Sprintf("%s: expected %s, got %s", name, want, got))
		}
	}
	eq("MRTD", t.MRTD, info.MRTD)
	for i, want := range []string{t.RTMR0, t.RTMR1, t.RTMR2, t.RTMR3} {
		got := ""
		if i < len(info.RTMRs) {
			got = info.RTMRs[i]
		}
		eq(fmt.Sprintf("RTMR%d", i), want, got)
	}
	if t.MinTEETCBSVN != "" {
		min, _ := hex.DecodeString(t.MinTEETCBSVN)
		got, _ := hex.DecodeString(info.TEETCBSVN)
		for i := range min {
			if i >= len(got) || got[i] < min[i] {
				bad = append(bad, fmt.Sprintf("TEE TCB SVN: expected at least %s (each byte), got %s", t.MinTEETCBSVN, info.TEETCBSVN))
				break
			}
		}
	}
	if len(t.TDAttributes) > 0 && !slices.Contains(t.TDAttributes, info.TDAttributes) {
		bad = append(bad, fmt.Sprintf("TD attributes: expected one of %s, got %s", strings.Join(t.TDAttributes, ", "), info.TDAttributes))
	}
	if t.MinTCBStatus != "" {
		switch {
		case tcb == nil:
			bad = append(bad, fmt.Sprintf("TCB status: expected at least %s, got not checked (offline: give -online or a saved collateral file)", t.MinTCBStatus))
		case slices.Index(TCBStatuses, tcb.Status) < 0 || slices.Index(TCBStatuses, tcb.Status) > slices.Index(TCBStatuses, t.MinTCBStatus):
			bad = append(bad, fmt.Sprintf("TCB status: expected at least %s, got %s", t.MinTCBStatus, tcb.Status))
		}
	}
	bad = append(bad, checkDstackPolicy(t.Dstack, m)...)
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrPolicy, strings.Join(bad, "; "))
	}
	return nil
}

// PolicyFromClaims returns the policy that pins what verified evidence of a
// Kind other than TDX says (for SEV-SNP: the launch measurement and the
// reported TCB as minimum). TDX results get theirs from internal/attest's
// PolicyFor, which also pins the dstack values its event log measured.
// Trust on first use: it pins whatever guest made the evidence.
func PolicyFromClaims(c Claims) (*Policy, error) {
	switch c.TEE {
	case SEVSNP.Name():
		p, err := snpPolicyFromClaims(c)
		if err != nil {
			return nil, err
		}
		return &Policy{Version: PolicyVersion, SNP: p}, nil
	}
	return nil, fmt.Errorf("tee: no policy can be printed from %q claims", c.TEE)
}
