// Package attest gets and reads Intel TDX quotes (github.com/google/go-tdx-guest).
// benchenv uses it under the tdx build tag to record the TD's identity in
// the environment manifest; scripts/attest and scripts/verify use it to bind
// a quote to a result file and its side files (report data = SHA-512 of a
// binding list, <file>.bind, naming each file with its SHA-512; AttestFiles)
// and to check it (VerifyFile, RunVerify): signature chain, binding, debug
// TD, the manifest's tdx-* lines, a dstack event log replayed to the quote's
// RTMRs, a Policy of expected measurements, and the TCB status from Intel's
// collateral when given (Collateral). The report shows EvidenceFor each
// arm. Under the gpu build tag it also stores NVML's GPU attestation
// reports (<file>.gpu-evidence), which it does not verify. docs/evidence.md
// describes the formats and rules.
package attest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/client"
	pb "github.com/google/go-tdx-guest/proto/tdx"
)

// Guest interface paths of a TDX guest.
const (
	ConfigFSTSM = "/sys/kernel/config/tsm/report"
	TDXDevice   = "/dev/tdx_guest"
)

// ErrNoTDX is returned when this machine offers no TDX guest interface.
var ErrNoTDX = errors.New("no TDX guest interface (" + ConfigFSTSM + " and " + TDXDevice + " are both absent)")

// HaveTDXInterface reports whether configfs-tsm or /dev/tdx_guest exists.
func HaveTDXInterface() bool {
	for _, p := range []string{ConfigFSTSM, TDXDevice} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// GetRawQuote asks the TDX guest for a quote over reportData, through
// configfs-tsm or, failing that, /dev/tdx_guest.
func GetRawQuote(reportData [64]byte) ([]byte, error) {
	if !HaveTDXInterface() {
		return nil, ErrNoTDX
	}
	qp, err := client.GetQuoteProvider()
	if err != nil {
		return nil, fmt.Errorf("attest: quote provider: %w", err)
	}
	raw, err := client.GetRawQuote(qp, reportData)
	if err != nil {
		return nil, fmt.Errorf("attest: get quote: %w", err)
	}
	return raw, nil
}

// Info is what the suite records from a quote.
type Info struct {
	MRTD         string   // hex, 48 bytes
	RTMRs        []string // hex, 4 x 48 bytes
	TDAttributes string   // hex, 8 bytes
	Debug        bool     // TD attributes bit 0 (TUD.DEBUG)
	TEETCBSVN    string   // hex, 16 bytes
	ReportData   []byte   // 64 bytes
}

// Parse decodes a raw TDX quote (version 4) into Info.
func Parse(raw []byte) (*pb.QuoteV4, *Info, error) {
	q, err := abi.QuoteToProto(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("attest: parse quote: %w", err)
	}
	qv4, ok := q.(*pb.QuoteV4)
	if !ok {
		return nil, nil, fmt.Errorf("attest: parse quote: unsupported quote type %T", q)
	}
	b := qv4.GetTdQuoteBody()
	info := &Info{
		MRTD:         hex.EncodeToString(b.GetMrTd()),
		TDAttributes: hex.EncodeToString(b.GetTdAttributes()),
		TEETCBSVN:    hex.EncodeToString(b.GetTeeTcbSvn()),
		ReportData:   b.GetReportData(),
	}
	if a := b.GetTdAttributes(); len(a) > 0 {
		info.Debug = a[0]&1 == 1
	}
	for _, r := range b.GetRtmrs() {
		info.RTMRs = append(info.RTMRs, hex.EncodeToString(r))
	}
	return qv4, info, nil
}
