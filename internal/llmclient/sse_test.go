package llmclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server that answers 200 with a plain JSON completion (no streaming) is
// reported as not an SSE stream, naming its Content-Type, not as a
// dropped stream.
func TestNotSSE(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"hello"}]}`))
	}))
	defer srv.Close()
	o := mustClient(t, srv.URL, "m").Do(context.Background(), Request{Prompt: "hi", PromptLen: 1, OutputLen: 2})
	if o.Success || o.Reason != ReasonMalformed || o.Err == nil ||
		!strings.Contains(o.Err.Error(), "not an SSE stream (Content-Type application/json)") {
		t.Errorf("got success=%v reason=%q err=%v", o.Success, o.Reason, o.Err)
	}
	if o.Err != nil && strings.Contains(o.Err.Error(), "EOF") {
		t.Errorf("reported as a dropped stream: %v", o.Err)
	}
}
