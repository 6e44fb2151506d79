package llmserver

import (
	"fmt"
	"testing"

	"github.com/teebench/teebench/internal/config"
)

// BenchmarkForward measures one forward pass: prefill of a prompt of the
// given length, and one decode step of a batch of sequences (each with a
// 32-token context). One op = one pass; ns/token is per token processed.
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
					for i := range steps {
						if seqs[i].Len() >= m.MaxSeq-1 {
							b.Fatal("sequence full")
						}
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
