package tee

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/client"
	pb "github.com/google/go-tdx-guest/proto/tdx"
)

// Guest interfaces of a TDX guest (paths relative to Root).
const (
	// tdxDevice is the TDX guest driver's device.
	tdxDevice = "dev/tdx_guest"
)

// ErrNoTDX is returned when this machine offers no TDX guest interface.
var ErrNoTDX = errors.New("no TDX guest interface (no configfs-tsm tdx_guest provider under /" + tsmReports + ", no /" + tdxDevice + ")")

// GetTDXQuote asks the TDX guest for a quote over reportData, through
// configfs-tsm or, failing that, /dev/tdx_guest (go-tdx-guest's quote
// provider).
func GetTDXQuote(reportData [64]byte) ([]byte, error) {
	if !haveTDXInterface(Root) {
		return nil, ErrNoTDX
	}
	qp, err := client.GetQuoteProvider()
	if err != nil {
		return nil, fmt.Errorf("tee: TDX quote provider: %w", err)
	}
	raw, err := client.GetRawQuote(qp, reportData)
	if err != nil {
		return nil, fmt.Errorf("tee: get TDX quote: %w", err)
	}
	return raw, nil
}

// haveTDXInterface reports whether root shows configfs-tsm with the
// tdx_guest provider or /dev/tdx_guest.
func haveTDXInterface(root string) bool {
	return exists(root, tdxDevice) || tsmProvider(root) == "tdx_guest"
}

// TDXInfo is what the suite records from a TDX quote.
type TDXInfo struct {
	MRTD         string   // hex, 48 bytes
	RTMRs        []string // hex, 4 x 48 bytes
	TDAttributes string   // hex, 8 bytes
	Debug        bool     // TD attributes bit 0 (TUD.DEBUG)
	TEETCBSVN    string   // hex, 16 bytes
	ReportData   []byte   // 64 bytes
}

// ParseTDXQuote decodes a raw TDX quote (version 4) into TDXInfo.
func ParseTDXQuote(raw []byte) (*pb.QuoteV4, *TDXInfo, error) {
	q, err := abi.QuoteToProto(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("tee: parse TDX quote: %w", err)
	}
	qv4, ok := q.(*pb.QuoteV4)
	if !ok {
		return nil, nil, fmt.Errorf("tee: parse TDX quote: unsupported quote type %T", q)
	}
	b := qv4.GetTdQuoteBody()
	info := &TDXInfo{
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
