package attest

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/tee"
	"github.com/teebench/teebench/internal/tee/tdxtest"
)

// TestVerifyFileCollateral: -online (here tdxtest.Getter, Intel's sample responses, in place
// of Intel's PCS) fetches the collateral, saves it beside the quote, and a
// later offline run uses the saved file as of its fetch time. Intel's
// sample quote has no matching TCB level in it, so both name that.
func TestVerifyFileCollateral(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/r.txt"
	os.WriteFile(p, resultBytes, 0o644)
	os.WriteFile(QuotePath(p), tdxtest.SampleQuote(), 0o644)
	at := time.Date(2023, time.July, 1, 1, 0, 0, 0, time.UTC)
	r, err := VerifyFile(p, VerifyOptions{Now: at, Online: true, Getter: tdxtest.Getter, SaveCollateral: true})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(r.TCBErr, tee.ErrTCB) || !strings.Contains(r.TCBErr.Error(), "no matching TCB level") || r.TCBSource != "fetched from Intel's PCS now" {
		t.Errorf("online: %v (%s)", r.TCBErr, r.TCBSource)
	}
	c, err := tee.LoadCollateral(tee.CollateralPath(p))
	if err != nil || !c.FetchedAt.Equal(at) || len(c.Responses) != 4 {
		t.Fatalf("saved collateral: %v", err)
	}
	r, _ = VerifyFile(p, VerifyOptions{Now: sampleTime})
	if !errors.Is(r.TCBErr, tee.ErrTCB) || !strings.Contains(r.TCBErr.Error(), "no matching TCB level") || !strings.Contains(r.TCBSource, "saved in") {
		t.Errorf("saved: %v (%s)", r.TCBErr, r.TCBSource)
	}
}
