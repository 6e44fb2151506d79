package tee

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tdx-guest/pcs"
	tdxtesting "github.com/google/go-tdx-guest/testing"
	"github.com/google/go-tdx-guest/testing/testdata"
)

// sampleCollateral is go-tdx-guest's sample collateral for its sample quote
// (TCB info, QE identity, PCK CRL, root CRL, as Intel's PCS served them),
// valid on its own date only: it is pinned to 2023-07-01, the date
// go-tdx-guest's tests use.
func sampleCollateral() *Collateral {
	c := &Collateral{FetchedAt: time.Date(2023, time.July, 1, 1, 0, 0, 0, time.UTC), Responses: map[string]CollateralResponse{}}
	for url, r := range tdxtesting.TestGetter.Responses {
		c.Responses[url] = CollateralResponse{Header: r.Header, Body: r.Body}
	}
	return c
}

// TestSampleCollateralStatus: Intel's sample quote with Intel's sample
// collateral. Every signature verifies (go-tdx-guest checks them before the
// status), but no TCB level of the sample TCB info matches the quote (its
// levels are newer than the quote's TEE TCB SVN): an unsupported TCB, an
// error that names it, as Intel's verifier treats it.
func TestSampleCollateralStatus(t *testing.T) {
	q := tdxSampleQuote(t)
	c := sampleCollateral()
	if r, err := c.Status(q, nil, time.Time{}); !errors.Is(err, ErrTCB) || !strings.Contains(err.Error(), "no matching TCB level") {
		t.Fatalf("Status = %+v, %v; want no matching TCB level", r, err)
	}
	// The same collateral a year later has expired.
	late := sampleCollateral()
	late.FetchedAt = late.FetchedAt.AddDate(1, 0, 0)
	if _, err := late.Status(q, nil, time.Time{}); !errors.Is(err, ErrTCB) || strings.Contains(err.Error(), "no matching TCB level") {
		t.Errorf("expired collateral: %v", err)
	} else {
		t.Logf("a year later: %v", err)
	}
	// A changed byte in the signed TCB info fails its signature.
	bad := sampleCollateral()
	for url, resp := range bad.Responses {
		if strings.Contains(url, "/tcb?") {
			// Same length, still valid JSON: a level claims UpToDate.
			b := strings.Replace(string(resp.Body), `"tcbStatus":"OutOfDate"`, `"tcbStatus":"UpToDate" `, 1)
			if b == string(resp.Body) {
				t.Fatal("sample TCB info has no OutOfDate level to edit")
			}
			resp.Body = []byte(b)
			bad.Responses[url] = resp
		}
	}
	if _, err := bad.Status(q, nil, time.Time{}); !errors.Is(err, ErrTCB) || strings.Contains(err.Error(), "no matching TCB level") {
		t.Errorf("edited TCB info: %v", err)
	} else {
		t.Logf("edited TCB info: %v", err)
	}
	// A QE report with a foreign MRSIGNER fails the QE identity check.
	_, id, _ := c.parsed()
	qe := tdxSampleQuote(t).GetSignedData().GetCertificationData().GetQeReportCertificationData().GetQeReport()
	if err := checkQEIdentity(qe, id); err != nil {
		t.Errorf("sample QE: %v", err)
	}
	qe.MrSigner[0] ^= 1
	if err := checkQEIdentity(qe, id); err == nil || !strings.Contains(err.Error(), "MRSIGNER") {
		t.Errorf("foreign MRSIGNER: %v", err)
	}
	qe.MrSigner[0] ^= 1
	qe.IsvProdId = 99
	if err := checkQEIdentity(qe, id); err == nil || !strings.Contains(err.Error(), "ISVPRODID 99") {
		t.Errorf("ISVPRODID 99: %v", err)
	}
	_ = testdata.RawQuote
}

// TestPlatformStatusLevels: the level matching on Intel's sample TCB info,
// with the first levels' SVNs lowered as go-tdx-guest's own test does (the
// signature is not involved here): the first level the platform meets
// gives the status, and SWHardeningNeeded is a status, not an error.
func TestPlatformStatusLevels(t *testing.T) {
	q := tdxSampleQuote(t)
	tcb, _, err := sampleCollateral().parsed()
	if err != nil {
		t.Fatal(err)
	}
	if len(tcb.TcbLevels) < 2 {
		t.Fatalf("sample TCB info has %d levels", len(tcb.TcbLevels))
	}
	zero := func(l *pcs.TcbLevel) {
		for i := range l.Tcb.SgxTcbcomponents {
			l.Tcb.SgxTcbcomponents[i].Svn = 0
		}
		for i := range l.Tcb.TdxTcbcomponents {
			l.Tcb.TdxTcbcomponents[i].Svn = 0
		}
		l.Tcb.Pcesvn = 0
	}
	// Level 1 lowered, level 0 left as Intel's (newer than the quote).
	zero(&tcb.TcbLevels[1])
	tcb.TcbLevels[1].TcbStatus = "SWHardeningNeeded"
	got, err := platformStatus(q, tcb)
	svn := q.GetTdQuoteBody().GetTeeTcbSvn()
	if svn[1] > 0 {
		// The TDX module's own level joins in; lower it too.
		for i := range tcb.TdxModuleIdentities {
			for j := range tcb.TdxModuleIdentities[i].TcbLevels {
				tcb.TdxModuleIdentities[i].TcbLevels[j].Tcb.Isvsvn = 0
				tcb.TdxModuleIdentities[i].TcbLevels[j].TcbStatus = "UpToDate"
			}
		}
		got, err = platformStatus(q, tcb)
	}
	if err != nil || got != "SWHardeningNeeded" {
		t.Errorf("platformStatus = %q, %v; want SWHardeningNeeded", got, err)
	}
	zero(&tcb.TcbLevels[0])
	if got, err := platformStatus(q, tcb); err != nil || got != string(tcb.TcbLevels[0].TcbStatus) {
		t.Errorf("level 0 met: %q, %v; want %s", got, err, tcb.TcbLevels[0].TcbStatus)
	}
	if worse("UpToDate", "OutOfDate") != "OutOfDate" || worse("SWHardeningNeeded", "UpToDate") != "SWHardeningNeeded" || worse("Bogus", "UpToDate") != "Bogus" {
		t.Error("worse")
	}
}
