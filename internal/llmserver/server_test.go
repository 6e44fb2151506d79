package llmserver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func start(t *testing.T, o Options) *Loopback {
	t.Helper()
	if o.Models == nil {
		o.Models = []Config{testCfg}
	}
	l, err := StartLoopback(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// events reads an SSE body into its data payloads.
func events(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "data: ") {
			t.Fatalf("not an SSE data line: %q", line)
		}
		out = append(out, strings.TrimPrefix(line, "data: "))
	}
	return out
}

func TestModels(t *testing.T) {
	two := testCfg
	two.Name = "second"
	l := start(t, Options{Models: []Config{testCfg, two}})
	resp, err := http.Get(l.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			ID          string `json:"id"`
			MaxModelLen int    `json:"max_model_len"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 2 || list.Data[0].ID != "test" || list.Data[1].ID != "second" || list.Data[0].MaxModelLen != testCfg.MaxSeq {
		t.Errorf("models: %+v", list.Data)
	}
}

// The stream has one chunk per token, then usage, then [DONE]; the chat
// stream's first delta carries the role.
func TestStreamFormat(t *testing.T) {
	l := start(t, Options{})
	resp := post(t, l.URL+"/v1/completions", `{"model":"test","prompt":"hello","max_tokens":5,"stream":true,"stream_options":{"include_usage":true},"ignore_eos":true}`)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	ev := events(t, resp.Body)
	if len(ev) != 7 || ev[6] != "[DONE]" {
		t.Fatalf("events: %q", ev)
	}
	for i, e := range ev[:5] {
		var c chunk
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatal(err)
		}
		if c.Object != "text_completion" || len(c.Choices) != 1 || c.Choices[0].Text == nil || len(*c.Choices[0].Text) != 1 {
			t.Fatalf("chunk %d: %s", i, e)
		}
		if fin := c.Choices[0].FinishReason; (i == 4) != (fin != nil) || (fin != nil && *fin != "length") {
			t.Errorf("chunk %d finish reason: %s", i, e)
		}
	}
	var u chunk
	if err := json.Unmarshal([]byte(ev[5]), &u); err != nil || u.Usage == nil || len(u.Choices) != 0 {
		t.Fatalf("usage chunk: %s (%v)", ev[5], err)
	}
	if *u.Usage != (usage{PromptTokens: 5, CompletionTokens: 5, TotalTokens: 10}) {
		t.Errorf("usage %+v", *u.Usage)
	}

	resp = post(t, l.URL+"/v1/chat/completions", `{"model":"test","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"max_completion_tokens":3,"stream":true,"ignore_eos":true}`)
	ev = events(t, resp.Body)
	if len(ev) != 4 || ev[3] != "[DONE]" {
		t.Fatalf("chat events (no usage asked): %q", ev)
	}
	var first chunk
	if err := json.Unmarshal([]byte(ev[0]), &first); err != nil || first.Object != "chat.completion.chunk" || first.Choices[0].Delta.Role != "assistant" || len(first.Choices[0].Delta.Content) != 1 {
		t.Errorf("first chat chunk: %s", ev[0])
	}
}

// Greedy decoding is deterministic, and the non-streaming answer is the
// streamed text.
func TestNonStreaming(t *testing.T) {
	l := start(t, Options{})
	get := func() (string, usage) {
		resp := post(t, l.URL+"/v1/completions", `{"prompt":"abc","max_tokens":6,"ignore_eos":true}`)
		var c chunk
		if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
			t.Fatal(err)
		}
		return *c.Choices[0].Text, *c.Usage
	}
	a, u := get()
	b, _ := get()
	if a != b || len(a) != 6 || u.CompletionTokens != 6 || u.PromptTokens != 3 {
		t.Errorf("texts %q %q, usage %+v", a, b, u)
	}
	resp := post(t, l.URL+"/v1/completions", `{"prompt":"abc","max_tokens":6,"ignore_eos":true,"stream":true}`)
	var streamed strings.Builder
	for _, e := range events(t, resp.Body) {
		var c chunk
		if e != "[DONE]" && json.Unmarshal([]byte(e), &c) == nil && len(c.Choices) > 0 {
			streamed.WriteString(*c.Choices[0].Text)
		}
	}
	if streamed.String() != a {
		t.Errorf("streamed %q, non-streamed %q", streamed.String(), a)
	}
}

func TestBadRequests(t *testing.T) {
	l := start(t, Options{APIKey: "secret"})
	for _, tc := range []struct {
		name, path, body, key string
		code                  int
	}{
		{"no key", "/v1/completions", `{"prompt":"a"}`, "", 401},
		{"wrong key", "/v1/completions", `{"prompt":"a"}`, "nope", 401},
		{"bad json", "/v1/completions", `{"prompt":`, "secret", 400},
		{"unknown model", "/v1/completions", `{"model":"gpt-9","prompt":"a"}`, "secret", 404},
		{"empty prompt", "/v1/completions", `{"prompt":""}`, "secret", 400},
		{"prompt not a string", "/v1/completions", `{"prompt":{"x":1}}`, "secret", 400},
		{"too long", "/v1/completions", `{"prompt":"a","max_tokens":1000}`, "secret", 400},
		{"zero tokens", "/v1/completions", `{"prompt":"a","max_tokens":0}`, "secret", 400},
		{"no messages", "/v1/chat/completions", `{"messages":[]}`, "secret", 400},
		{"image part", "/v1/chat/completions", `{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, "secret", 400},
		{"no route", "/v1/embeddings", `{}`, "secret", 404},
	} {
		req, _ := http.NewRequest(http.MethodPost, l.URL+tc.path, strings.NewReader(tc.body))
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.code || e.Error.Message == "" {
			t.Errorf("%s: status %d (%q), want %d with a message", tc.name, resp.StatusCode, e.Error.Message, tc.code)
		}
	}
}

// Concurrent requests share forward passes, and a client that goes away
// frees its slot.
func TestBatchingAndCancel(t *testing.T) {
	// Tiny, not the test model: a test-model request is done in about a
	// millisecond, less than it can take a loaded machine to start the
	// next goroutine's request, and then no two ever overlap. 300 tokens
	// of Tiny each (100 took 29-39 ms alone on the 2-core development VM).
	lt := start(t, Options{Models: []Config{Tiny}})
	e := lt.Server.Engine(Tiny.Name)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(lt.URL+"/v1/completions", "application/json",
				strings.NewReader(`{"prompt":"batch me","max_tokens":300,"ignore_eos":true,"stream":true}`))
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	st := e.Stats()
	if st.PeakBatch < 2 || st.SeqSteps <= st.Passes {
		t.Errorf("4 concurrent requests never shared a pass: %+v", st)
	}

	// Cancel a long generation (3000 tokens of Tiny, seconds of work)
	// after its first token; the engine drops it at once.
	before := e.Stats().SeqSteps
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, lt.URL+"/v1/completions",
		strings.NewReader(`{"prompt":"x","max_tokens":3000,"ignore_eos":true,"stream":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	time.Sleep(300 * time.Millisecond)
	mid := e.Stats().SeqSteps
	time.Sleep(100 * time.Millisecond)
	if end := e.Stats().SeqSteps; end != mid || end-before >= 3000 {
		t.Errorf("engine kept generating for a cancelled request: %d steps, then %d", mid-before, end-before)
	}
}

// Closing the server with a stream in flight ends the stream and returns
// promptly.
func TestCloseWithOpenStream(t *testing.T) {
	l, err := StartLoopback(Options{Models: []Config{Tiny}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(l.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"x","max_tokens":3000,"ignore_eos":true,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = l.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung with a stream open")
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("stream ended cleanly after Close; want a cut connection")
	}
}
