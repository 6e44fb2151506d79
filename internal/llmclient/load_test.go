package llmclient

import (
	"context"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/pace"
)

func TestRandomDataset(t *testing.T) {
	d := Random{InputLen: 100, OutputLen: 20, RangeRatio: 0.25, PrefixLen: 5, IgnoreEOS: true, Seed: 1}
	reqs, err := d.Requests(200)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		in := r.PromptLen - 5
		if in < 75 || in > 125 || r.OutputLen < 15 || r.OutputLen > 25 || !r.IgnoreEOS {
			t.Fatalf("request %d: input %d output %d", i, in, r.OutputLen)
		}
		if len(r.Prompt) != r.PromptLen { // ASCII: one byte per token
			t.Fatalf("request %d: %d bytes for %d tokens", i, len(r.Prompt), r.PromptLen)
		}
		if r.Prompt[:5] != reqs[0].Prompt[:5] {
			t.Fatal("prefix not shared")
		}
	}
	again, _ := d.Requests(200)
	if again[7] != reqs[7] {
		t.Error("not reproducible from the seed")
	}
	fixed, _ := Random{InputLen: 8, OutputLen: 3}.Requests(5)
	for _, r := range fixed {
		if r.PromptLen != 8 || r.OutputLen != 3 {
			t.Errorf("range ratio 0: %d/%d", r.PromptLen, r.OutputLen)
		}
	}
	w, _ := Random{InputLen: 4, OutputLen: 1, Vocab: Words}.Requests(1)
	if w[0].Prompt[0] != ' ' || len(w[0].Prompt) < 8 {
		t.Errorf("words prompt %q", w[0].Prompt)
	}
	for _, bad := range []Random{{InputLen: 0, OutputLen: 1}, {InputLen: 1, OutputLen: 1, RangeRatio: 1}} {
		if _, err := bad.Requests(1); err == nil {
			t.Errorf("%+v: want error", bad)
		}
	}
}

// A cancelled run stops dispatching and marks the unsent requests.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := mustClient(t, "http://127.0.0.1:1", "m") // never contacted
	reqs := make([]Request, 5)
	for _, l := range []pace.Load{{Concurrency: 2}, {Rate: 1}} {
		start := time.Now()
		outs, _, err := Run(ctx, c, reqs, l)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			if o.Success || o.Reason != ReasonCanceled {
				t.Errorf("%+v request %d: %+v", l, i, o)
			}
		}
		if time.Since(start) > time.Second {
			t.Errorf("%+v: cancelled run took %v", l, time.Since(start))
		}
	}
}
