package llmclient

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Vocab maps token ids of the random dataset to text.
type Vocab interface {
	// Size is the number of token ids.
	Size() int
	// Token returns the text of id, 0 <= id < Size().
	Token(id int) string
}

type asciiVocab struct{}

func (asciiVocab) Size() int           { return 0x7f - 0x20 }
func (asciiVocab) Token(id int) string { return string(rune(0x20 + id)) }

// ASCII is the 95 printable ASCII characters. On a byte-level model (the
// embedded server) each is exactly one token, so prompt lengths are exact.
var ASCII Vocab = asciiVocab{}

type wordVocab []string

func (w wordVocab) Size() int           { return len(w) }
func (w wordVocab) Token(id int) string { return w[id] }

// Words is a list of common English words with a leading space, each a
// single token in the usual BPE tokenizers (Llama, GPT). Against an external
// server, prompt lengths are then close to the target; the server's
// usage.prompt_tokens gives the exact count in the metrics.
var Words Vocab = wordVocab(strings.Fields(`the of and to in is you that it he was for on are as with his they at be
this have from or one had by word but not what all were we when your can said there use an each which she do how their
if will up other about out many then them these so some her would make like him into time has look two more write go see
number no way could people my than first water been call who oil its now find long down day did get come made may part`))

func init() {
	for i, w := range Words.(wordVocab) {
		Words.(wordVocab)[i] = " " + w
	}
}

// Random is vLLM's random dataset (--dataset-name random): per request, an
// input length uniform in [InputLen(1-r), InputLen(1+r)], an output length
// likewise, an offset uniform in [0, vocab), and the prompt
// prefix + tokens (offset + i + 0..len-1) mod vocab, where prefix is
// PrefixLen random tokens shared by all requests. The generator is Go's
// PCG seeded with Seed, so the draws are not numpy's, but they follow the
// same distributions and are reproducible.
type Random struct {
	InputLen, OutputLen int
	// RangeRatio r in [0, 1) widens the lengths (vLLM --random-range-ratio).
	RangeRatio float64
	// PrefixLen tokens are shared by every prompt (--random-prefix-len).
	PrefixLen int
	// IgnoreEOS is copied into every request (--ignore-eos).
	IgnoreEOS bool
	Seed      uint64
	// Vocab is the token set; nil means ASCII.
	Vocab Vocab
}

// Requests draws n requests.
func (d Random) Requests(n int) ([]Request, error) {
	if d.InputLen < 1 || d.OutputLen < 1 || d.PrefixLen < 0 {
		return nil, fmt.Errorf("llmclient: random dataset needs input and output lengths >= 1 and prefix >= 0 (got %d, %d, %d)", d.InputLen, d.OutputLen, d.PrefixLen)
	}
	if d.RangeRatio < 0 || d.RangeRatio >= 1 || math.IsNaN(d.RangeRatio) {
		return nil, fmt.Errorf("llmclient: random dataset range ratio %g not in [0, 1)", d.RangeRatio)
	}
	v := d.Vocab
	if v == nil {
		v = ASCII
	}
	rng := rand.New(rand.NewPCG(d.Seed, 0xda7a5e7))
	lens := func(l int) (int, int) {
		lo := int(math.Floor(float64(l) * (1 - d.RangeRatio)))
		hi := int(math.Ceil(float64(l) * (1 + d.RangeRatio)))
		return max(lo, 1), max(hi, 1)
	}
	inLo, inHi := lens(d.InputLen)
	outLo, outHi := lens(d.OutputLen)
	var prefix strings.Builder
	for range d.PrefixLen {
		prefix.WriteString(v.Token(rng.IntN(v.Size())))
	}
	reqs := make([]Request, n)
	for i := range reqs {
		in := inLo + rng.IntN(inHi-inLo+1)
		out := outLo + rng.IntN(outHi-outLo+1)
		off := rng.IntN(v.Size())
		var b strings.Builder
		b.WriteString(prefix.String())
		for j := range in {
			b.WriteString(v.Token((off + i + j) % v.Size()))
		}
		reqs[i] = Request{Prompt: b.String(), PromptLen: d.PrefixLen + in, OutputLen: out, IgnoreEOS: d.IgnoreEOS}
	}
	return reqs, nil
}
