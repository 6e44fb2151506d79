package llmserver

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/stream"
)

// BenchmarkForward measures one forward pass: prefill of a prompt of the
// given length, and one decode step of a batch of sequences (each with a
// 32- to 96-token context, see decodeWindow). One op = one pass; ns/token is per token processed.
// Decode rows also report weights-B/s (Model.WeightBytes per pass: every
// weight is read once per pass) and bw-util-%, that over the mean rate of
// STREAM's all-core triad (internal/stream, the kernel of cpu_bench's
// BenchmarkStream) in passes interleaved with the decode passes, outside
// the timer, after every 25 ms of decoding (at least 3): both rates cover
// the same stretch of time on a machine other processes share. The
// medium-bf16 decode rows also report speedup-vs-f32 (see f32Twin). The smoke
// profile runs the tiny model only; medium and medium-bf16 (403 and
// 201 MB of weights) prefill 16 tokens only, 128 being seconds of compute,
// and decode at batch 1 only (batch 8 needs seconds of untimed prefill).
func BenchmarkForward(b *testing.B) {
	var meter stream.Meter
	defer meter.Release()
	all := []string{"tiny", "small", "medium", "medium-bf16"}
	for _, size := range config.Pick([]string{"tiny"}, all, all) {
		cfg := Sizes[size]
		// Drawn in the first sub-benchmark that runs (a -bench filter
		// that leaves out a size does not pay for its weights).
		model := func(b *testing.B) *Model {
			m, err := CachedModel(cfg)
			if err != nil {
				b.Fatal(err)
			}
			return m
		}
		prefills, batches := []int{16, 128}, []int{1, 8}
		if cfg.WeightBytes() > 150e6 {
			prefills, batches = prefills[:1], batches[:1]
		}
		for _, n := range prefills {
			b.Run(fmt.Sprintf("model=%s/prefill=%d", size, n), func(b *testing.B) {
				m := model(b)
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
		for _, batch := range batches {
			b.Run(fmt.Sprintf("model=%s/decode-batch=%d", size, batch), func(b *testing.B) {
				d, err := newDecoder(model(b), batch)
				if err != nil {
					b.Fatal(err)
				}
				var twin *decoder
				if t, ok := f32Twin[size]; ok {
					tm, err := CachedModel(Sizes[t])
					if err != nil {
						b.Fatal(err)
					}
					if twin, err = newDecoder(tm, batch); err != nil {
						b.Fatal(err)
					}
				}
				meter.Reset()
				var lastSample time.Duration
				fastest, twinFastest := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
				for b.Loop() {
					if el := b.Elapsed(); el-lastSample >= 25*time.Millisecond {
						b.StopTimer()
						meter.Pass()
						b.StartTimer()
						lastSample = el
					}
					if d.due() {
						b.StopTimer()
						d.trim()
						b.StartTimer()
					}
					t0 := time.Now()
					if err := d.pass(); err != nil {
						b.Fatal(err)
					}
					fastest = min(fastest, time.Since(t0))
					if twin != nil {
						b.StopTimer()
						if twin.due() {
							twin.trim()
						}
						t1 := time.Now()
						if err := twin.pass(); err != nil {
							b.Fatal(err)
						}
						twinFastest = min(twinFastest, time.Since(t1))
						b.StartTimer()
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/token")
				for meter.Passes() < 3 {
					meter.Pass()
				}
				wb := float64(d.m.WeightBytes())
				reportBandwidth(b, &meter, float64(b.N)*wb/b.Elapsed().Seconds(), wb/fastest.Seconds())
				if twin != nil {
					b.ReportMetric(twinFastest.Seconds()/fastest.Seconds(), "speedup-vs-f32")
				}
			})
		}
	}
}

// f32Twin names, for a bfloat16 size, the float32 size with the same
// weights: its decode rows alternate pass by pass with the twin's (the
// twin's passes untimed) and report speedup-vs-f32, the twin's fastest
// pass time over theirs (best over best in alternating passes, like
// cpu_bench's go/c-ratio: on a machine other processes share, the passes
// that had the cores to themselves).
var f32Twin = map[string]string{"medium-bf16": "medium"}

// decoder holds a batch of sequences with 32-token contexts that decode
// one token per pass.
type decoder struct {
	m     *Model
	seqs  []*Seq
	steps []Step
}

const decodeContext = 32

// newDecoder prefills batch contexts of decodeContext tokens on m.
func newDecoder(m *Model, batch int) (*decoder, error) {
	d := &decoder{m: m, seqs: make([]*Seq, batch), steps: make([]Step, batch)}
	ctx := make([]int, decodeContext)
	for i := range ctx {
		ctx[i] = 'a' + i%26
	}
	for i := range d.seqs {
		d.seqs[i] = m.NewSeq()
		d.steps[i] = Step{Seq: d.seqs[i], Tokens: ctx}
	}
	_, err := m.Forward(d.steps) // prefill all contexts at once
	return d, err
}

// due says the contexts have grown by decodeWindow tokens.
func (d *decoder) due() bool { return d.seqs[0].Len() >= decodeContext+decodeWindow }

// trim keeps the contexts near their 32 tokens: it drops the decoded
// tokens from the caches.
func (d *decoder) trim() {
	for _, sq := range d.seqs {
		sq.truncate(decodeContext)
	}
}

// pass decodes one token for every sequence.
func (d *decoder) pass() error {
	for i := range d.steps {
		d.steps[i] = Step{Seq: d.seqs[i], Tokens: []int{'x'}}
	}
	_, err := d.m.Forward(d.steps)
	return err
}

// reportBandwidth reports weightsRate (weight bytes read per second of
// decode) as weights-B/s and, as bw-util-%, its percentage of the mean
// all-core STREAM triad rate of meter's passes. It logs the peaks too:
// the fastest decode pass's rate over STREAM's best rate (on a machine
// other processes share, the rates of the moments the process had the
// cores to itself).
func reportBandwidth(b *testing.B, meter *stream.Meter, weightsRate, peakRate float64) {
	b.ReportMetric(weightsRate, "weights-B/s")
	b.ReportMetric(100*weightsRate/meter.Mean(), "bw-util-%")
	b.Logf("weights: mean %.2f GB/s, fastest pass %.2f GB/s; all-core STREAM triad over %d interleaved passes: mean %.2f GB/s, best %.2f GB/s; peak/best %.1f%%",
		weightsRate/1e9, peakRate/1e9, meter.Passes(), meter.Mean()/1e9, meter.Best()/1e9, 100*peakRate/meter.Best())
}

// decodeWindow is how many tokens BenchmarkForward decodes onto its 32-token
// contexts before it cuts them back, so every measured step attends to
// between 33 and 32+decodeWindow positions.
const decodeWindow = 64

// truncate drops every cached position from n on (test helper: the
// benchmark's contexts must not grow with b.N).
// The blocks past the new end stay allocated for reuse.
func (s *Seq) truncate(n int) {
	for l := range s.k {
		s.k[l] = s.k[l][:(n+kvBlock-1)/kvBlock]
		s.v[l] = s.v[l][:(n+kvBlock-1)/kvBlock]
	}
	s.pos = n
}
