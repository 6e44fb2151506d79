package tee

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/config"
)

// The dstack guest agent, for every TEE dstack runs on. Inside a dstack CVM
// (Phala Cloud) a container has no guest device and no configfs-tsm; it
// gets evidence from the guest agent over a unix socket that the compose
// file mounts. The agent speaks JSON over HTTP: POST /GetQuote
// {"report_data": hex} returns {"quote": hex, "event_log": JSON text, ...}
// (a TDX quote; empty on other platforms); POST /Attest {"report_data":
// hex} returns {"attestation": hex}, dstack's versioned attestation of any
// platform (dstack_attest.go decodes it); POST /Info returns app_id,
// compose_hash, os_image_hash, tcb_info and more. See Dstack-TEE/dstack
// sdk/curl/api.md.

// AgentSockets are the guest agent's socket paths, tried in this order (as
// dstack's SDKs do: legacy paths first, then the namespaced ones).
var AgentSockets = []string{
	"/var/run/dstack.sock",
	"/run/dstack.sock",
	"/var/run/dstack/dstack.sock",
	"/run/dstack/dstack.sock",
}

// ViaAgent is the Detection.Interface (and the manifest's quote or report
// source) of evidence from the dstack guest agent, for every Kind.
const ViaAgent = "dstack-guest-agent"

// AgentFor returns the guest agent that k's evidence comes from on this
// machine: the agent, when k's Detect (under Root) names it as the
// evidence interface; ok is false otherwise (a device, configfs-tsm, a
// simulator, not a guest).
func AgentFor(k Kind) (a *Agent, ok bool) {
	if k.Detect(Root).Interface != ViaAgent {
		return nil, false
	}
	return FindAgent()
}

// SimulatorEnv names the variable that points at a dstack simulator (a unix
// socket path or an http:// URL). Its quotes are labelled simulated and are
// never counted as evidence.
const SimulatorEnv = "DSTACK_SIMULATOR_ENDPOINT"

// AgentTimeout bounds each request to the guest agent, so that a socket
// that accepts but never answers fails the run with a clear error instead
// of hanging it.
const AgentTimeout = 8 * time.Second

// Agent is a dstack guest agent endpoint.
type Agent struct {
	// Endpoint is a unix socket path or an http(s):// URL.
	Endpoint string
	// Simulated is true when the endpoint came from DSTACK_SIMULATOR_ENDPOINT.
	Simulated bool

	base   string
	client *http.Client
}

// FindAgent returns the guest agent as dstack's SDKs find it:
// DSTACK_SIMULATOR_ENDPOINT when set (Simulated), else the first of
// AgentSockets that exists under Root. ok is false when there is none.
func FindAgent() (a *Agent, ok bool) {
	if ep, set := os.LookupEnv(SimulatorEnv); set && ep != "" {
		return NewAgent(ep, true), true
	}
	if p := agentSocket(Root); p != "" {
		return NewAgent(filepath.Join(Root, p), false), true
	}
	return nil, false
}

// agentSocket returns the first of AgentSockets under root that is a
// socket, as its path outside root ("" when none is).
func agentSocket(root string) string {
	for _, p := range AgentSockets {
		if fi, err := os.Stat(filepath.Join(root, p)); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return p
		}
	}
	return ""
}

// NewAgent returns a client for the guest agent at endpoint (a unix socket
// path or an http(s):// URL).
func NewAgent(endpoint string, simulated bool) *Agent {
	a := &Agent{Endpoint: endpoint, Simulated: simulated}
	if strings.HasPrefix(endpoint, "http://") || strings.HasPrefix(endpoint, "https://") {
		a.base = strings.TrimSuffix(endpoint, "/")
		a.client = &http.Client{Timeout: AgentTimeout}
		return a
	}
	a.base = "http://localhost"
	a.client = &http.Client{
		Timeout: AgentTimeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", endpoint)
			},
		},
	}
	return a
}

// Label is the attestation label stored with the evidence: "simulated" for
// a DSTACK_SIMULATOR_ENDPOINT agent, else "dstack-guest-agent".
func (a *Agent) Label() string {
	if a.Simulated {
		return "simulated"
	}
	return "dstack-guest-agent"
}

// call POSTs payload to path and returns the response body.
func (a *Agent) call(ctx context.Context, path string, payload any) ([]byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, AgentTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("tee: guest agent %s: %s", a.Redacted(), config.RedactText(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err) {
			return nil, fmt.Errorf("tee: guest agent %s did not answer %s within %v (is the dstack guest agent running, and is its socket mounted?): %s", a.Redacted(), path, AgentTimeout, config.RedactText(err.Error()))
		}
		return nil, fmt.Errorf("tee: guest agent %s: %s: %s", a.Redacted(), path, config.RedactText(err.Error()))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("tee: guest agent %s: reading the %s response: %w", a.Redacted(), path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tee: guest agent %s: %s returned %s: %s", a.Redacted(), path, resp.Status, oneLine(b, 300))
	}
	return b, nil
}

// oneLine shortens an agent's error body for a message.
func oneLine(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// AgentQuote is the guest agent's answer to GetQuote.
type AgentQuote struct {
	// Quote is the raw TDX quote.
	Quote []byte
	// EventLog is the event log as the agent sent it (a JSON array).
	EventLog []byte
}

// GetQuote asks the agent for a quote over reportData.
func (a *Agent) GetQuote(ctx context.Context, reportData [64]byte) (*AgentQuote, error) {
	var r struct {
		Quote    string `json:"quote"`
		EventLog string `json:"event_log"`
	}
	q, err := a.callHex(ctx, "/GetQuote", "quote", reportData, &r, func() string { return r.Quote })
	if err != nil {
		return nil, err
	}
	return &AgentQuote{Quote: q, EventLog: []byte(r.EventLog)}, nil
}

// Attest asks the agent for its versioned attestation over reportData
// (/Attest) and returns the decoded bytes.
func (a *Agent) Attest(ctx context.Context, reportData [64]byte) ([]byte, error) {
	var r struct {
		Attestation string `json:"attestation"`
	}
	return a.callHex(ctx, "/Attest", "attestation", reportData, &r, func() string { return r.Attestation })
}

// callHex posts reportData to path, decodes the JSON response into resp and
// returns the hex field that field reads from it, decoded; an empty or
// non-hex field is an error naming what (a quote, an attestation) is missing.
func (a *Agent) callHex(ctx context.Context, path, what string, reportData [64]byte, resp any, field func() string) ([]byte, error) {
	b, err := a.call(ctx, path, map[string]string{"report_data": hex.EncodeToString(reportData[:])})
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, resp); err != nil {
		return nil, fmt.Errorf("tee: guest agent %s: %s response: %w", a.Redacted(), path, err)
	}
	v, err := hex.DecodeString(field())
	if err != nil || len(v) == 0 {
		return nil, fmt.Errorf("tee: guest agent %s: %s returned no hex %s (%q)", a.Redacted(), path, what, oneLine([]byte(field()), 40))
	}
	return v, nil
}

// AgentInfo is what scripts/verify reads from the agent's /Info answer, and
// the extract of it that attest stores (AgentInfoPath): the identity fields
// only, never the raw answer, whose tcb_info carries the whole compose file
// (and any secret written in it). The compose file is kept (AppCompose) only
// when KeepComposeEnv is 1.
type AgentInfo struct {
	AppID       string `json:"app_id"`
	InstanceID  string `json:"instance_id"`
	AppName     string `json:"app_name"`
	ComposeHash string `json:"compose_hash"`
	OSImageHash string `json:"os_image_hash"`
	// TCBInfo is the raw answer's JSON document (MRTD, RTMRs, event log,
	// app compose); attest no longer stores it (files written before may
	// hold it).
	TCBInfo string `json:"tcb_info,omitempty"`
	// AppCompose is tcb_info's app_compose, stored only with KeepComposeEnv.
	AppCompose string `json:"app_compose,omitempty"`
}

// KeepComposeEnv names the variable that, set to 1, keeps the compose file
// in the stored /Info extract (it is then checked against the measured
// compose hash). Off by default: a compose file may hold secrets, and the
// extract is printed to the container log.
const KeepComposeEnv = "TEEBENCH_KEEP_COMPOSE"

// Compose returns the compose file the extract holds ("" when none).
func (ai *AgentInfo) Compose() string {
	if ai.AppCompose != "" || ai.TCBInfo == "" {
		return ai.AppCompose
	}
	var t struct {
		AppCompose string `json:"app_compose"`
	}
	if json.Unmarshal([]byte(ai.TCBInfo), &t) != nil {
		return ""
	}
	return t.AppCompose
}

// Extract returns the fields of ai that attest stores: the identity values,
// and the compose file only when keepCompose.
func (ai *AgentInfo) Extract(keepCompose bool) []byte {
	e := AgentInfo{AppID: ai.AppID, InstanceID: ai.InstanceID, AppName: ai.AppName, ComposeHash: ai.ComposeHash, OSImageHash: ai.OSImageHash}
	if keepCompose {
		e.AppCompose = ai.Compose()
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return append(b, '\n')
}

// Info asks the agent for the app's identity and returns its parsed fields.
func (a *Agent) Info(ctx context.Context) (*AgentInfo, error) {
	b, err := a.call(ctx, "/Info", map[string]string{})
	if err != nil {
		return nil, err
	}
	var info AgentInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("tee: guest agent %s: /Info response: %w", a.Redacted(), err)
	}
	return &info, nil
}

// Redacted is the endpoint with any user:password@ or query values
// replaced (config.RedactURL), for output and stored files.
func (a *Agent) Redacted() string { return config.RedactURL(a.Endpoint) }

// Evidence files a guest-agent attestation stores beside a result file.

// EventLogPath is where the agent's event log for a result's quote goes.
func EventLogPath(resultPath string) string { return resultPath + TDXEventLogSuffix }

// AgentInfoPath is where the agent's /Info answer goes.
func AgentInfoPath(resultPath string) string { return resultPath + ".dstack-info.json" }

// SourcePath is the small text file that says where the quote came from
// (`attestation: dstack-guest-agent` or `attestation: simulated`).
func SourcePath(resultPath string) string { return resultPath + ".attestation" }
