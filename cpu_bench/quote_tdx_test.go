//go:build tdx

package cpu_bench

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/teebench/teebench/internal/attest"
)

// BenchmarkQuote measures how long a TD waits for a quote: one op = one
// quote over fresh report data from attest.QuoteSource (whichever this
// machine has: the dstack guest agent, configfs-tsm or /dev/tdx_guest),
// ns/op. A quote is a TDREPORT from the TDX module plus a round
// trip to the host's quoting enclave, so this is mostly host-side time;
// it is what an attested TLS handshake or a key release adds. The last
// quote is parsed and its report data checked outside the timer.
func BenchmarkQuote(b *testing.B) {
	var rd [64]byte
	copy(rd[8:], "teebench BenchmarkQuote")
	get, agent, err := attest.QuoteSource()
	if err != nil {
		b.Fatal(err)
	}
	if agent != nil {
		b.Logf("quotes from the dstack guest agent at %s", agent.Endpoint)
	}
	var raw []byte
	b.ResetTimer()
	for i := range b.N {
		binary.LittleEndian.PutUint64(rd[:8], uint64(i))
		if raw, err = get(rd); err != nil {
			b.Fatalf("quote %d of %d: %v", i+1, b.N, err)
		}
	}
	b.StopTimer()
	_, info, err := attest.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Equal(info.ReportData, rd[:]) {
		b.Fatalf("the last quote carries report data %x, want %x", info.ReportData, rd)
	}
}
