package llmclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/config"
)

// Endpoint is an OpenAI-compatible streaming API path.
type Endpoint string

const (
	// Completions is /v1/completions (vLLM bench serve --backend openai).
	Completions Endpoint = "/v1/completions"
	// Chat is /v1/chat/completions (--backend openai-chat).
	Chat Endpoint = "/v1/chat/completions"
)

// apiKey is behind a pointer so that printing a Client with %v or %+v shows
// an address, never the key.
type apiKey struct{ v string }

// Client sends streaming requests to one model of one server.
type Client struct {
	// Model is the "model" field of every request.
	Model string
	// Endpoint is Completions (default) or Chat.
	Endpoint Endpoint
	// Timeout bounds each request from send to the end of its stream; a
	// stalled stream fails with reason "timeout". 0 means no limit.
	Timeout time.Duration
	// HTTP is the client used; nil means a client with no overall timeout
	// and enough idle connections per host for high concurrency.
	HTTP *http.Client

	key  *apiKey
	base *url.URL // ParseBaseURL's result: the API paths are joined to it
}

// NewClient returns a Client for the server at baseURL (see ParseBaseURL)
// and model.
func NewClient(baseURL, model string) (*Client, error) {
	base, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	return &Client{Model: model, Endpoint: Completions, base: base}, nil
}

// ParseBaseURL parses the base URL of an OpenAI-compatible server:
// http://host:8000, with or without a trailing / or /v1, with a path prefix
// (http://gw/proxy/v1) and a query string (http://h/?key=K: a gateway's
// key). The API paths are joined to its path, its query kept for every
// request and any fragment dropped, so http://h/v1?key=K lists models at
// http://h/v1/models?key=K. A URL without an http(s) scheme or a host is
// an error; errors show the URL with its credentials redacted.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the URL: say what is wrong without it
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		// not shown: an unparsed URL's credentials cannot be told apart
		return nil, fmt.Errorf("llmclient: base URL does not parse: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("llmclient: base URL %s: want http://host[:port][/prefix], with an http or https scheme and a host", config.RedactURL(raw))
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1")
	u.RawPath = ""
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// BaseURL returns the server's base URL as the client joins paths to it
// (no trailing /v1), with credentials redacted: for messages.
func (c *Client) BaseURL() string { return config.RedactURL(c.base.String()) }

// SetAPIKey sets the bearer token. The key is only ever written into the
// Authorization header; it is not part of any output, error or log line.
func (c *Client) SetAPIKey(k string) {
	if k == "" {
		c.key = nil
		return
	}
	c.key = &apiKey{k}
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:               http.ProxyFromEnvironment,
	MaxIdleConns:        4096,
	MaxIdleConnsPerHost: 4096,
	IdleConnTimeout:     90 * time.Second,
}}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// url joins path (an API path such as /v1/models) to the base URL's path,
// keeping its query.
func (c *Client) url(path string) string {
	u := *c.base
	u.Path += path
	return u.String()
}

func (c *Client) newRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != nil {
		req.Header.Set("Authorization", "Bearer "+c.key.v)
	}
	return req, nil
}

// Models lists the model ids of GET /v1/models. Its errors never show
// credentials (see redact).
func (c *Client) Models(ctx context.Context) ([]string, error) {
	ms, err := c.ModelInfos(ctx)
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids, err
}

// ModelInfo is what GET /v1/models says about one model.
type ModelInfo struct {
	// ID is the model's id, the "model" field of requests.
	ID string
	// MaxModelLen is the context length the server was started with
	// (vLLM's and SGLang's max_model_len); 0 when the server does not say.
	MaxModelLen int64
}

// ModelInfos lists the models of GET /v1/models, with what the server
// says about each. Its errors never show credentials (see redact).
func (c *Client) ModelInfos(ctx context.Context) ([]ModelInfo, error) {
	ms, err := c.modelInfos(ctx)
	return ms, c.redact(err)
}

func (c *Client) modelInfos(ctx context.Context) ([]ModelInfo, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/models", nil)
	if err != nil {
		return nil, fmt.Errorf("llmclient: list models: %w", err)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("llmclient: list models at %s: %w", c.url("/v1/models"), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("llmclient: list models at %s: HTTP %d: %s", c.url("/v1/models"), resp.StatusCode, errorBody(resp.Body))
	}
	var list struct {
		Data []struct {
			ID          string `json:"id"`
			MaxModelLen int64  `json:"max_model_len"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("llmclient: list models at %s: bad JSON: %w", c.url("/v1/models"), err)
	}
	var ms []ModelInfo
	for _, d := range list.Data {
		ms = append(ms, ModelInfo{ID: d.ID, MaxModelLen: max(d.MaxModelLen, 0)})
	}
	return ms, nil
}

// Version returns what the server's version endpoint says (GET /version
// beside /v1, vLLM's: {"version": "0.8.5"}). ok is false, with a note
// saying why, when the server has no such endpoint or answers something
// else (a status other than 200, not that JSON); err is set only when the
// server cannot be reached. Errors and notes never show credentials.
func (c *Client) Version(ctx context.Context) (version string, ok bool, note string, err error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/version", nil)
	if err != nil {
		return "", false, "", c.redact(fmt.Errorf("llmclient: version: %w", err))
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return "", false, "", c.redact(fmt.Errorf("llmclient: version at %s: %w", c.url("/version"), err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", false, c.redact(fmt.Errorf("%s: HTTP %d", c.url("/version"), resp.StatusCode)).Error(), nil
	}
	var v struct {
		Version string `json:"version"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&v); err != nil || v.Version == "" {
		return "", false, c.redact(fmt.Errorf("%s: no {\"version\": ...} document", c.url("/version"))).Error(), nil
	}
	return v.Version, true, "", nil
}

// redact replaces the API key in err's message (a server may echo request
// headers in an error body) and the credentials of every URL in it
// (config.RedactText: userinfo, query values), so that logged errors never
// show them. The result still wraps err.
func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := config.RedactText(err.Error())
	if c.key != nil && c.key.v != "" {
		msg = strings.ReplaceAll(msg, c.key.v, "<redacted>")
	}
	// A server may echo the path and query without scheme and host, which
	// RedactText does not see as a URL: the base URL's query values and
	// password go wherever they appear (values under 3 bytes would blank
	// out unrelated text and are no credentials).
	for _, v := range c.secrets() {
		msg = strings.ReplaceAll(msg, v, config.Redacted)
	}
	if msg == err.Error() {
		return err
	}
	return &config.RedactedError{Msg: msg, Err: err}
}

// secrets returns the base URL's query values (raw and decoded) and
// password, for redact.
func (c *Client) secrets() []string {
	if c.base == nil {
		return nil
	}
	var vs []string
	add := func(v string) {
		if len(v) >= 3 {
			vs = append(vs, v)
		}
	}
	for _, kv := range strings.Split(c.base.RawQuery, "&") {
		if _, v, ok := strings.Cut(kv, "="); ok {
			add(v)
			if d, err := url.QueryUnescape(v); err == nil && d != v {
				add(d)
			}
		}
	}
	if pw, ok := c.base.User.Password(); ok {
		add(pw)
	}
	return vs
}

func errorBody(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	return strings.TrimSpace(string(b))
}

// Request is one prompt of a dataset.
type Request struct {
	// Prompt is the text sent (as "prompt", or as the user message).
	Prompt string
	// PromptLen is the prompt's length in tokens as the dataset built it;
	// the server's usage.prompt_tokens replaces it when sent.
	PromptLen int
	// OutputLen is max_tokens (max_completion_tokens for chat).
	OutputLen int
	// IgnoreEOS asks the server to generate exactly OutputLen tokens
	// (vLLM's ignore_eos extension).
	IgnoreEOS bool
}

// Failure reasons of Output.Reason.
const (
	ReasonHTTP      = "http-status"   // non-200 response (Err has the code)
	ReasonTransport = "transport"     // connect or send failed
	ReasonTimeout   = "timeout"       // Client.Timeout expired (stalled stream)
	ReasonDropped   = "dropped"       // stream ended before data: [DONE]
	ReasonMalformed = "malformed-sse" // a line that is not SSE or not JSON
	ReasonServerErr = "server-error"  // an {"error": ...} event in the stream
	ReasonNoTokens  = "no-tokens"     // [DONE] before any chunk with choices
	ReasonCanceled  = "canceled"      // the run's context was cancelled
)

// Output is the measurement of one request, with vLLM's per-request
// definitions (vllm/benchmarks/lib/endpoint_request_func.py):
//   - start = just before the POST;
//   - TTFT = arrival of the first data chunk with non-empty "choices" - start;
//   - ITL = the gaps between consecutive chunks with choices;
//   - Latency (E2EL) = arrival of the last chunk with choices - start (for
//     Chat, of the last data chunk, as vLLM's chat function does).
type Output struct {
	// Success is false when the request failed; Reason and Err say why.
	Success bool
	Reason  string
	Err     error
	// Start is when the request was sent.
	Start time.Time
	TTFT  time.Duration
	// ITL are the gaps between chunks (one fewer than Chunks).
	ITL     []time.Duration
	Latency time.Duration
	// Chunks counts data chunks with non-empty choices.
	Chunks int
	// OutputTokens is usage.completion_tokens when the server sent usage
	// (TokensFromUsage), otherwise the number of chunks that carried text
	// (vLLM re-tokenizes the text instead; a role-only first chat chunk or
	// an empty end-of-sequence chunk is not a token of the text).
	OutputTokens    int
	TokensFromUsage bool
	// PromptLen is usage.prompt_tokens when sent, else Request.PromptLen.
	PromptLen int
	// Text is the generated text.
	Text string
}

func (c *Client) body(r Request) ([]byte, error) {
	p := map[string]any{
		"model":          c.Model,
		"temperature":    0.0,
		"stream":         true,
		"stream_options": map[string]any{"include_usage": true},
	}
	if c.Endpoint == Chat {
		p["messages"] = []map[string]any{{"role": "user", "content": r.Prompt}}
		p["max_completion_tokens"] = r.OutputLen
	} else {
		p["prompt"] = r.Prompt
		p["max_tokens"] = r.OutputLen
	}
	if r.IgnoreEOS {
		p["ignore_eos"] = true
	}
	return json.Marshal(p)
}

// maxLine bounds one SSE line; a longer one is malformed.
const maxLine = 1 << 20

// Do sends r and reads its stream to the end. It never panics on a bad
// server and returns when the stream ends, fails or Timeout expires.
func (c *Client) Do(ctx context.Context, r Request) Output {
	out := Output{PromptLen: r.PromptLen}
	fail := func(reason string, err error) Output {
		out.Success, out.Reason, out.Err = false, reason, c.redact(err)
		return out
	}
	body, err := c.body(r)
	if err != nil {
		return fail(ReasonTransport, fmt.Errorf("encode request: %w", err))
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = Completions
	}
	req, err := c.newRequest(ctx, http.MethodPost, string(endpoint), body)
	if err != nil {
		return fail(ReasonTransport, err)
	}
	reasonOf := func(err error, otherwise string) string {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return ReasonTimeout
		case ctx.Err() != nil:
			return ReasonCanceled
		}
		return otherwise
	}

	out.Start = time.Now()
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fail(reasonOf(err, ReasonTransport), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(ReasonHTTP, fmt.Errorf("HTTP %d: %s", resp.StatusCode, errorBody(resp.Body)))
	}
	// A server that answers with a whole JSON document (no streaming) is
	// named as such, not reported as a dropped stream. Other types are let
	// through to the line parser, which names the first line that is not
	// SSE (servers and proxies often send SSE as text/plain).
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" || strings.HasSuffix(mt, "+json") {
			return fail(ReasonMalformed, fmt.Errorf("not an SSE stream (Content-Type %s): %s", ct, errorBody(resp.Body)))
		}
	}

	var (
		text       strings.Builder
		last       time.Time // most recent counted timestamp
		done       bool
		usageOut   = -1
		textChunks int // chunks that carried text
	)
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	for !done {
		line, err := readLine(br)
		now := time.Now()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fail(reasonOf(err, ReasonDropped), errors.New("stream ended before data: [DONE]"))
			}
			if errors.Is(err, errLineTooLong) {
				return fail(ReasonMalformed, err)
			}
			return fail(reasonOf(err, ReasonDropped), fmt.Errorf("reading stream: %w", err))
		}
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0, line[0] == ':':
			continue // event separator, or SSE comment (keep-alive ping)
		case bytes.HasPrefix(line, []byte("event:")), bytes.HasPrefix(line, []byte("id:")), bytes.HasPrefix(line, []byte("retry:")):
			continue
		case !bytes.HasPrefix(line, []byte("data:")):
			return fail(ReasonMalformed, fmt.Errorf("not an SSE line: %.80q", line))
		}
		data := bytes.TrimSpace(line[len("data:"):])
		if string(data) == "[DONE]" {
			done = true
			break
		}
		var ev struct {
			Choices []struct {
				Text  *string `json:"text"`
				Delta *struct {
					Content *string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
			Usage *struct {
				PromptTokens     *int `json:"prompt_tokens"`
				CompletionTokens *int `json:"completion_tokens"`
			} `json:"usage"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			return fail(ReasonMalformed, fmt.Errorf("data is not JSON (%v): %.80q", err, data))
		}
		if len(ev.Error) > 0 && string(ev.Error) != "null" {
			return fail(ReasonServerErr, fmt.Errorf("error event: %.200s", ev.Error))
		}
		if len(ev.Choices) > 0 {
			if out.Chunks == 0 {
				out.TTFT = now.Sub(out.Start)
			} else {
				out.ITL = append(out.ITL, now.Sub(last))
			}
			out.Chunks++
			last = now
			ch := ev.Choices[0]
			var piece string
			if ch.Text != nil {
				piece = *ch.Text
			} else if ch.Delta != nil && ch.Delta.Content != nil {
				piece = *ch.Delta.Content
			}
			if piece != "" {
				textChunks++
				text.WriteString(piece)
			}
		} else if ev.Usage != nil {
			if ev.Usage.CompletionTokens != nil {
				usageOut = *ev.Usage.CompletionTokens
			}
			if ev.Usage.PromptTokens != nil {
				out.PromptLen = *ev.Usage.PromptTokens
			}
			if endpoint == Chat && out.Chunks > 0 {
				last = now // vLLM's chat function moves the timestamp on every data chunk
			}
		}
	}
	if out.Chunks == 0 {
		return fail(ReasonNoTokens, errors.New("never received a chunk with choices"))
	}
	out.Latency = last.Sub(out.Start)
	out.Text = text.String()
	out.OutputTokens = textChunks
	if usageOut >= 0 {
		out.OutputTokens, out.TokensFromUsage = usageOut, true
	}
	out.Success = true
	return out
}

var errLineTooLong = fmt.Errorf("SSE line longer than %d bytes", maxLine)

// readLine returns the next line without its newline. A final line without
// a newline is returned with io.EOF only if it is empty.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		buf = append(buf, frag...)
		if len(buf) > maxLine {
			return nil, errLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(buf) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return buf, nil
	}
}
