package llmserver

import (
	"fmt"
	"testing"

	"github.com/teebench/teebench/internal/config"
)

// BenchmarkForward measures one forward pass: prefill of a prompt of the
// given length, and one decode step of a batch of sequences (each with a
// 32- to 96-token context, see decodeWindow). One op = one pass; ns/token is per token processed.
// The smoke profile runs the tiny model only.
func BenchmarkForward(b *testing.B) {
	for _, size := range config.Pick([]string{"tiny"}, []string{"tiny", "small"}, []string{"tiny", "small"}) {
		m, err := CachedModel(Sizes[size])
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range []int{16, 128} {
			b.Run(fmt.Sprintf("model=%s/prefill=%d", size, n), func(b *testing.B) {
				prompt := make([]int, n)
				for i := range prompt {
					prompt[i] = 'a' + i%26
				}
				for b.Loop() {
					if _, err := m.Forward([]Step{{Seq: m.NewSeq(), Tokens: prompt}}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/token")
			})
		}
		for _, batch := range []int{1, 8} {
			b.Run(fmt.Sprintf("model=%s/decode-batch=%d", size, batch), func(b *testing.B) {
				seqs := make([]*Seq, batch)
				ctx := make([]int, 32)
				for i := range ctx {
					ctx[i] = 'a' + i%26
				}
				steps := make([]Step, batch)
				for i := range seqs {
					seqs[i] = m.NewSeq()
					steps[i] = Step{Seq: seqs[i], Tokens: ctx}
				}
				if _, err := m.Forward(steps); err != nil { // prefill all contexts at once
					b.Fatal(err)
				}
				for b.Loop() {
					if seqs[0].Len() >= len(ctx)+decodeWindow {
						// Keep the context near its 32 tokens: drop the
						// decoded tokens from the caches, untimed.
						b.StopTimer()
						for _, sq := range seqs {
							sq.truncate(len(ctx), m.Dim)
						}
						b.StartTimer()
					}
					for i := range steps {
						steps[i] = Step{Seq: seqs[i], Tokens: []int{'x'}}
					}
					if _, err := m.Forward(steps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/token")
			})
		}
	}
}

// decodeWindow is how many tokens BenchmarkForward decodes onto its 32-token
// contexts before it cuts them back, so every measured step attends to
// between 33 and 32+decodeWindow positions.
const decodeWindow = 64

// truncate drops every cached position from n on (test helper: the
// benchmark's contexts must not grow with b.N).
func (s *Seq) truncate(n, dim int) {
	for l := range s.k {
		s.k[l] = s.k[l][:n*dim]
		s.v[l] = s.v[l][:n*dim]
	}
	s.pos = n
}
