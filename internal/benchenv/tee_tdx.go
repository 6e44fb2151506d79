//go:build tdx

package benchenv

import (
	"crypto/sha512"
	"fmt"

	"github.com/teebench/teebench/internal/attest"
)

// tdxManifest fails when the tdx-tagged suite runs without a TDX guest
// interface, and otherwise records the TD's identity from a fresh quote.
func tdxManifest(tee string) (Manifest, error) {
	if tee != "tdx" || !attest.HaveTDXInterface() {
		return nil, fmt.Errorf("built with -tags tdx but this machine is not a TDX guest (detected tee: %s; %v); refusing to label results tdx", tee, attest.ErrNoTDX)
	}
	rd := sha512.Sum512([]byte("teebench manifest"))
	raw, err := attest.GetRawQuote(rd)
	if err != nil {
		return nil, fmt.Errorf("built with -tags tdx: %w", err)
	}
	_, info, err := attest.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("built with -tags tdx: %w", err)
	}
	return Manifest{
		{"tdx-mrtd", info.MRTD},
		{"tdx-attributes", info.TDAttributes},
		{"tdx-debug", fmt.Sprint(info.Debug)},
		{"tdx-tee-tcb-svn", info.TEETCBSVN},
	}, nil
}
