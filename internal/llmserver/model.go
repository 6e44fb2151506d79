package llmserver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/teebench/teebench/internal/memo"
)

// Vocabulary: one token per byte value plus an end-of-sequence token.
const (
	// VocabSize is the number of tokens: 256 byte values and EOS.
	VocabSize = 257
	// EOS is the end-of-sequence token id.
	EOS = 256
)

// Config is the shape of a model. Every weight is drawn from a PCG generator
// seeded with Seed, so two processes with the same Config compute the same
// tokens.
type Config struct {
	// Name is the model id served on /v1/models.
	Name string
	// Dim is the width of the residual stream.
	Dim int
	// Layers is the number of transformer blocks.
	Layers int
	// Heads is the number of attention heads; Dim must be a multiple of it.
	Heads int
	// Hidden is the width of the feed-forward layer.
	Hidden int
	// MaxSeq is the longest sequence (prompt plus output) a request may use.
	MaxSeq int
	// Seed selects the weights.
	Seed uint64
	// DType is how the weights are stored: "" or F32 (float32), or BF16
	// (bfloat16, rounded from the same float32 draw; computation stays
	// float32).
	DType string
	// ParallelInit draws the weights in parallel from per-block SplitMix64
	// generators (fillParallel) instead of one sequential PCG stream: a
	// different, equally deterministic draw that takes well under a second
	// for hundreds of megabytes. Tiny and Small keep the sequential draw.
	ParallelInit bool
}

// Tiny is about 1M parameters: decoding is compute-bound and fast.
var Tiny = Config{Name: "teebench-tiny", Dim: 128, Layers: 5, Heads: 4, Hidden: 512, MaxSeq: 4096, Seed: 1}

// Small is about 25M parameters (100 MB of float32 weights, far larger than
// any CPU cache), so every decode pass streams every weight from memory.
var Small = Config{Name: "teebench-small", Dim: 512, Layers: 8, Heads: 8, Hidden: 2048, MaxSeq: 4096, Seed: 1}

// Medium is about 101M parameters (403 MB of float32 weights, far above
// any last-level cache): like a real model at batch 1, its decode reads
// every weight from DRAM once per token and is bound by memory bandwidth.
var Medium = Config{Name: "teebench-medium", Dim: 1024, Layers: 8, Heads: 16, Hidden: 4096, MaxSeq: 4096, Seed: 1, ParallelInit: true}

// MediumBF16 is Medium with bfloat16 weights (201 MB: the same draw
// rounded to bfloat16), float32 activations and accumulation; with a
// memory-bound decode it runs nearly twice as fast as Medium.
var MediumBF16 = Config{Name: "teebench-medium-bf16", Dim: 1024, Layers: 8, Heads: 16, Hidden: 4096, MaxSeq: 4096, Seed: 1, DType: BF16, ParallelInit: true}

// Sizes maps the size names used in benchmark names to configs.
var Sizes = map[string]Config{"tiny": Tiny, "small": Small, "medium": Medium, "medium-bf16": MediumBF16}

// Validate checks that the shape is usable.
func (c Config) Validate() error {
	switch {
	case c.Dim <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.Hidden <= 0 || c.MaxSeq <= 0:
		return fmt.Errorf("llmserver: model %q: Dim, Layers, Heads, Hidden and MaxSeq must be positive", c.Name)
	case c.Dim%c.Heads != 0:
		return fmt.Errorf("llmserver: model %q: Dim %d is not a multiple of Heads %d", c.Name, c.Dim, c.Heads)
	case (c.Dim/c.Heads)%2 != 0:
		return fmt.Errorf("llmserver: model %q: head size %d must be even for rotary embeddings", c.Name, c.Dim/c.Heads)
	case c.DType != "" && c.DType != F32 && c.DType != BF16:
		return fmt.Errorf("llmserver: model %q: weight type %q is neither %q nor %q", c.Name, c.DType, F32, BF16)
	}
	return nil
}

// Params returns the number of weights of a model with this shape.
func (c Config) Params() int {
	perLayer := 4*c.Dim*c.Dim + 2*c.Dim*c.Hidden + 2*c.Dim
	return VocabSize*c.Dim + c.Layers*perLayer + c.Dim
}

// WeightBytes returns the size of the weights in memory, which is what one
// decode pass reads: every matrix once (the embedding as the output layer)
// and the norm gains (always float32).
func (c Config) WeightBytes() int64 {
	per := int64(4)
	if c.DType == BF16 {
		per = 2
	}
	norms := int64(2*c.Layers*c.Dim + c.Dim)
	return (int64(c.Params())-norms)*per + norms*4
}

type layer struct {
	attnNorm, ffnNorm []float32 // Dim
	wq, wk, wv, wo    matrix    // Dim x Dim, row-major [out][in]
	w1                matrix    // Hidden x Dim
	w2                matrix    // Dim x Hidden
}

// Model is a decoder-only transformer (pre-norm RMSNorm, multi-head causal
// attention with rotary position embeddings, GELU feed-forward, tied input
// and output embeddings) over the byte vocabulary. Its weights are random,
// so its text is gibberish, but its compute per token is that of a real
// model of its size. A Model is read-only after New and safe for concurrent
// use; per-request state lives in Seq.
type Model struct {
	Config
	embed    matrix // VocabSize x Dim
	layers   []layer
	outNorm  []float32
	cos, sin []float32 // MaxSeq x headDim/2
	k        kernels
}

// NewModel draws the weights of cfg. Its matrix-vector products use AVX2
// and FMA where the CPU has them (scalar Go elsewhere).
func NewModel(cfg Config) (*Model, error) {
	k := scalarKernels
	if simd {
		k = simdKernels
	}
	return newModel(cfg, k)
}

// newModel draws the weights of cfg and computes with kernels k (the tests
// build a scalar reference model with scalarKernels).
func newModel(cfg Config, k kernels) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ones := func(n int) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = 1
		}
		return w
	}
	d, h := cfg.Dim, cfg.Hidden
	m := &Model{Config: cfg, embed: newMatrix(VocabSize, d, cfg.DType), outNorm: ones(d), k: k}
	sd, sh := 1/math.Sqrt(float64(d)), 1/math.Sqrt(float64(h))
	ws, std := []*matrix{&m.embed}, []float64{1}
	m.layers = make([]layer, cfg.Layers)
	for i := range m.layers {
		L := &m.layers[i]
		*L = layer{attnNorm: ones(d), ffnNorm: ones(d),
			wq: newMatrix(d, d, cfg.DType), wk: newMatrix(d, d, cfg.DType), wv: newMatrix(d, d, cfg.DType), wo: newMatrix(d, d, cfg.DType),
			w1: newMatrix(h, d, cfg.DType), w2: newMatrix(d, h, cfg.DType)}
		ws = append(ws, &L.wq, &L.wk, &L.wv, &L.wo, &L.w1, &L.w2)
		std = append(std, sd, sd, sd, sd, sd, sh)
	}
	if cfg.ParallelInit {
		fillParallel(cfg.Seed, ws, std)
	} else {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x7eeb_e4c4))
		for i, w := range ws {
			for j := range w.len() {
				w.set(j, float32(rng.NormFloat64()*std[i]))
			}
		}
	}
	hd := d / cfg.Heads
	m.cos = make([]float32, cfg.MaxSeq*hd/2)
	m.sin = make([]float32, cfg.MaxSeq*hd/2)
	for p := range cfg.MaxSeq {
		for i := range hd / 2 {
			theta := float64(p) / math.Pow(10000, float64(2*i)/float64(hd))
			m.cos[p*hd/2+i] = float32(math.Cos(theta))
			m.sin[p*hd/2+i] = float32(math.Sin(theta))
		}
	}
	return m, nil
}

// models holds the models made, per Config.
var models memo.Map[Config, *Model]

// CachedModel returns the Model of cfg, drawing its weights only once per
// process (the small model's weights take a noticeable time to generate).
func CachedModel(cfg Config) (*Model, error) {
	return models.Get(cfg, func() (*Model, error) { return NewModel(cfg) })
}

// Seq is one sequence's state: its KV cache and its position.
type Seq struct {
	// k and v hold, per layer, the keys and values of every position in
	// blocks of kvBlock positions, each laid out [head][slot][headDim]
	// (a paged KV cache, as in serving engines): a head's attention reads
	// one contiguous run per block, and a new token's keys land in one
	// block's pages, which matters once a decode step's weights have
	// flushed every cache and TLB.
	k, v [][][]float32
	pos  int
}

// kvBlock is the number of positions in a block of a KV cache.
const kvBlock = 16

// NewSeq returns an empty sequence.
func (m *Model) NewSeq() *Seq {
	return &Seq{k: make([][][]float32, m.Layers), v: make([][][]float32, m.Layers)}
}

// slot returns where head h of position p sits in layer l's blocks
// (block index and offset), adding a block when p begins one.
func (s *Seq) slot(l, h, p, heads, hd int) (b, off int) {
	b = p / kvBlock
	for len(s.k[l]) <= b {
		s.k[l], s.v[l] = grow(s.k[l], heads*kvBlock*hd), grow(s.v[l], heads*kvBlock*hd)
	}
	return b, (h*kvBlock + p%kvBlock) * hd
}

// grow adds a block of size floats to blocks, reusing one kept in its
// capacity from before a truncation.
func grow(blocks [][]float32, size int) [][]float32 {
	if n := len(blocks); n < cap(blocks) && blocks[:n+1][n] != nil {
		return blocks[:n+1]
	}
	return append(blocks, make([]float32, size))
}

// Len returns the number of tokens already in the KV cache.
func (s *Seq) Len() int { return s.pos }

// Step is the work of one sequence in a forward pass: new tokens to append
// to it (a whole prompt for prefill, one token when decoding).
type Step struct {
	// Seq is the sequence the tokens are appended to.
	Seq *Seq
	// Tokens are the new token ids (at least one).
	Tokens []int
}

// Forward runs the new tokens of every step through the model in one pass:
// the linear layers see all tokens of all sequences as one matrix, so each
// weight is read from memory once per pass (this is what makes batching
// concurrent requests pay off), while attention uses each sequence's own KV
// cache. It returns, per step, the logits after the step's last token.
func (m *Model) Forward(steps []Step) ([][]float32, error) {
	d, hd := m.Dim, m.Dim/m.Heads
	var T int
	for _, s := range steps {
		if len(s.Tokens) == 0 {
			return nil, fmt.Errorf("llmserver: forward step with no tokens")
		}
		if s.Seq.pos+len(s.Tokens) > m.MaxSeq {
			return nil, fmt.Errorf("llmserver: sequence of %d tokens exceeds the model's %d", s.Seq.pos+len(s.Tokens), m.MaxSeq)
		}
		T += len(s.Tokens)
	}
	x := make([]float32, T*d)
	pos := make([]int, T) // absolute position of each row
	seqOf := make([]int, T)
	r := 0
	for si, s := range steps {
		for j, tok := range s.Tokens {
			if tok < 0 || tok >= VocabSize {
				return nil, fmt.Errorf("llmserver: token %d out of range", tok)
			}
			m.embed.rowTo(x[r*d:(r+1)*d], tok)
			pos[r], seqOf[r] = s.Seq.pos+j, si
			r++
		}
	}
	xn := make([]float32, T*d)
	q := make([]float32, T*d)
	k := make([]float32, T*d)
	v := make([]float32, T*d)
	att := make([]float32, T*d)
	hid := make([]float32, T*m.Hidden)
	for li := range m.layers {
		L := &m.layers[li]
		rmsnorm(xn, x, L.attnNorm, d)
		matmul(q, xn, &L.wq, T, m.k, store)
		matmul(k, xn, &L.wk, T, m.k, store)
		matmul(v, xn, &L.wv, T, m.k, store)
		for r := range T {
			m.rope(q[r*d:(r+1)*d], pos[r])
			m.rope(k[r*d:(r+1)*d], pos[r])
		}
		// Append the new keys and values to each sequence's cache.
		for r := range T {
			sq := steps[seqOf[r]].Seq
			for h := range m.Heads {
				b, off := sq.slot(li, h, pos[r], m.Heads, hd)
				copy(sq.k[li][b][off:off+hd], k[r*d+h*hd:r*d+(h+1)*hd])
				copy(sq.v[li][b][off:off+hd], v[r*d+h*hd:r*d+(h+1)*hd])
			}
		}
		// Causal attention: row r sees its sequence's positions 0..pos[r].
		scale := float32(1 / math.Sqrt(float64(hd)))
		maxPos := slices.Max(pos)
		// Work: scalar loops and an exponential per position, counted as
		// 16 multiply-adds per element so that a single decode token's
		// heads split across cores from a few dozen positions on.
		parallelFor(T*m.Heads, 16*T*m.Heads*(maxPos+1)*hd, func(lo, hi int) {
			scores := make([]float32, maxPos+1)
			for i := lo; i < hi; i++ {
				r, h := i/m.Heads, i%m.Heads
				seq := steps[seqOf[r]].Seq
				kb, vb := seq.k[li], seq.v[li]
				qh := q[r*d+h*hd : r*d+(h+1)*hd]
				n := pos[r] + 1
				maxs := float32(math.Inf(-1))
				at := func(p int) int { return (h*kvBlock + p%kvBlock) * hd } // p's offset in block p/kvBlock
				for p := range n {
					s := m.k.f32(qh, kb[p/kvBlock][at(p):at(p)+hd]) * scale
					scores[p] = s
					maxs = max(maxs, s)
				}
				var sum float32
				for p := range n {
					e := float32(math.Exp(float64(scores[p] - maxs)))
					scores[p] = e
					sum += e
				}
				out := att[r*d+h*hd : r*d+(h+1)*hd]
				clear(out)
				for p := range n {
					axpy(out, vb[p/kvBlock][at(p):at(p)+hd], scores[p]/sum)
				}
			}
		})
		matmul(x, att, &L.wo, T, m.k, add)
		rmsnorm(xn, x, L.ffnNorm, d)
		matmul(hid, xn, &L.w1, T, m.k, geluOut)
		matmul(x, hid, &L.w2, T, m.k, add)
	}
	// Logits only for the last row of each step (the next-token position).
	last := make([]float32, len(steps)*d)
	r = 0
	for si, s := range steps {
		r += len(s.Tokens)
		copy(last[si*d:(si+1)*d], x[(r-1)*d:r*d])
		s.Seq.pos += len(s.Tokens)
	}
	lastN := make([]float32, len(last))
	rmsnorm(lastN, last, m.outNorm, d)
	logits := make([]float32, len(steps)*VocabSize)
	matmul(logits, lastN, &m.embed, len(steps), m.k, store)
	out := make([][]float32, len(steps))
	for si := range steps {
		out[si] = logits[si*VocabSize : (si+1)*VocabSize]
	}
	return out, nil
}

// rope rotates each head's (even, odd) pairs by the position's angles.
func (m *Model) rope(vec []float32, p int) {
	hd := m.Dim / m.Heads
	cs, sn := m.cos[p*hd/2:(p+1)*hd/2], m.sin[p*hd/2:(p+1)*hd/2]
	for h := 0; h < m.Heads; h++ {
		v := vec[h*hd : (h+1)*hd]
		for i := range hd / 2 {
			a, b := v[2*i], v[2*i+1]
			v[2*i] = a*cs[i] - b*sn[i]
			v[2*i+1] = a*sn[i] + b*cs[i]
		}
	}
}

// Greedy returns the highest-scoring token among those allowed.
func Greedy(logits []float32, allowed func(tok int) bool) int {
	best, bestV := -1, float32(math.Inf(-1))
	for t, v := range logits {
		if allowed != nil && !allowed(t) {
			continue
		}
		if best < 0 || v > bestV {
			best, bestV = t, v
		}
	}
	return best
}

func rmsnorm(dst, x, w []float32, d int) {
	for r := 0; r < len(x)/d; r++ {
		row := x[r*d : (r+1)*d]
		var ss float32
		for _, v := range row {
			ss += v * v
		}
		inv := float32(1 / math.Sqrt(float64(ss/float32(d))+1e-5))
		out := dst[r*d : (r+1)*d]
		for i, v := range row {
			out[i] = v * inv * w[i]
		}
	}
}

// gelu is GELU's tanh approximation, 0.5x(1 + tanh(u)) with
// u = 0.7978845608(x + 0.044715x^3), computed as x * sigmoid(2u) (the same
// function; one exponential and one division, a fraction of math.Tanh's
// cost, which mattered next to a memory-bound matrix-vector product).
func gelu(x float32) float32 {
	u := 0.7978845608 * float64(x+0.044715*x*x*x)
	return x * float32(1/(1+expClamped(-2*u)))
}

// expClamped is e^y for y clamped to [-80, 80] (beyond which gelu's
// sigmoid is 0 or 1 in float32), with a relative error below 1e-8:
// y = n ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^7, times
// 2^n built from the exponent bits. It is several times faster than
// math.Exp, which handles every float64.
func expClamped(y float64) float64 {
	const (
		log2e = 1.4426950408889634
		ln2hi = 6.93147180369123816490e-01 // ln2 split as in math.Exp
		ln2lo = 1.90821492927058770002e-10
	)
	y = min(max(y, -80), 80)
	n := math.Floor(y*log2e + 0.5)
	r := y - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}
