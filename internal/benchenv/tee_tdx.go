//go:build tdx

package benchenv

import (
	"crypto/sha512"
	"fmt"

	"github.com/teebench/teebench/internal/attest"
)

// tdxManifest fails when the tdx-tagged suite runs without a TDX guest
// interface, and otherwise records the TD's identity from a fresh quote.
// Inside a dstack container the interface is the guest agent's socket (no
// device, no configfs-tsm): a TDX guest (tdx_guest CPU flag) with a guest
// agent is accepted, a simulator is not.
func tdxManifest(tee string) (Manifest, error) {
	getQuote, agent, err := attest.QuoteSource()
	if tee != "tdx" || err != nil || agent != nil && agent.Simulated {
		why := "it has a TDX quote interface, but no tdx_guest CPU flag"
		switch {
		case err != nil:
			why = err.Error()
		case agent != nil && agent.Simulated:
			why = attest.SimulatorEnv + " points at a dstack simulator"
		}
		return nil, fmt.Errorf("built with -tags tdx but this machine is not a TDX guest (detected tee: %s; %s); refusing to label results tdx", tee, why)
	}
	rd := sha512.Sum512([]byte("teebench manifest"))
	raw, err := getQuote(rd)
	if err != nil {
		return nil, fmt.Errorf("built with -tags tdx: %w", err)
	}
	_, info, err := attest.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("built with -tags tdx: %w", err)
	}
	src := "tdx-guest-device"
	if agent != nil {
		src = "dstack-guest-agent"
	}
	return Manifest{
		{"tdx-quote-source", src},
		{"tdx-mrtd", info.MRTD},
		{"tdx-attributes", info.TDAttributes},
		{"tdx-debug", fmt.Sprint(info.Debug)},
		{"tdx-tee-tcb-svn", info.TEETCBSVN},
	}, nil
}
