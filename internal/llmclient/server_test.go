package llmclient

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/llmserver"
	"github.com/teebench/teebench/internal/pace"
)

// A small model keeps these tests fast; the benchmark uses the real sizes.
var testModel = llmserver.Config{Name: "test-model", Dim: 64, Layers: 2, Heads: 4, Hidden: 128, MaxSeq: 512, Seed: 3}

func startServer(t *testing.T, key string) *llmserver.Loopback {
	t.Helper()
	l, err := llmserver.StartLoopback(llmserver.Options{Models: []llmserver.Config{testModel}, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// Against the embedded server: both endpoints, closed and open loop, usage
// counts, greedy determinism, and batching that does not change the text.
func TestEmbeddedServer(t *testing.T) {
	l := startServer(t, "k3y")
	c := mustClient(t, l.URL, "")
	c.SetAPIKey("k3y")
	c.Timeout = 30 * time.Second
	ids, err := c.Models(context.Background())
	if err != nil || !slices.Equal(ids, []string{testModel.Name}) {
		t.Fatalf("models %v, %v", ids, err)
	}
	c.Model = ids[0]
	reqs, err := Random{InputLen: 24, OutputLen: 6, RangeRatio: 0.5, IgnoreEOS: true, Seed: 5}.Requests(6)
	if err != nil {
		t.Fatal(err)
	}
	reqs = append(reqs, reqs[0]) // the same prompt twice: greedy gives the same text

	var texts []string
	for _, ep := range []Endpoint{Completions, Chat} {
		for _, load := range []pace.Load{{Concurrency: 1}, {Concurrency: 4}, {Rate: 50, Burstiness: 0.5, MaxConcurrency: 3}} {
			c.Endpoint = ep
			outs, dur, err := Run(context.Background(), c, reqs, load)
			if err != nil {
				t.Fatal(err)
			}
			m := Summarize(outs, dur, nil)
			if m.Completed != len(reqs) || m.TokensFrom != "usage" {
				t.Fatalf("%s %+v: %s", ep, load, m.String())
			}
			for i, o := range outs {
				if o.OutputTokens != reqs[i].OutputLen || o.Chunks != reqs[i].OutputLen || len(o.Text) != reqs[i].OutputLen {
					t.Errorf("%s request %d: %d tokens, %d chunks, text %q; want %d", ep, i, o.OutputTokens, o.Chunks, o.Text, reqs[i].OutputLen)
				}
				if ep == Completions && o.PromptLen != reqs[i].PromptLen {
					t.Errorf("prompt tokens %d, want %d", o.PromptLen, reqs[i].PromptLen)
				}
				if ep == Chat && o.PromptLen <= reqs[i].PromptLen {
					t.Errorf("chat prompt tokens %d should include the template", o.PromptLen)
				}
			}
			if outs[0].Text != outs[len(outs)-1].Text {
				t.Errorf("same prompt, different text: %q vs %q", outs[0].Text, outs[len(outs)-1].Text)
			}
			if ep == Completions {
				var got []string
				for _, o := range outs {
					got = append(got, o.Text)
				}
				if texts == nil {
					texts = got
				} else if !slices.Equal(texts, got) {
					t.Errorf("%+v: batched text differs from sequential:\n%q\n%q", load, got, texts)
				}
			}
			t.Logf("%s %+v: %s", ep, load, m.String())
		}
	}

	// Errors of a real server are counted with their reason.
	bad := mustClient(t, l.URL, "no-such-model")
	bad.SetAPIKey("k3y")
	if o := bad.Do(context.Background(), reqs[0]); o.Success || o.Reason != ReasonHTTP {
		t.Errorf("unknown model: %+v", o)
	}
	c.Endpoint = Completions
	if o := c.Do(context.Background(), Request{Prompt: "x", OutputLen: testModel.MaxSeq}); o.Success || o.Reason != ReasonHTTP {
		t.Errorf("too long: %+v", o)
	}
	nokey := mustClient(t, l.URL, testModel.Name)
	if o := nokey.Do(context.Background(), reqs[0]); o.Success || o.Reason != ReasonHTTP {
		t.Errorf("no key: %+v", o)
	}
	// A request cut by its timeout leaves the server able to serve others.
	short := mustClient(t, l.URL, testModel.Name)
	short.SetAPIKey("k3y")
	short.Timeout = 20 * time.Millisecond
	if o := short.Do(context.Background(), Request{Prompt: "x", OutputLen: 400, IgnoreEOS: true}); o.Success || o.Reason != ReasonTimeout {
		t.Errorf("timeout: success %v reason %q err %v", o.Success, o.Reason, o.Err)
	}
	if o := c.Do(context.Background(), reqs[1]); !o.Success {
		t.Errorf("after a cancelled request: %v", o.Err)
	}
}
