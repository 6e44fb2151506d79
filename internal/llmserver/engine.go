package llmserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Token is one generated token, or the end of a generation.
type Token struct {
	// ID is the token id (a byte value, or EOS).
	ID int
	// Finish is "" while the sequence continues, "stop" after EOS and
	// "length" after the last allowed token.
	Finish string
	// Err is set when generation failed; it is the last value sent.
	Err error
}

// Engine runs one Model with continuous batching: every pass of its loop
// takes all running sequences, prefills those that just arrived (their
// whole prompt) and decodes one token for the others, in a single Forward.
// New requests join at the next pass, finished or cancelled ones leave.
type Engine struct {
	m        *Model
	maxBatch int
	in       chan *genRequest
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	passes, seqSteps, peakBatch atomic.Int64
	decodePasses, decodeNanos   atomic.Int64
}

// Stats counts the engine's work since it started.
type Stats struct {
	// Passes is the number of forward passes.
	Passes int64
	// SeqSteps is the number of (sequence, pass) pairs: SeqSteps/Passes is
	// the mean batch size.
	SeqSteps int64
	// PeakBatch is the largest number of sequences in one pass.
	PeakBatch int64
	// DecodePasses is the number of passes that only decoded (one new
	// token per sequence, no prompt): each reads every weight once.
	DecodePasses int64
	// DecodeTime is the time spent in those passes' Forward calls.
	DecodeTime time.Duration
	// WeightBytes is the model's weight bytes (Model.WeightBytes): what one
	// decode pass reads.
	WeightBytes int64
}

// WeightsRate returns the weight bytes read per second of decode between
// two snapshots of Stats (before, then s): decode passes times
// Model.WeightBytes over their time. ok is false when no decode pass ran.
func (s Stats) WeightsRate(before Stats, weightBytes int64) (bytesPerSec float64, ok bool) {
	n, dt := s.DecodePasses-before.DecodePasses, s.DecodeTime-before.DecodeTime
	if n <= 0 || dt <= 0 {
		return 0, false
	}
	return float64(n) * float64(weightBytes) / dt.Seconds(), true
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	return Stats{Passes: e.passes.Load(), SeqSteps: e.seqSteps.Load(), PeakBatch: e.peakBatch.Load(),
		DecodePasses: e.decodePasses.Load(), DecodeTime: time.Duration(e.decodeNanos.Load()),
		WeightBytes: e.m.WeightBytes()}
}

type genRequest struct {
	ctx       context.Context
	prompt    []int
	maxTokens int
	ignoreEOS bool
	out       chan Token

	seq       *Seq
	last      int // last generated token, fed back when decoding
	generated int
}

// ErrClosed is returned by Generate after Close.
var ErrClosed = errors.New("llmserver: engine closed")

// NewEngine starts the batching loop of m. maxBatch caps the number of
// sequences in one pass (<= 0 means 64); further requests wait their turn.
func NewEngine(m *Model, maxBatch int) *Engine {
	if maxBatch <= 0 {
		maxBatch = 64
	}
	e := &Engine{m: m, maxBatch: maxBatch, in: make(chan *genRequest), quit: make(chan struct{}), done: make(chan struct{})}
	go e.loop()
	return e
}

// Model returns the engine's model.
func (e *Engine) Model() *Model { return e.m }

// Close stops the loop; running generations end with ErrClosed.
func (e *Engine) Close() {
	e.stopOnce.Do(func() { close(e.quit) })
	<-e.done
}

// Generate queues a greedy generation of up to maxTokens tokens after
// prompt. Tokens arrive on the returned channel, which is closed after the
// token with Finish or Err set. Cancelling ctx removes the sequence from the
// batch at the next pass. With ignoreEOS the model never picks EOS, so
// exactly maxTokens tokens come out.
func (e *Engine) Generate(ctx context.Context, prompt []int, maxTokens int, ignoreEOS bool) (<-chan Token, error) {
	switch {
	case len(prompt) == 0:
		return nil, fmt.Errorf("llmserver: empty prompt")
	case maxTokens < 1:
		return nil, fmt.Errorf("llmserver: max tokens %d < 1", maxTokens)
	case len(prompt)+maxTokens > e.m.MaxSeq:
		return nil, fmt.Errorf("llmserver: prompt (%d tokens) + max tokens (%d) exceed the model's context of %d", len(prompt), maxTokens, e.m.MaxSeq)
	}
	r := &genRequest{ctx: ctx, prompt: prompt, maxTokens: maxTokens, ignoreEOS: ignoreEOS,
		out: make(chan Token, maxTokens+1)}
	select {
	case e.in <- r:
		return r.out, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.quit:
		return nil, ErrClosed
	}
}

// allowedOutput restricts greedy decoding to tokens that are complete UTF-8
// text on their own (printable ASCII and newline) and, unless ignoreEOS,
// EOS; every streamed chunk is then exactly one token of valid text.
func allowedOutput(ignoreEOS bool) func(int) bool {
	return func(t int) bool {
		if t == EOS {
			return !ignoreEOS
		}
		return t == '\n' || (t >= 0x20 && t < 0x7f)
	}
}

func (e *Engine) loop() {
	defer close(e.done)
	var active []*genRequest
	allowEOS, noEOS := allowedOutput(false), allowedOutput(true)
	for {
		select {
		case <-e.quit:
			for _, r := range active {
				r.finish(Token{Err: ErrClosed})
			}
			return
		default:
		}
		if len(active) == 0 {
			select {
			case r := <-e.in:
				active = append(active, r)
			case <-e.quit:
				return
			}
		}
	drain:
		for len(active) < e.maxBatch {
			select {
			case r := <-e.in:
				active = append(active, r)
			case <-e.quit:
				for _, r := range active {
					r.finish(Token{Err: ErrClosed})
				}
				return
			default:
				break drain
			}
		}
		// Drop cancelled sequences, build the pass.
		kept := active[:0]
		for _, r := range active {
			if r.ctx.Err() != nil {
				close(r.out)
				continue
			}
			kept = append(kept, r)
		}
		active = kept
		if len(active) == 0 {
			continue
		}
		steps := make([]Step, len(active))
		decode := true
		for i, r := range active {
			if r.seq == nil {
				r.seq = e.m.NewSeq()
				steps[i] = Step{Seq: r.seq, Tokens: r.prompt}
				decode = false
			} else {
				steps[i] = Step{Seq: r.seq, Tokens: []int{r.last}}
			}
		}
		e.passes.Add(1)
		e.seqSteps.Add(int64(len(steps)))
		if int64(len(steps)) > e.peakBatch.Load() {
			e.peakBatch.Store(int64(len(steps)))
		}
		t0 := time.Now()
		logits, err := e.m.Forward(steps)
		if decode {
			e.decodeNanos.Add(int64(time.Since(t0)))
			e.decodePasses.Add(1)
		}
		if err != nil { // cannot happen for validated requests; fail them all
			for _, r := range active {
				r.finish(Token{Err: err})
			}
			active = active[:0]
			continue
		}
		kept = active[:0]
		for i, r := range active {
			allow := allowEOS
			if r.ignoreEOS {
				allow = noEOS
			}
			tok := Greedy(logits[i], allow)
			r.last = tok
			r.generated++
			t := Token{ID: tok}
			switch {
			case tok == EOS:
				t.Finish = "stop"
			case r.generated >= r.maxTokens:
				t.Finish = "length"
			}
			if t.Finish != "" {
				r.finish(t)
				continue
			}
			r.out <- t // buffered for maxTokens+1: never blocks
			kept = append(kept, r)
		}
		active = kept
	}
}

func (r *genRequest) finish(t Token) {
	r.out <- t
	close(r.out)
}
