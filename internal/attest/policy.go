package attest

import (
	"fmt"
	"github.com/teebench/teebench/internal/tee"
)

// PolicyFor returns the policy that pins a verified result's stable values:
// MRTD, RTMR1 and RTMR2, the TD attributes, the TEE TCB SVN as minimum, the
// TCB status as minimum when it was checked, and for dstack the compose
// hash, app id and OS image hash the event log measured. RTMR0 (it depends
// on the VM's size) and RTMR3 (it holds the instance id) are pinned only
// when pinAll. Trust on first use: it pins whatever this TD was.
func PolicyFor(r *Result, pinAll bool) (*tee.Policy, error) {
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("attest: no policy from a result that does not verify: %w", err)
	}
	t := &tee.TDXPolicy{MRTD: r.Info.MRTD, RTMR1: r.Info.RTMRs[1], RTMR2: r.Info.RTMRs[2],
		MinTEETCBSVN: r.Info.TEETCBSVN, TDAttributes: []string{r.Info.TDAttributes}}
	if pinAll {
		t.RTMR0, t.RTMR3 = r.Info.RTMRs[0], r.Info.RTMRs[3]
	}
	if r.TCB != nil {
		t.MinTCBStatus = r.TCB.Status
	}
	if d := r.Dstack; d != nil && d.Measured != (tee.DstackMeasured{}) {
		t.Dstack = &tee.DstackPolicy{ComposeHash: d.Measured.ComposeHash, AppID: d.Measured.AppID, OSImageHash: d.Measured.OSImageHash}
	}
	return &tee.Policy{Version: tee.PolicyVersion, TDX: t}, nil
}
