package attest

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

// A policy says which TD a verifier accepts: the measurements it expects
// (lowercase hex), the lowest TEE TCB SVN and TCB status, and the TD
// attributes allowed. It is a versioned JSON file keyed by TEE:
//
//	{
//	  "version": 1,
//	  "tdx": {
//	    "mrtd": "…", "rtmr1": "…", "rtmr2": "…",
//	    "min_tee_tcb_svn": "…", "min_tcb_status": "SWHardeningNeeded",
//	    "td_attributes": ["0000001000000000"],
//	    "dstack": {"compose_hash": "…", "app_id": "…", "os_image_hash": "…"}
//	  }
//	}
//
// An empty field is not checked; mrtd is required. `verify -print-policy`
// writes one from a result it verified (trust on first use: it pins what
// that TD measured, so check that first run some other way).

// PolicyVersion is the policy file version this code reads.
const PolicyVersion = 1

// Policy is a parsed policy file.
type Policy struct {
	Version int        `json:"version"`
	TDX     *TDXPolicy `json:"tdx,omitempty"`
}

// TDXPolicy is a policy's TDX part.
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

// DstackPolicy pins a dstack app: each value must be measured in the
// replayed RTMR3 event log.
type DstackPolicy struct {
	ComposeHash string `json:"compose_hash,omitempty"`
	AppID       string `json:"app_id,omitempty"`
	OSImageHash string `json:"os_image_hash,omitempty"`
}

// TCBStatuses are Intel's TCB statuses, best first.
var TCBStatuses = []string{"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"}

// TCBResult is a TCB status read from Intel's collateral.
type TCBResult struct {
	// Status is one of TCBStatuses: the worse of Platform and QE.
	Status string
	// Platform is the platform's (and TDX module's) TCB level status; QE
	// is the quoting enclave's.
	Platform, QE string
	// AsOf is the collateral's issue date: the status is as of then.
	AsOf time.Time
}

// ErrPolicy means the TD does not match the policy.
var ErrPolicy = errors.New("policy mismatch")

// LoadPolicy reads and checks a policy file.
func LoadPolicy(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("attest: policy: %w", err)
	}
	p, err := ParsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("attest: policy %s: %w", path, err)
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
	t := p.TDX
	if t == nil {
		return nil, fmt.Errorf("no \"tdx\" entry")
	}
	if t.MRTD == "" {
		return nil, fmt.Errorf("tdx.mrtd is empty: a policy must pin at least the MRTD")
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
	if d := t.Dstack; d != nil {
		hexField("tdx.dstack.compose_hash", d.ComposeHash, 32)
		hexField("tdx.dstack.os_image_hash", d.OSImageHash, 32)
		hexField("tdx.dstack.app_id", d.AppID, 20)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &p, nil
}

// Marshal returns the policy as indented JSON with a final newline.
func (p *Policy) Marshal() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(err) // plain structs of strings always marshal
	}
	return append(b, '\n')
}

// checkPolicy compares what was verified with the policy and returns one
// error naming every field that differs, expected and got.
func checkPolicy(p *Policy, r *Result) error {
	t := p.TDX
	if r.Info == nil {
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
	eq("MRTD", t.MRTD, r.Info.MRTD)
	for i, want := range []string{t.RTMR0, t.RTMR1, t.RTMR2, t.RTMR3} {
		got := ""
		if i < len(r.Info.RTMRs) {
			got = r.Info.RTMRs[i]
		}
		eq(fmt.Sprintf("RTMR%d", i), want, got)
	}
	if t.MinTEETCBSVN != "" {
		min, _ := hex.DecodeString(t.MinTEETCBSVN)
		got, _ := hex.DecodeString(r.Info.TEETCBSVN)
		for i := range min {
			if i >= len(got) || got[i] < min[i] {
				bad = append(bad, fmt.Sprintf("TEE TCB SVN: expected at least %s (each byte), got %s", t.MinTEETCBSVN, r.Info.TEETCBSVN))
				break
			}
		}
	}
	if len(t.TDAttributes) > 0 && !slices.Contains(t.TDAttributes, r.Info.TDAttributes) {
		bad = append(bad, fmt.Sprintf("TD attributes: expected one of %s, got %s", strings.Join(t.TDAttributes, ", "), r.Info.TDAttributes))
	}
	if t.MinTCBStatus != "" {
		switch {
		case r.TCB == nil:
			bad = append(bad, fmt.Sprintf("TCB status: expected at least %s, got not checked (offline: give -online or a saved collateral file)", t.MinTCBStatus))
		case slices.Index(TCBStatuses, r.TCB.Status) < 0 || slices.Index(TCBStatuses, r.TCB.Status) > slices.Index(TCBStatuses, t.MinTCBStatus):
			bad = append(bad, fmt.Sprintf("TCB status: expected at least %s, got %s", t.MinTCBStatus, r.TCB.Status))
		}
	}
	if d := t.Dstack; d != nil {
		var m measured
		if r.Dstack != nil && r.DstackErr == nil {
			m = r.Dstack.Measured
		}
		eq("dstack compose_hash", d.ComposeHash, m.ComposeHash)
		eq("dstack app_id", d.AppID, m.AppID)
		eq("dstack os_image_hash", d.OSImageHash, m.OSImageHash)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrPolicy, strings.Join(bad, "; "))
	}
	return nil
}

// PolicyFor returns the policy that pins a verified result's stable values:
// MRTD, RTMR1 and RTMR2, the TD attributes, the TEE TCB SVN as minimum, the
// TCB status as minimum when it was checked, and for dstack the compose
// hash, app id and OS image hash the event log measured. RTMR0 (it depends
// on the VM's size) and RTMR3 (it holds the instance id) are pinned only
// when pinAll. Trust on first use: it pins whatever this TD was.
func PolicyFor(r *Result, pinAll bool) (*Policy, error) {
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("attest: no policy from a result that does not verify: %w", err)
	}
	t := &TDXPolicy{MRTD: r.Info.MRTD, RTMR1: r.Info.RTMRs[1], RTMR2: r.Info.RTMRs[2],
		MinTEETCBSVN: r.Info.TEETCBSVN, TDAttributes: []string{r.Info.TDAttributes}}
	if pinAll {
		t.RTMR0, t.RTMR3 = r.Info.RTMRs[0], r.Info.RTMRs[3]
	}
	if r.TCB != nil {
		t.MinTCBStatus = r.TCB.Status
	}
	if d := r.Dstack; d != nil && d.Measured != (measured{}) {
		t.Dstack = &DstackPolicy{ComposeHash: d.Measured.ComposeHash, AppID: d.Measured.AppID, OSImageHash: d.Measured.OSImageHash}
	}
	return &Policy{Version: PolicyVersion, TDX: t}, nil
}
