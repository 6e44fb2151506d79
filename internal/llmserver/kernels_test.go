package llmserver

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// logitTol is the stated tolerance of the SIMD kernels against the scalar
// reference: every logit within logitTol times the largest absolute logit
// (float32 sums in a different order differ in the last bits, and the
// differences grow a little through the layers).
const logitTol = 1e-4

// TestDotKernels compares the kernels the models use (AVX2 where the CPU
// has it) with the scalar reference and with a float64 sum, over lengths
// that exercise the 32-, 8- and 1-element loops.
func TestDotKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 140 {
		a, b := make([]float32, n), make([]float32, n)
		wb := make([]uint16, n)
		var want, wantBF float64
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			wb[i] = f32ToBF16(b[i])
			want += float64(a[i]) * float64(b[i])
			wantBF += float64(a[i]) * float64(bf16ToF32(wb[i]))
		}
		tol := 1e-5 * float64(n+1)
		for name, got := range map[string]float64{
			"dot": float64(dot(a, b)), "dotSIMD": float64(dotSIMD(a, b)),
		} {
			if math.Abs(got-want) > tol {
				t.Errorf("n=%d: %s = %g, want %g", n, name, got, want)
			}
		}
		for name, got := range map[string]float64{
			"dotBF16": float64(dotBF16(a, wb)), "dotBF16SIMD": float64(dotBF16SIMD(a, wb)),
		} {
			if math.Abs(got-wantBF) > tol {
				t.Errorf("n=%d: %s = %g, want %g", n, name, got, wantBF)
			}
		}
	}
	t.Logf("SIMD kernels in use: %v", simd)
}

func TestBF16Rounding(t *testing.T) {
	for v, want := range map[float32]uint16{
		1:                                0x3f80,
		-2:                               0xc000,
		math.Float32frombits(0x3f808000): 0x3f80, // tie: to even
		math.Float32frombits(0x3f818000): 0x3f82, // tie: to even
		math.Float32frombits(0x3f808001): 0x3f81,
	} {
		if got := f32ToBF16(v); got != want {
			t.Errorf("f32ToBF16(%#x) = %#x, want %#x", math.Float32bits(v), got, want)
		}
	}
	if got := bf16ToF32(0x3f80); got != 1 {
		t.Errorf("bf16ToF32(0x3f80) = %g", got)
	}
}

// prompts are the fixed prompts of the reference comparisons.
var prompts = [][]int{
	toInts("The quick brown fox jumps over the lazy dog."),
	{'a'},
	toInts("teebench: confidential computing costs, measured"),
}

func toInts(s string) []int {
	out := make([]int, len(s))
	for i := range s {
		out[i] = int(s[i])
	}
	return out
}

// TestSIMDMatchesScalar runs each fixed prompt (prefill, then 8 decode
// steps, greedy) through a model with the SIMD kernels and through the
// scalar reference with the same weights: every step's logits agree
// within logitTol and the greedy tokens are the same.
func TestSIMDMatchesScalar(t *testing.T) {
	odd := Config{Name: "odd", Dim: 36, Layers: 2, Heads: 2, Hidden: 60, MaxSeq: 128, Seed: 3}
	cfgs := []Config{testCfg, odd, Tiny}
	for _, c := range []Config{testCfg, odd} {
		c.Name, c.DType = c.Name+"-bf16", BF16
		cfgs = append(cfgs, c)
	}
	par := testCfg
	par.Name, par.ParallelInit = "par", true
	cfgs = append(cfgs, par)
	for _, cfg := range cfgs {
		fast, err := NewModel(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := newModel(cfg, scalarKernels)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range prompts {
			sf, sr := fast.NewSeq(), ref.NewSeq()
			toks := p
			for step := range 9 {
				lf, err := fast.Forward([]Step{{Seq: sf, Tokens: toks}})
				if err != nil {
					t.Fatal(err)
				}
				lr, err := ref.Forward([]Step{{Seq: sr, Tokens: toks}})
				if err != nil {
					t.Fatal(err)
				}
				scale := 0.0
				for _, v := range lr[0] {
					scale = math.Max(scale, math.Abs(float64(v)))
				}
				if d := maxDiff(lf[0], lr[0]); d > logitTol*scale {
					t.Errorf("%s, prompt %q, step %d: SIMD logits differ from the scalar reference by %g (scale %g)", cfg.Name, string(rune(p[0])), step, d, scale)
				}
				tf, tr := Greedy(lf[0], nil), Greedy(lr[0], nil)
				if tf != tr {
					t.Fatalf("%s, step %d: greedy token %d, reference %d", cfg.Name, step, tf, tr)
				}
				toks = []int{tf}
			}
		}
	}
}

// greedyRun decodes n tokens greedily after prompt.
func greedyRun(t *testing.T, m *Model, prompt []int, n int) []int {
	t.Helper()
	s := m.NewSeq()
	var out []int
	toks := prompt
	for range n {
		l, err := m.Forward([]Step{{Seq: s, Tokens: toks}})
		if err != nil {
			t.Fatal(err)
		}
		tok := Greedy(l[0], nil)
		out = append(out, tok)
		toks = []int{tok}
	}
	return out
}

// TestDeterministicGreedy: the same seed gives the same greedy output
// (also when the parallel draw runs on a different number of
// goroutines), another seed another output; the bf16 weights are the
// float32 draw rounded.
func TestDeterministicGreedy(t *testing.T) {
	for _, parallel := range []bool{false, true} {
		cfg := testCfg
		cfg.ParallelInit = parallel
		a, _ := NewModel(cfg)
		prev := runtime.GOMAXPROCS(1)
		b, _ := NewModel(cfg)
		runtime.GOMAXPROCS(prev)
		cfg.Seed++
		c, _ := NewModel(cfg)
		p := toInts("deterministic")
		ga, gb, gc := greedyRun(t, a, p, 24), greedyRun(t, b, p, 24), greedyRun(t, c, p, 24)
		if !slices.Equal(ga, gb) {
			t.Errorf("parallel=%v: same seed, outputs %v and %v", parallel, ga, gb)
		}
		if slices.Equal(ga, gc) && slices.Equal(a.embed.f32, c.embed.f32) {
			t.Errorf("parallel=%v: seeds %d and %d give the same weights", parallel, cfg.Seed-1, cfg.Seed)
		}
		cfg.Seed--
		cfg.DType = BF16
		bf, _ := NewModel(cfg)
		for i, v := range a.layers[1].w2.f32 {
			if got := bf.layers[1].w2.bf16[i]; got != f32ToBF16(v) {
				t.Fatalf("parallel=%v: bf16 weight %d = %#x, want %#x (the float32 draw rounded)", parallel, i, got, f32ToBF16(v))
			}
		}
	}
	// The parallel draw is roughly standard normal.
	w := newMatrix(1000, 1000, F32)
	fillParallel(9, []*matrix{&w}, []float64{1})
	var sum, sq float64
	for _, v := range w.f32 {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	mean, sd := sum/1e6, math.Sqrt(sq/1e6)
	if math.Abs(mean) > 0.01 || math.Abs(sd-1) > 0.01 {
		t.Errorf("parallel draw: mean %g, sd %g; want 0, 1", mean, sd)
	}
}

func TestWeightBytes(t *testing.T) {
	if b := Medium.WeightBytes(); b < 300e6 {
		t.Errorf("Medium has %d bytes of weights, want >= 300 MB", b)
	}
	if f, h := Medium.WeightBytes(), MediumBF16.WeightBytes(); h >= f/2+1e5 || h < f/2 {
		t.Errorf("MediumBF16 %d bytes, Medium %d: want about half", h, f)
	}
	if b := Small.WeightBytes(); b != 4*int64(Small.Params()) {
		t.Errorf("Small: %d bytes for %d float32 params", b, Small.Params())
	}
	bad := testCfg
	bad.DType = "int4"
	if _, err := NewModel(bad); err == nil {
		t.Error("DType int4: want an error")
	}
}

// TestGelu compares gelu with the tanh formula it rewrites.
func TestGelu(t *testing.T) {
	for x := -12.0; x <= 12; x += 0.01 {
		want := 0.5 * x * (1 + math.Tanh(0.7978845608*(x+0.044715*x*x*x)))
		if got := float64(gelu(float32(x))); math.Abs(got-want) > 1e-6*(1+math.Abs(want)) {
			t.Fatalf("gelu(%g) = %g, want %g", x, got, want)
		}
	}
	if g := gelu(-100); math.Abs(float64(g)) > 1e-30 {
		t.Errorf("gelu(-100) = %g, want about 0", g)
	}
}

// TestDecodeStats: a generation of n tokens is one prefill pass and n-1
// decode-only passes, which WeightsRate turns into bytes per second.
func TestDecodeStats(t *testing.T) {
	m, err := NewModel(testCfg)
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(m, 0)
	defer e.Close()
	before := e.Stats()
	if _, ok := before.WeightsRate(before, m.WeightBytes()); ok {
		t.Error("WeightsRate with no decode pass: want ok = false")
	}
	ch, err := e.Generate(context.Background(), toInts("stats"), 6, true)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for tok := range ch {
		if tok.Err != nil {
			t.Fatal(tok.Err)
		}
		n++
	}
	st := e.Stats()
	if n != 6 || st.Passes != 6 || st.DecodePasses != 5 || st.DecodeTime <= 0 {
		t.Errorf("%d tokens, stats %+v; want 6 tokens, 6 passes, 5 decode passes", n, st)
	}
	rate, ok := st.WeightsRate(before, m.WeightBytes())
	if want := 5 * float64(m.WeightBytes()) / st.DecodeTime.Seconds(); !ok || rate != want {
		t.Errorf("WeightsRate = %g, %v; want %g", rate, ok, want)
	}
}

func TestExpClamped(t *testing.T) {
	for y := -80.0; y <= 80; y += 0.0137 {
		want := math.Exp(y)
		if got := expClamped(y); math.Abs(got-want) > 1e-8*want {
			t.Fatalf("expClamped(%g) = %g, want %g", y, got, want)
		}
	}
	if got, want := expClamped(-1000), math.Exp(-80); math.Abs(got-want) > 1e-8*want {
		t.Errorf("expClamped(-1000) = %g, want e^-80", got)
	}
	if got := expClamped(1000); math.IsInf(got, 0) || got < 1e34 {
		t.Errorf("expClamped(1000) = %g, want e^80", got)
	}
}
