package llmserver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Options configures a Server.
type Options struct {
	// Models are served in this order; the first is the default when a
	// request names no model. Empty means just Tiny.
	Models []Config
	// APIKey, when set, is required as "Authorization: Bearer <key>".
	APIKey string
	// MaxBatch caps the sequences in one forward pass (0: 64).
	MaxBatch int
}

// Server is an OpenAI-compatible http.Handler over one Engine per model.
type Server struct {
	engines map[string]*Engine
	order   []string
	apiKey  string
	created int64
	ids     atomic.Int64
}

// New builds the models (weights are cached per process) and starts their
// engines. Close stops them.
func New(o Options) (*Server, error) {
	if len(o.Models) == 0 {
		o.Models = []Config{Tiny}
	}
	s := &Server{engines: map[string]*Engine{}, apiKey: o.APIKey, created: time.Now().Unix()}
	for _, c := range o.Models {
		if _, dup := s.engines[c.Name]; dup {
			s.Close()
			return nil, fmt.Errorf("llmserver: model %q listed twice", c.Name)
		}
		m, err := CachedModel(c)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.engines[c.Name] = NewEngine(m, o.MaxBatch)
		s.order = append(s.order, c.Name)
	}
	return s, nil
}

// Engine returns the engine serving model name, or nil.
func (s *Server) Engine(name string) *Engine { return s.engines[name] }

// Stats returns the counters of the engine serving model name (with its
// WeightBytes), or an error naming the model when the server has none.
func (s *Server) Stats(name string) (Stats, error) {
	e := s.engines[name]
	if e == nil {
		return Stats{}, fmt.Errorf("llmserver: no model %q (serving %v)", name, s.order)
	}
	return e.Stats(), nil
}

// Close stops every engine.
func (s *Server) Close() {
	for _, e := range s.engines {
		e.Close()
	}
}

// Loopback is a Server listening on 127.0.0.1.
type Loopback struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no /v1).
	URL string
	// Server is the handler; Server.Stats gives its engines' counters.
	Server *Server
	hs     *http.Server
	done   chan struct{}
}

// StartLoopback starts a Server on a free loopback port.
func StartLoopback(o Options) (*Loopback, error) {
	s, err := New(o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("llmserver: listen on loopback: %w", err)
	}
	l := &Loopback{URL: "http://" + ln.Addr().String(), Server: s, hs: &http.Server{Handler: s}, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		_ = l.hs.Serve(ln) // returns ErrServerClosed on Close
	}()
	return l, nil
}

// Close stops accepting, ends open streams, and stops the engines.
func (l *Loopback) Close() error {
	err := l.hs.Close()
	<-l.done
	l.Server.Close()
	return err
}

// ServeHTTP routes /v1/models, /v1/completions and /v1/chat/completions.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.apiKey != "" {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.apiKey)) != 1 {
			apiError(w, http.StatusUnauthorized, "invalid or missing API key")
			return
		}
	}
	switch r.URL.Path {
	case "/v1/models":
		if r.Method != http.MethodGet {
			apiError(w, http.StatusMethodNotAllowed, "use GET")
			return
		}
		s.models(w)
	case "/v1/completions":
		s.generate(w, r, false)
	case "/v1/chat/completions":
		s.generate(w, r, true)
	default:
		apiError(w, http.StatusNotFound, "no route "+r.URL.Path)
	}
}

func apiError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": http.StatusText(code), "code": code}})
}

func (s *Server) models(w http.ResponseWriter) {
	type model struct {
		ID          string `json:"id"`
		Object      string `json:"object"`
		Created     int64  `json:"created"`
		OwnedBy     string `json:"owned_by"`
		MaxModelLen int    `json:"max_model_len"`
	}
	var data []model
	for _, n := range s.order {
		data = append(data, model{n, "model", s.created, "teebench", s.engines[n].m.MaxSeq})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

// request holds the fields of both endpoints that the server uses. Other
// fields (temperature, top_p ...) are accepted and ignored: decoding is
// always greedy.
type request struct {
	Model               string          `json:"model"`
	Prompt              json.RawMessage `json:"prompt"`
	Messages            []message       `json:"messages"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Stream              bool            `json:"stream"`
	StreamOptions       struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	IgnoreEOS bool `json:"ignore_eos"`
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text returns a message's content: a string, or the concatenated text
// parts of a list of {"type":"text","text":...}.
func (m message) text() (string, error) {
	var s string
	if err := json.Unmarshal(m.Content, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", fmt.Errorf("message content is neither a string nor a list of parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("content part type %q not supported (text only)", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

// ChatTemplate renders chat messages as the prompt text the model sees.
func ChatTemplate(roles, contents []string) string {
	var b strings.Builder
	for i := range roles {
		b.WriteString(roles[i])
		b.WriteString(": ")
		b.WriteString(contents[i])
		b.WriteString("\n")
	}
	b.WriteString("assistant: ")
	return b.String()
}

func (r *request) promptText(chat bool) (string, error) {
	if chat {
		if len(r.Messages) == 0 {
			return "", errors.New("messages is empty")
		}
		var roles, contents []string
		for _, m := range r.Messages {
			t, err := m.text()
			if err != nil {
				return "", err
			}
			roles, contents = append(roles, m.Role), append(contents, t)
		}
		return ChatTemplate(roles, contents), nil
	}
	var s string
	if err := json.Unmarshal(r.Prompt, &s); err == nil {
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(r.Prompt, &list); err == nil && len(list) == 1 {
		return list[0], nil
	}
	return "", errors.New("prompt must be a string (or a list of one string)")
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type choice struct {
	Index        int             `json:"index"`
	Text         *string         `json:"text,omitempty"`
	Delta        *delta          `json:"delta,omitempty"`
	Message      *delta          `json:"message,omitempty"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

type delta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

type chunk struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

func (s *Server) generate(w http.ResponseWriter, hr *http.Request, chat bool) {
	if hr.Method != http.MethodPost {
		apiError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	var req request
	dec := json.NewDecoder(http.MaxBytesReader(w, hr.Body, 64<<20))
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return
	}
	name := req.Model
	if name == "" {
		name = s.order[0]
	}
	e, ok := s.engines[name]
	if !ok {
		apiError(w, http.StatusNotFound, fmt.Sprintf("model %q does not exist (have %s)", name, strings.Join(s.order, ", ")))
		return
	}
	text, err := req.promptText(chat)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	maxTokens := 16
	if req.MaxTokens != nil {
		maxTokens = *req.MaxTokens
	}
	if chat && req.MaxCompletionTokens != nil {
		maxTokens = *req.MaxCompletionTokens
	}
	prompt := make([]int, len(text))
	for i := range len(text) {
		prompt[i] = int(text[i])
	}
	ctx, cancel := context.WithCancel(hr.Context())
	defer cancel()
	toks, err := e.Generate(ctx, prompt, maxTokens, req.IgnoreEOS)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	id := fmt.Sprintf("cmpl-%d", s.ids.Add(1))
	object := "text_completion"
	if chat {
		id, object = "chat"+id, "chat.completion.chunk"
	}
	base := chunk{ID: id, Object: object, Created: time.Now().Unix(), Model: name}
	u := usage{PromptTokens: len(prompt)}
	if !req.Stream {
		var out strings.Builder
		var finish string
		for t := range toks {
			if t.Err != nil {
				apiError(w, http.StatusInternalServerError, t.Err.Error())
				return
			}
			u.CompletionTokens++
			if t.ID != EOS {
				out.WriteByte(byte(t.ID))
			}
			finish = t.Finish
		}
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
		txt := out.String()
		c := choice{FinishReason: &finish}
		if chat {
			base.Object = "chat.completion"
			c.Message = &delta{Role: "assistant", Content: txt}
		} else {
			c.Text = &txt
		}
		base.Choices, base.Usage = []choice{c}, &u
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(base)
		return
	}
	fl, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(c chunk) error {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return err
		}
		if fl != nil {
			fl.Flush()
		}
		return nil
	}
	for t := range toks {
		if t.Err != nil {
			// Headers are sent: end the stream without [DONE] so the client
			// sees an incomplete response.
			return
		}
		u.CompletionTokens++
		txt := ""
		if t.ID != EOS {
			txt = string(rune(t.ID))
		}
		c := choice{}
		if t.Finish != "" {
			f := t.Finish
			c.FinishReason = &f
		}
		if chat {
			d := &delta{Content: txt}
			if u.CompletionTokens == 1 {
				d.Role = "assistant"
			}
			c.Delta = d
		} else {
			c.Text = &txt
		}
		out := base
		out.Choices = []choice{c}
		if err := send(out); err != nil {
			return // client went away; ctx cancel drops the sequence
		}
	}
	if req.StreamOptions.IncludeUsage {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
		out := base
		out.Choices, out.Usage = []choice{}, &u
		if send(out) != nil {
			return
		}
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}
