package llmserver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
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
}

// Tiny is about 1M parameters: decoding is compute-bound and fast.
var Tiny = Config{Name: "teebench-tiny", Dim: 128, Layers: 5, Heads: 4, Hidden: 512, MaxSeq: 4096, Seed: 1}

// Small is about 25M parameters (100 MB of float32 weights, far larger than
// any CPU cache), so every decode pass streams every weight from memory.
var Small = Config{Name: "teebench-small", Dim: 512, Layers: 8, Heads: 8, Hidden: 2048, MaxSeq: 4096, Seed: 1}

// Sizes maps the size names used in benchmark names to configs.
var Sizes = map[string]Config{"tiny": Tiny, "small": Small}

// Validate checks that the shape is usable.
func (c Config) Validate() error {
	switch {
	case c.Dim <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.Hidden <= 0 || c.MaxSeq <= 0:
		return fmt.Errorf("llmserver: model %q: Dim, Layers, Heads, Hidden and MaxSeq must be positive", c.Name)
	case c.Dim%c.Heads != 0:
		return fmt.Errorf("llmserver: model %q: Dim %d is not a multiple of Heads %d", c.Name, c.Dim, c.Heads)
	case (c.Dim/c.Heads)%2 != 0:
		return fmt.Errorf("llmserver: model %q: head size %d must be even for rotary embeddings", c.Name, c.Dim/c.Heads)
	}
	return nil
}

// Params returns the number of weights of a model with this shape.
func (c Config) Params() int {
	perLayer := 4*c.Dim*c.Dim + 2*c.Dim*c.Hidden + 2*c.Dim
	return VocabSize*c.Dim + c.Layers*perLayer + c.Dim
}

type layer struct {
	attnNorm, ffnNorm []float32 // Dim
	wq, wk, wv, wo    []float32 // Dim x Dim, row-major [out][in]
	w1                []float32 // Hidden x Dim
	w2                []float32 // Dim x Hidden
}

// Model is a decoder-only transformer (pre-norm RMSNorm, multi-head causal
// attention with rotary position embeddings, GELU feed-forward, tied input
// and output embeddings) over the byte vocabulary. Its weights are random,
// so its text is gibberish, but its compute per token is that of a real
// model of its size. A Model is read-only after New and safe for concurrent
// use; per-request state lives in Seq.
type Model struct {
	Config
	embed    []float32 // VocabSize x Dim
	layers   []layer
	outNorm  []float32
	cos, sin []float32 // MaxSeq x headDim/2
}

// NewModel draws the weights of cfg.
func NewModel(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7eeb_e4c4))
	randn := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	ones := func(n int) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = 1
		}
		return w
	}
	d, h := cfg.Dim, cfg.Hidden
	m := &Model{Config: cfg, embed: randn(VocabSize*d, 1), outNorm: ones(d)}
	sd, sh := 1/math.Sqrt(float64(d)), 1/math.Sqrt(float64(h))
	for range cfg.Layers {
		m.layers = append(m.layers, layer{
			attnNorm: ones(d), ffnNorm: ones(d),
			wq: randn(d*d, sd), wk: randn(d*d, sd), wv: randn(d*d, sd), wo: randn(d*d, sd),
			w1: randn(h*d, sd), w2: randn(d*h, sh),
		})
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

var (
	modelMu    sync.Mutex
	modelCache = map[Config]*Model{}
)

// CachedModel returns the Model of cfg, drawing its weights only once per
// process (the small model's weights take a noticeable time to generate).
func CachedModel(cfg Config) (*Model, error) {
	modelMu.Lock()
	defer modelMu.Unlock()
	if m, ok := modelCache[cfg]; ok {
		return m, nil
	}
	m, err := NewModel(cfg)
	if err != nil {
		return nil, err
	}
	modelCache[cfg] = m
	return m, nil
}

// Seq is one sequence's state: its KV cache and its position.
type Seq struct {
	k, v [][]float32 // per layer: pos x Dim
	pos  int
}

// NewSeq returns an empty sequence.
func (m *Model) NewSeq() *Seq {
	return &Seq{k: make([][]float32, m.Layers), v: make([][]float32, m.Layers)}
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
			copy(x[r*d:(r+1)*d], m.embed[tok*d:(tok+1)*d])
			pos[r], seqOf[r] = s.Seq.pos+j, si
			r++
		}
	}
	xn := make([]float32, T*d)
	q := make([]float32, T*d)
	k := make([]float32, T*d)
	v := make([]float32, T*d)
	att := make([]float32, T*d)
	proj := make([]float32, T*d)
	hid := make([]float32, T*m.Hidden)
	for li := range m.layers {
		L := &m.layers[li]
		rmsnorm(xn, x, L.attnNorm, d)
		matmul(q, xn, L.wq, T, d, d)
		matmul(k, xn, L.wk, T, d, d)
		matmul(v, xn, L.wv, T, d, d)
		for r := range T {
			m.rope(q[r*d:(r+1)*d], pos[r])
			m.rope(k[r*d:(r+1)*d], pos[r])
		}
		// Append the new keys and values to each sequence's cache.
		r := 0
		for _, s := range steps {
			n := len(s.Tokens)
			s.Seq.k[li] = append(s.Seq.k[li], k[r*d:(r+n)*d]...)
			s.Seq.v[li] = append(s.Seq.v[li], v[r*d:(r+n)*d]...)
			r += n
		}
		// Causal attention: row r sees its sequence's positions 0..pos[r].
		scale := float32(1 / math.Sqrt(float64(hd)))
		parallelFor(T*m.Heads, T*m.Heads*(pos[T-1]+1)*hd, func(lo, hi int) {
			scores := make([]float32, m.MaxSeq)
			for i := lo; i < hi; i++ {
				r, h := i/m.Heads, i%m.Heads
				seq := steps[seqOf[r]].Seq
				kc, vc := seq.k[li], seq.v[li]
				qh := q[r*d+h*hd : r*d+(h+1)*hd]
				n := pos[r] + 1
				maxs := float32(math.Inf(-1))
				for p := range n {
					s := dot(qh, kc[p*d+h*hd:p*d+(h+1)*hd]) * scale
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
					axpy(out, vc[p*d+h*hd:p*d+(h+1)*hd], scores[p]/sum)
				}
			}
		})
		matmul(proj, att, L.wo, T, d, d)
		for i := range x {
			x[i] += proj[i]
		}
		rmsnorm(xn, x, L.ffnNorm, d)
		matmul(hid, xn, L.w1, T, d, m.Hidden)
		for i, h := range hid {
			hid[i] = gelu(h)
		}
		matmul(proj, hid, L.w2, T, m.Hidden, d)
		for i := range x {
			x[i] += proj[i]
		}
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
	matmul(logits, lastN, m.embed, len(steps), d, VocabSize)
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

func gelu(x float32) float32 {
	return 0.5 * x * (1 + float32(math.Tanh(0.7978845608*float64(x+0.044715*x*x*x))))
}

// matmul computes y[T x out] = x[T x in] * w^T where w is [out x in].
// Output rows are split among GOMAXPROCS workers. Each weight row is loaded
// once per block of 64 input rows, so with few rows (decoding) the cost is
// one pass over the weights, and with many (prefill) it is compute.
func matmul(y, x, w []float32, T, in, out int) {
	parallelFor(out, T*in*out, func(lo, hi int) {
		for t0 := 0; t0 < T; t0 += 64 {
			t1 := min(t0+64, T)
			for o := lo; o < hi; o++ {
				wr := w[o*in : (o+1)*in]
				for t := t0; t < t1; t++ {
					y[t*out+o] = dot(x[t*in:(t+1)*in], wr)
				}
			}
		}
	})
}

// parallelFor splits [0, n) among up to GOMAXPROCS goroutines when the work
// (in multiply-adds) is large enough to pay for them.
func parallelFor(n, work int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p > n {
		p = n
	}
	if p <= 1 || work < 1<<18 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range p {
		lo, hi := i*n/p, (i+1)*n/p
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpy(dst, x []float32, a float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += a * x[i]
	}
}
