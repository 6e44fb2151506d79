package attest

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/tee"
	"github.com/teebench/teebench/internal/tee/tdxtest"
)

// TestTestSignedCollateral: collateral signed under the test chain, saved
// beside a bound result, gives "TCB status X as of DATE" through every
// check of the TDX library (signatures, issuer chains, CRLs, expiry as of
// the fetch time): SWHardeningNeeded, which that library alone rejects, is a
// status; a policy's min_tcb_status compares with it; a QE report with a
// foreign MRSIGNER or ISVPRODID 99 fails (attack 4 with collateral).
func TestTestSignedCollateral(t *testing.T) {
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second) // the test chain is valid from a day ago
	for _, c := range []struct {
		status string
		signer bool // a foreign QE MRSIGNER
		want   string
	}{
		{"SWHardeningNeeded", false, "TCB status:      SWHardeningNeeded as of " + at.Format("2006-01-02") + " (platform SWHardeningNeeded, QE UpToDate"},
		{"UpToDate", false, "TCB status:      UpToDate as of "},
		{"SWHardeningNeeded", true, "check tcb:       FAIL: TCB status check failed: QE report MRSIGNER"},
		{"UpToDate", true, "check tcb:       FAIL: TCB status check failed: MRSIGNER value"},
	} {
		pck := tdxtest.NewPCK(t)
		if c.signer {
			pck.QESigner = bytes.Repeat([]byte{0xee}, 32)
		}
		p := writeResult(t, fixtureText)
		if err := RunAttest(&bytes.Buffer{}, p, func(rd [64]byte) ([]byte, error) { return pck.Quote(t, rd, false), nil }, nil); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(tee.CollateralPath(p), pck.Collateral(t, c.status, at).Marshal(), 0o644)
		var out bytes.Buffer
		err := RunVerify(&out, p, testOpts(pck))
		if !strings.Contains(out.String(), c.want) || (err == nil) == c.signer {
			t.Errorf("%s signer=%v: %v; want %q in:\n%s", c.status, c.signer, err, c.want, out.String())
			continue
		}
		if c.signer {
			continue
		}
		if v := verdictOf(out.String()); !strings.Contains(v, "TCB status "+c.status+" as of "+at.Format("2006-01-02")) || strings.Contains(v, "(offline") {
			t.Errorf("verdict %q", v)
		}
		ev := EvidenceWith(p, testOpts(pck))
		if strings.Contains(strings.Join(ev.Caveats, "|"), "TCB status not checked") {
			t.Errorf("caveats %q", ev.Caveats)
		}
		r, _ := VerifyFile(p, testOpts(pck))
		pol, _ := PolicyFor(r, false)
		if pol.TDX.MinTCBStatus != c.status {
			t.Errorf("printed policy pins min_tcb_status %q", pol.TDX.MinTCBStatus)
		}
		opts := testOpts(pck)
		opts.Policy = pol
		pol.TDX.MinTCBStatus = "UpToDate"
		err = RunVerify(&bytes.Buffer{}, p, opts)
		if c.status == "UpToDate" && err != nil || c.status != "UpToDate" && !errors.Is(err, tee.ErrPolicy) {
			t.Errorf("%s against min UpToDate: %v", c.status, err)
		}
	}
}
