package llmclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The API paths are joined to the base URL's path, before its query:
// TEEBENCH_LLM_URL=http://h/?key=K lists models at /v1/models?key=K, not
// at /?key=K/v1/models. A trailing / and /v1 are trimmed, a path prefix
// kept, a fragment dropped, and K never shows in an error.
func TestBaseURLJoin(t *testing.T) {
	const key = "K-s3cret-991"
	var mu sync.Mutex
	var seen []string // path?query of each request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		switch r.URL.Path {
		case "/v1/models", "/proxy/v1/models":
			fmt.Fprint(w, `{"object":"list","data":[{"id":"m","object":"model","max_model_len":4096}]}`)
		case "/v1/completions", "/proxy/v1/completions":
			fmt.Fprint(w, "data: {\"choices\":[{\"text\":\"a\"}]}\n\ndata: [DONE]\n\n")
		default:
			http.Error(w, "no such path "+r.URL.String(), http.StatusNotFound) // echoes the key
		}
	}))
	defer srv.Close()
	h := srv.URL // http://127.0.0.1:PORT
	tests := []struct {
		base, prefix, query string
	}{
		{h + "/?key=" + key, "", "key=" + key},
		{h + "?key=" + key, "", "key=" + key},
		{h + "/v1?key=" + key, "", "key=" + key},
		{h + "/v1/", "", ""},
		{h + "/v1/#frag", "", ""},
		{h + "/proxy/v1?key=" + key, "/proxy", "key=" + key},
		{h + "/proxy/", "/proxy", ""},
	}
	for _, tc := range tests {
		mu.Lock()
		seen = nil
		mu.Unlock()
		c := mustClient(t, tc.base, "")
		ms, err := c.ModelInfos(context.Background())
		if err != nil || len(ms) != 1 || ms[0] != (ModelInfo{ID: "m", MaxModelLen: 4096}) {
			t.Errorf("%s: models %+v, %v", tc.base, ms, err)
			continue
		}
		c.Model = ms[0].ID
		if o := c.Do(context.Background(), Request{Prompt: "x", PromptLen: 1, OutputLen: 1}); !o.Success {
			t.Errorf("%s: completion failed: %v", tc.base, o.Err)
		}
		want := []string{tc.prefix + "/v1/models?" + tc.query, tc.prefix + "/v1/completions?" + tc.query}
		mu.Lock()
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("%s: requests %q, want %q", tc.base, seen, want)
		}
		mu.Unlock()
		if strings.Contains(c.BaseURL(), key) {
			t.Errorf("BaseURL() = %q shows the key", c.BaseURL())
		}
	}

	// A path the server does not have: the error (which quotes the server's
	// answer, itself quoting the URL) never shows the key.
	c := mustClient(t, h+"/nope/?key="+key, "m")
	if _, err := c.ModelInfos(context.Background()); err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("unknown path: err = %v, want one without the key", err)
	}
	if o := c.Do(context.Background(), Request{Prompt: "x", PromptLen: 1, OutputLen: 1}); o.Success || strings.Contains(o.Err.Error(), key) {
		t.Errorf("unknown path: Do = %v, want a failure without the key", o.Err)
	}
	// An unreachable server: the transport error quotes the URL.
	down := mustClient(t, "http://127.0.0.1:1/?key="+key, "m")
	if _, err := down.ModelInfos(context.Background()); err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("unreachable: err = %v, want one without the key", err)
	}
	if _, _, _, err := down.Version(context.Background()); err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("unreachable version: err = %v, want one without the key", err)
	}
}

// A base URL without an http(s) scheme or a host is an error that names
// what is wrong and not the key.
func TestParseBaseURLBad(t *testing.T) {
	for _, raw := range []string{"", "h:8000/?key=K-s3cret", "127.0.0.1:8000", "ftp://h/", "http:///v1?key=K-s3cret", "http://h/%zz?key=K-s3cret", "/v1"} {
		if _, err := NewClient(raw, "m"); err == nil || strings.Contains(err.Error(), "K-s3cret") || !strings.Contains(err.Error(), "base URL") {
			t.Errorf("NewClient(%q): err = %v, want a base URL error without the key", raw, err)
		}
	}
}

// Version reads vLLM's GET /version beside /v1 (under a prefix too); a
// server without it answers 404, which is no error.
func TestVersion(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/proxy/version", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "key=K" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"version":"0.8.5"}`)
	})
	mux.HandleFunc("/text/version", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "v1") })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	v, ok, note, err := mustClient(t, srv.URL+"/proxy/v1?key=K", "m").Version(context.Background())
	if err != nil || !ok || v != "0.8.5" || note != "" {
		t.Errorf("vLLM-like: %q %v %q %v", v, ok, note, err)
	}
	v, ok, note, err = mustClient(t, srv.URL+"/?key=K", "m").Version(context.Background())
	if err != nil || ok || v != "" || !strings.Contains(note, "HTTP 404") || strings.Contains(note, "key=K") {
		t.Errorf("no endpoint: %q %v %q %v, want a 404 note without the key", v, ok, note, err)
	}
	v, ok, note, err = mustClient(t, srv.URL+"/text", "m").Version(context.Background())
	if err != nil || ok || v != "" || !strings.Contains(note, "no {\"version\"") {
		t.Errorf("not JSON: %q %v %q %v", v, ok, note, err)
	}
}
