package llm_bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/llmserver"
)

const testKey = "K-s3cret-7731"

// vllmLike answers /v1/models and /version as vLLM does, only with
// ?key=testKey (a gateway's key in the query string).
func vllmLike(t *testing.T, version bool, maxLen string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("key") != testKey {
			http.Error(w, "bad key in "+r.URL.String(), http.StatusUnauthorized)
			return
		}
		switch {
		case r.URL.Path == "/v1/models":
			fmt.Fprintf(w, `{"object":"list","data":[{"id":"Qwen/Qwen2.5-7B","object":"model","owned_by":"vllm"%s},{"id":"other","max_model_len":2048}]}`, maxLen)
		case r.URL.Path == "/version" && version:
			fmt.Fprint(w, `{"version":"0.8.5.post1"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func kvString(kvs []benchenv.KV) string {
	var b strings.Builder
	for _, kv := range kvs {
		fmt.Fprintf(&b, "%s: %s\n", kv.Key, kv.Value)
	}
	return b.String()
}

// An external server's model, context length and version become config
// lines; what it does not say is left out, with a note; the key in the
// URL's query never shows.
func TestExternalTarget(t *testing.T) {
	ctx := context.Background()
	srv := vllmLike(t, true, `,"max_model_len":32768`)
	c, kvs, notes, err := externalTarget(ctx, srv.URL+"/?key="+testKey, "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := "llm-target: " + srv.URL + "/?key=REDACTED\nllm-model: Qwen/Qwen2.5-7B\nllm-max-model-len: 32768\nllm-server-version: 0.8.5.post1\n"
	if got := kvString(kvs); got != want || len(notes) != 0 || c.Model != "Qwen/Qwen2.5-7B" {
		t.Errorf("vLLM-like: lines\n%s notes %q model %q; want\n%s", got, notes, c.Model, want)
	}
	// the configured model, not the first
	_, kvs, _, err = externalTarget(ctx, srv.URL+"/v1?key="+testKey, "other", "")
	if err != nil || !strings.Contains(kvString(kvs), "llm-model: other\nllm-max-model-len: 2048\n") {
		t.Errorf("TEEBENCH_LLM_MODEL=other: %v\n%s", err, kvString(kvs))
	}

	// no /version, no max_model_len: left out, with notes (no key in them)
	bare := vllmLike(t, false, "")
	_, kvs, notes, err = externalTarget(ctx, bare.URL+"?key="+testKey, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := kvString(kvs); got != "llm-target: "+bare.URL+"?key=REDACTED\nllm-model: Qwen/Qwen2.5-7B\n" ||
		len(notes) != 2 || !strings.Contains(notes[0], "no max_model_len") || !strings.Contains(notes[1], "HTTP 404") {
		t.Errorf("bare: lines\n%s notes %q", got, notes)
	}
	if strings.Contains(fmt.Sprint(notes, kvs), testKey) {
		t.Errorf("the key shows: %q %v", notes, kvs)
	}

	// failures name TEEBENCH_LLM_URL and not the key
	for _, tc := range []struct{ url, want string }{
		{"gpu:8000/?key=" + testKey, "TEEBENCH_LLM_URL"},
		{srv.URL + "/?key=wrong-" + testKey, "TEEBENCH_LLM_URL=" + srv.URL + "/?key=REDACTED: its models cannot be listed"},
		{"http://127.0.0.1:1/?key=" + testKey, "TEEBENCH_LLM_URL=http://127.0.0.1:1/?key=REDACTED"},
	} {
		_, _, _, err := externalTarget(ctx, tc.url, "", "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testKey) {
			t.Errorf("%s: err = %v, want one containing %q without the key", tc.url, err, tc.want)
		}
	}
}

// What a server says about itself cannot add config lines.
func TestConfigValue(t *testing.T) {
	for in, want := range map[string]string{
		"meta-llama/Llama-3.1-8B": "meta-llama/Llama-3.1-8B",
		"m\ntee: none":            "m_tee:_none",
		"":                        "_",
		strings.Repeat("x", 300):  strings.Repeat("x", 200) + "...",
	} {
		if got := configValue(in); got != want {
			t.Errorf("configValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkServe against a server at TEEBENCH_LLM_URL (the embedded one,
// behind a base URL with a query string) prints the server's identity as
// config lines before its rows.
func TestServeExternalIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs BenchmarkServe")
	}
	l, err := llmserver.StartLoopback(llmserver.Options{Models: []llmserver.Config{llmserver.Sizes["tiny"]}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkServe$//^concurrency=1$", "-test.benchtime=2x")
	cmd.Env = append(os.Environ(), "TEEBENCH_LLM_URL="+l.URL+"/v1?key="+testKey, "TEEBENCH_PROFILE=smoke", "TEEBENCH_LLM_MODEL=")
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	name := llmserver.Sizes["tiny"].Name
	want := regexp.MustCompile(`(?s)\nllm-target: ` + regexp.QuoteMeta(l.URL) + `/v1\?key=REDACTED\nllm-model: ` + regexp.QuoteMeta(name) +
		`\nllm-max-model-len: \d+\n.*\nBenchmarkServe/model=` + regexp.QuoteMeta(name) + `/concurrency=1\S*\s+2\s`)
	if !want.MatchString(out) || strings.Contains(out, testKey) || strings.Contains(out, "llm-server-version:") {
		t.Errorf("want the identity lines before the row, no version line (the embedded server has no /version), no key:\n%s", out)
	}
}
