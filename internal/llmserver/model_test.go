package llmserver

import (
	"math"
	"testing"
)

// testCfg is a very small shape so tests stay fast.
var testCfg = Config{Name: "test", Dim: 32, Layers: 2, Heads: 4, Hidden: 64, MaxSeq: 128, Seed: 7}

func TestParams(t *testing.T) {
	if p := Tiny.Params(); p < 800_000 || p > 1_300_000 {
		t.Errorf("Tiny has %d params, want about 1M", p)
	}
	if p := Small.Params(); p < 20_000_000 || p > 60_000_000 {
		t.Errorf("Small has %d params, want tens of millions", p)
	}
	m, err := NewModel(testCfg)
	if err != nil {
		t.Fatal(err)
	}
	n := m.embed.len() + len(m.outNorm)
	for _, l := range m.layers {
		n += len(l.attnNorm) + len(l.ffnNorm) + l.wq.len() + l.wk.len() + l.wv.len() + l.wo.len() + l.w1.len() + l.w2.len()
	}
	if n != testCfg.Params() {
		t.Errorf("allocated %d weights, Params() says %d", n, testCfg.Params())
	}
}

func TestValidate(t *testing.T) {
	bad := testCfg
	bad.Heads = 5
	if _, err := NewModel(bad); err == nil {
		t.Error("Dim 32 with 5 heads: want an error")
	}
}

func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// The KV cache must give the same logits as recomputing the whole sequence
// (over three of its blocks, so a position stored in the wrong block or
// slot shows), and a batched pass the same logits as separate passes.
func TestKVCacheAndBatching(t *testing.T) {
	m, err := NewModel(testCfg)
	if err != nil {
		t.Fatal(err)
	}
	seqA := toInts("hello world, in three blocks of the KV cache")
	if len(seqA) <= 2*kvBlock {
		t.Fatalf("sequence of %d tokens does not reach a third block", len(seqA))
	}
	seqB := []int{'a', 'b', 'c'}

	// Whole sequence in one pass.
	full, err := m.Forward([]Step{{Seq: m.NewSeq(), Tokens: seqA}})
	if err != nil {
		t.Fatal(err)
	}
	// Prefill 4 tokens, then decode one token at a time with the cache.
	s := m.NewSeq()
	if _, err := m.Forward([]Step{{Seq: s, Tokens: seqA[:4]}}); err != nil {
		t.Fatal(err)
	}
	var inc [][]float32
	for _, tok := range seqA[4:] {
		if inc, err = m.Forward([]Step{{Seq: s, Tokens: []int{tok}}}); err != nil {
			t.Fatal(err)
		}
	}
	if d := maxDiff(full[0], inc[0]); d > 1e-3 {
		t.Errorf("cached decode differs from full recompute by %g", d)
	}
	if s.Len() != len(seqA) {
		t.Errorf("Len = %d, want %d", s.Len(), len(seqA))
	}
	// Cut back to 10 positions (keeping the blocks, as BenchmarkForward
	// does) and decode the rest again into the kept blocks.
	s.truncate(10)
	for _, tok := range seqA[10:] {
		if inc, err = m.Forward([]Step{{Seq: s, Tokens: []int{tok}}}); err != nil {
			t.Fatal(err)
		}
	}
	if d := maxDiff(full[0], inc[0]); d > 1e-3 {
		t.Errorf("decode into reused blocks differs from full recompute by %g", d)
	}

	// Batch A and B together vs alone.
	aloneB, err := m.Forward([]Step{{Seq: m.NewSeq(), Tokens: seqB}})
	if err != nil {
		t.Fatal(err)
	}
	both, err := m.Forward([]Step{{Seq: m.NewSeq(), Tokens: seqA}, {Seq: m.NewSeq(), Tokens: seqB}})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(both[0], full[0]); d > 1e-4 {
		t.Errorf("batched A differs by %g", d)
	}
	if d := maxDiff(both[1], aloneB[0]); d > 1e-4 {
		t.Errorf("batched B differs by %g", d)
	}

	// Same seed, same weights: a second model computes the same logits.
	m2, _ := NewModel(testCfg)
	again, _ := m2.Forward([]Step{{Seq: m2.NewSeq(), Tokens: seqA}})
	if d := maxDiff(again[0], full[0]); d != 0 {
		t.Errorf("same seed, logits differ by %g", d)
	}
}

func TestForwardErrors(t *testing.T) {
	m, _ := NewModel(testCfg)
	if _, err := m.Forward([]Step{{Seq: m.NewSeq(), Tokens: []int{VocabSize}}}); err == nil {
		t.Error("token out of range: want error")
	}
	if _, err := m.Forward([]Step{{Seq: m.NewSeq(), Tokens: make([]int, testCfg.MaxSeq+1)}}); err == nil {
		t.Error("too long: want error")
	}
	if _, err := m.Forward([]Step{{Seq: m.NewSeq()}}); err == nil {
		t.Error("no tokens: want error")
	}
}
