package attest

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/tee"
	"github.com/teebench/teebench/internal/tee/tdxtest"
)

// sampleTime is inside the validity of every certificate in Intel's sample
// quote (tdxtest.SampleQuote; its PCK leaf expires 2029-09-20), so these
// tests keep passing after that date.
var sampleTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var resultBytes = []byte("goos: linux\ntee: tdx\nteebench attest test data, not a measurement\n")

func TestSampleQuoteChainVerifiesOffline(t *testing.T) {
	r := Verify(resultBytes, tdxtest.SampleQuote(), VerifyOptions{Now: sampleTime})
	if r.Parse != nil || r.Signature != nil {
		t.Fatalf("Intel sample quote: parse=%v signature=%v; want both nil", r.Parse, r.Signature)
	}
	if r.Info.MRTD != "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb" {
		t.Errorf("MRTD = %s", r.Info.MRTD)
	}
	if len(r.Info.RTMRs) != 4 || r.Info.TEETCBSVN != "03000400000000000000000000000000" || r.Info.Debug {
		t.Errorf("info = %+v", r.Info)
	}
	// The sample's report data is not a hash of our file.
	if !errors.Is(r.Binding, ErrReportData) || !strings.Contains(r.Err().Error(), "report data does not match SHA-512 of the file") {
		t.Errorf("binding = %v; want %v", r.Binding, ErrReportData)
	}
	if r.Debug != nil {
		t.Errorf("debug = %v", r.Debug)
	}
}

func TestSampleQuoteExpiredOrTamperedFails(t *testing.T) {
	// After the PCK leaf's NotAfter the chain no longer verifies.
	r := Verify(resultBytes, tdxtest.SampleQuote(), VerifyOptions{Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	if !errors.Is(r.Signature, ErrSignature) {
		t.Errorf("in 2030: signature = %v; want %v", r.Signature, ErrSignature)
	}
	// One changed byte in the MRTD breaks the quote signature.
	raw := tdxtest.SampleQuote()
	raw[0x30+0x88] ^= 1
	r = Verify(resultBytes, raw, VerifyOptions{Now: sampleTime})
	if !errors.Is(r.Signature, ErrSignature) {
		t.Errorf("MRTD byte changed: signature = %v; want %v", r.Signature, ErrSignature)
	}
}

func TestBindingPositive(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	raw := pck.Quote(t, ReportData(resultBytes), false)
	r := Verify(resultBytes, raw, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true})
	if err := r.Err(); err != nil {
		t.Fatalf("test-signed quote over SHA-512(file): %v", err)
	}
	if r.FileSHA512 != ReportData(resultBytes) || !bytes.Equal(r.Info.ReportData, r.FileSHA512[:]) {
		t.Error("report data is not the file's SHA-512")
	}
	// The same quote is not Intel's: the default roots reject it.
	r = Verify(resultBytes, raw, VerifyOptions{})
	if !errors.Is(r.Signature, ErrSignature) || r.Binding != nil {
		t.Errorf("Intel roots: signature=%v binding=%v; want signature failure only", r.Signature, r.Binding)
	}
}

func TestHashMismatchFails(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	raw := pck.Quote(t, ReportData([]byte("some other file")), false)
	r := Verify(resultBytes, raw, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true})
	if r.Signature != nil || !errors.Is(r.Err(), ErrReportData) {
		t.Fatalf("signature=%v err=%v; want a report-data mismatch only", r.Signature, r.Err())
	}
}

func TestOneChangedByteFails(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	raw := pck.Quote(t, ReportData(resultBytes), false)
	opts := VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true}
	if err := Verify(resultBytes, raw, opts).Err(); err != nil {
		t.Fatalf("unchanged pair: %v", err)
	}
	for i := range resultBytes {
		f := bytes.Clone(resultBytes)
		f[i] ^= 0x20
		if err := Verify(f, raw, opts).Err(); !errors.Is(err, ErrReportData) {
			t.Fatalf("file byte %d changed: err = %v; want %v", i, err, ErrReportData)
		}
	}
	// Every byte of the quote is covered by a signature, a hash, a size or a
	// format check: changing any one of them fails (about 2 s for all). The
	// one exception is base64's unused low bits before "=" padding in the
	// PEM chain, which Go's decoder ignores: the certificates stay the same.
	stride := 1
	if testing.Short() {
		stride = 61
	}
	want := chainDER(t, raw)
	for i := 0; i < len(raw); i += stride {
		q := bytes.Clone(raw)
		q[i] ^= 0x01
		if err := Verify(resultBytes, q, opts).Err(); err == nil && !slices.EqualFunc(chainDER(t, q), want, bytes.Equal) {
			t.Errorf("quote byte %d (of %d) changed: still verifies", i, len(raw))
		}
	}
}

// chainDER returns the DER certificates of a quote's PCK chain.
func chainDER(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	q, _, err := tee.ParseTDXQuote(raw)
	if err != nil {
		t.Fatal(err)
	}
	var ders [][]byte
	rest := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	for {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			return ders
		}
		ders = append(ders, blk.Bytes)
	}
}

func TestDebugTDFlagged(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	raw := pck.Quote(t, ReportData(resultBytes), true)
	r := Verify(resultBytes, raw, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true})
	if r.Signature != nil || r.Binding != nil || !errors.Is(r.Debug, ErrDebugTD) || !r.Info.Debug {
		t.Fatalf("debug quote: signature=%v binding=%v debug=%v", r.Signature, r.Binding, r.Debug)
	}
	if err := Verify(resultBytes, raw, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true, AllowDebug: true}).Err(); err != nil {
		t.Errorf("AllowDebug: %v", err)
	}
}

func TestBadQuote(t *testing.T) {
	r := Verify(resultBytes, []byte("not a quote"), VerifyOptions{})
	if !errors.Is(r.Err(), ErrBadQuote) || r.Info != nil {
		t.Errorf("err = %v", r.Err())
	}
}

func TestVerifyFileNoQuote(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.txt")
	if err := os.WriteFile(p, resultBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(p, VerifyOptions{}); !errors.Is(err, ErrNoQuote) {
		t.Errorf("err = %v; want %v", err, ErrNoQuote)
	}
	if ev := EvidenceFor(p); ev.Status != StateAbsent {
		t.Errorf("EvidenceFor = %+v; want none", ev)
	}
}
