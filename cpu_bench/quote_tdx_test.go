//go:build tdx

package cpu_bench

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/teebench/teebench/internal/attest"
)

// BenchmarkQuote measures how long a TD waits for a quote: one op = one
// attest.GetRawQuote over fresh report data (whichever path internal/attest
// takes on this machine: configfs-tsm, /dev/tdx_guest or the dstack guest
// agent), ns/op. A quote is a TDREPORT from the TDX module plus a round
// trip to the host's quoting enclave, so this is mostly host-side time;
// it is what an attested TLS handshake or a key release adds. The last
// quote is parsed and its report data checked outside the timer.
func BenchmarkQuote(b *testing.B) {
	var rd [64]byte
	copy(rd[8:], "teebench BenchmarkQuote")
	var raw []byte
	b.ResetTimer()
	for i := range b.N {
		binary.LittleEndian.PutUint64(rd[:8], uint64(i))
		var err error
		if raw, err = attest.GetRawQuote(rd); err != nil {
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
