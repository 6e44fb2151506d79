//go:build tdx || snp

package cpu_bench

import (
	"encoding/binary"
	"testing"

	"github.com/teebench/teebench/internal/tee"
)

// BenchmarkQuote measures how long a guest waits for attestation evidence
// from the TEE it was built for (tee.Tagged: -tags tdx or -tags snp): one
// op = one Attest over fresh report data through whichever interface this
// guest has (Detection.Interface), ns/op. On TDX that is a TD report plus
// a round trip to the host's quoting enclave (or the dstack guest agent);
// on SEV-SNP an extended report from the AMD secure processor through the
// guest's message channel, with its certificate table. Mostly time outside
// the guest either way: it is what an attested TLS handshake or a key
// release adds. The same name under both tags, so the report's "Why"
// section reads either. The last evidence's identity lines are checked to
// parse outside the timer; Attest itself refuses evidence that does not
// carry the report data asked for.
func BenchmarkQuote(b *testing.B) {
	k := tee.Tagged
	d := k.Detect(tee.Root)
	if !d.Attestable() {
		b.Fatalf("built with -tags %s: %s", k.Tag(), d.Reason)
	}
	b.Logf("%s evidence through %s", k.Title(), d.Interface)
	var rd [64]byte
	copy(rd[8:], "teebench BenchmarkQuote")
	var ev tee.Evidence
	var err error
	b.ResetTimer()
	for i := range b.N {
		binary.LittleEndian.PutUint64(rd[:8], uint64(i))
		if ev, err = k.Attest(rd); err != nil {
			b.Fatalf("evidence %d of %d: %v", i+1, b.N, err)
		}
	}
	b.StopTimer()
	if _, err := k.Describe(ev); err != nil {
		b.Fatal(err)
	}
	if len(ev.Files[k.Suffixes()[0]]) == 0 {
		b.Fatalf("the last evidence has no %s", k.Suffixes()[0])
	}
}
