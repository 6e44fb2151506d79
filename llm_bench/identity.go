package llm_bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/llmclient"
)

// externalTarget connects to the OpenAI-compatible server at rawURL
// (TEEBENCH_LLM_URL) and asks what it is. It returns the client, for model
// (or, when model is "", the server's first model), and the config lines
// that name the server, printed before llm_bench's rows so that two arms
// on different engines, versions or models differ in them:
//
//	llm-target:          the URL, credentials redacted
//	llm-model:           the model the requests name
//	llm-max-model-len:   its context length, from /v1/models (vLLM, SGLang)
//	llm-server-version:  GET /version (vLLM's), left out where there is none
//
// notes say what could not be recorded and why. Errors name
// TEEBENCH_LLM_URL, with credentials redacted.
func externalTarget(ctx context.Context, rawURL, model, key string) (c *llmclient.Client, kvs []benchenv.KV, notes []string, err error) {
	c, err = llmclient.NewClient(rawURL, model)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("TEEBENCH_LLM_URL: %w", err)
	}
	c.SetAPIKey(key)
	name := "TEEBENCH_LLM_URL=" + config.RedactURL(rawURL)
	kvs = append(kvs, benchenv.KV{Key: "llm-target", Value: configValue(config.RedactURL(rawURL))})
	ms, err := c.ModelInfos(ctx)
	switch {
	case err != nil && model == "":
		return nil, nil, nil, fmt.Errorf("%s: its models cannot be listed (set TEEBENCH_LLM_MODEL to skip this): %w", name, err)
	case err != nil:
		notes = append(notes, fmt.Sprintf("llm-max-model-len not recorded: %v", err))
	case len(ms) == 0 && model == "":
		return nil, nil, nil, fmt.Errorf("%s lists no models at /v1/models (set TEEBENCH_LLM_MODEL)", name)
	}
	if c.Model == "" {
		c.Model = ms[0].ID
	}
	kvs = append(kvs, benchenv.KV{Key: "llm-model", Value: configValue(c.Model)})
	if err == nil {
		found := false
		for _, m := range ms {
			if m.ID != c.Model {
				continue
			}
			found = true
			if m.MaxModelLen > 0 {
				kvs = append(kvs, benchenv.KV{Key: "llm-max-model-len", Value: strconv.FormatInt(m.MaxModelLen, 10)})
			} else {
				notes = append(notes, "llm-max-model-len not recorded: /v1/models gives no max_model_len")
			}
		}
		if !found {
			notes = append(notes, fmt.Sprintf("llm-max-model-len not recorded: /v1/models does not list %q", configValue(c.Model)))
		}
	}
	v, ok, note, err := c.Version(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if ok {
		kvs = append(kvs, benchenv.KV{Key: "llm-server-version", Value: configValue(v)})
	} else {
		notes = append(notes, "llm-server-version not recorded: "+note)
	}
	return c, kvs, notes, nil
}

// configValue makes what a server says about itself safe as the value of a
// config line: one line (spaces and control characters become _, which
// no model id or version needs), at most 200 bytes.
func configValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return '_'
		}
		return r
	}, s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "..."
	}
	if s == "" {
		return "_"
	}
	return s
}
