package attest

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/tee"
	"github.com/teebench/teebench/internal/tee/tdxtest"
)

// fakeAgent is a dstack guest agent on a unix socket: GetQuote answers with
// quote(report data) and the event log, Info with info. A non-empty
// quoteErr or infoErr makes that endpoint fail with HTTP 500.
type fakeAgent struct {
	quote             func(rd [64]byte) []byte
	eventLog          string
	info              string
	quoteErr, infoErr string
	requests          []string
}

func (f *fakeAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	switch r.URL.Path {
	case "/GetQuote":
		if f.quoteErr != "" {
			http.Error(w, f.quoteErr, http.StatusInternalServerError)
			return
		}
		var req struct {
			ReportData string `json:"report_data"`
		}
		b, err := hex.DecodeString(func() string { json.NewDecoder(r.Body).Decode(&req); return req.ReportData }())
		if err != nil || len(b) != 64 {
			http.Error(w, "bad report_data", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{
			"quote": hex.EncodeToString(f.quote([64]byte(b))), "event_log": f.eventLog, "report_data": req.ReportData,
		})
	case "/Info":
		if f.infoErr != "" {
			http.Error(w, f.infoErr, http.StatusInternalServerError)
			return
		}
		w.Write([]byte(f.info))
	default:
		http.NotFound(w, r)
	}
}

// serveUnix serves h on a fresh unix socket and returns its path; the server
// stops at the end of the test.
func serveUnix(t *testing.T, h http.Handler) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "agent") // short: sun_path holds 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "dstack.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock
}

// useAgent makes FindAgent see only sock (as the real socket), or the
// simulator when simulated.
func useAgent(t *testing.T, sock string, simulated bool) {
	t.Helper()
	saved := tee.AgentSockets
	t.Cleanup(func() { tee.AgentSockets = saved })
	if simulated {
		tee.AgentSockets = nil
		t.Setenv(tee.SimulatorEnv, sock)
	} else {
		tee.AgentSockets = []string{sock}
		t.Setenv(tee.SimulatorEnv, "")
	}
}

// dstackLog is an event log in the guest agent's format: a boot event with
// its digest, an EV_NO_ACTION event (never extended) and dstack's runtime
// events in both digest versions, ending at system-ready.
func dstackLog(t *testing.T, compose string) (log string, rtmrs [4][]byte) {
	t.Helper()
	boot := sha512.Sum384([]byte("firmware"))
	evs := []tee.Event{
		{IMR: 0, EventType: 3 /* EV_NO_ACTION */, Digest: strings.Repeat("00", 48), Event: "spec-id"},
		{IMR: 0, EventType: 0x80000001, Digest: hex.EncodeToString(boot[:]), Event: "boot"},
		{IMR: 3, EventType: tee.RuntimeEventType, Event: "system-preparing"},
		{IMR: 3, EventType: tee.RuntimeEventType, Event: "app-id", EventPayload: "c0ffee"},
		{IMR: 3, EventType: tee.RuntimeEventType, Event: "compose-hash", EventPayload: compose, Version: 2},
		{IMR: 3, EventType: tee.RuntimeEventType, Event: "instance-id", EventPayload: "01"},
		{IMR: 3, EventType: tee.RuntimeEventType, Event: "system-ready"},
	}
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	rtmr, _, err := tee.Replay(evs)
	if err != nil {
		t.Fatal(err)
	}
	rtmrs[0], rtmrs[3] = rtmr[0], rtmr[3]
	return string(b), rtmrs
}

const composeHash = "7e57c0de00000000000000000000000000000000000000000000000000000001"

func infoJSON(compose string) string {
	b, _ := json.Marshal(map[string]string{"app_id": "c0ffee", "instance_id": "01", "compose_hash": compose,
		"os_image_hash": "0a11ce", "tcb_info": "{}"})
	return string(b)
}

// TestGuestAgent attests a result file through a fake guest agent and
// verifies it: binding, event log replay, compose hash verified, OS image
// hash unverified (no os-image-hash event).
func TestGuestAgent(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	log, rtmrs := dstackLog(t, composeHash)
	pck.RTMRs = rtmrs
	agent := &fakeAgent{quote: func(rd [64]byte) []byte { return pck.Quote(t, rd, false) }, eventLog: log, info: infoJSON(composeHash)}
	useAgent(t, serveUnix(t, agent), false)

	a, ok := tee.FindAgent()
	if !ok || a.Simulated {
		t.Fatalf("FindAgent = %+v, %v", a, ok)
	}
	if _, src, err := QuoteSource(); err != nil || src == nil {
		t.Fatalf("QuoteSource: agent %v, %v; want the guest agent", src, err)
	}
	p := writeResult(t, fixtureText)
	var out bytes.Buffer
	if err := RunAttestAgent(&out, p, a, nil); err != nil {
		t.Fatalf("RunAttestAgent: %v\n%s", err, out.String())
	}
	t.Logf("attest:\n%s", out.String())
	for _, f := range []string{QuotePath(p), tee.EventLogPath(p), tee.AgentInfoPath(p), tee.SourcePath(p)} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
	if src, _ := os.ReadFile(tee.SourcePath(p)); !strings.HasPrefix(string(src), "attestation: dstack-guest-agent\n") {
		t.Errorf("source label: %q", src)
	}
	out.Reset()
	if err := RunVerify(&out, p, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true}); err != nil {
		t.Fatalf("RunVerify: %v\n%s", err, out.String())
	}
	t.Logf("verify:\n%s", out.String())
	for _, want := range []string{
		"check binding:   ok (report data = SHA-512 of " + filepath.Base(BindPath(p)) + ", which binds the file and 2 side file(s)",
		"check eventlog:  ok (7 events",
		"replayed RTMR1:  " + strings.Repeat("00", 48) + " (0 events; no events: not checked)",
		"replayed RTMR0:  ",
		"compose_hash:    " + composeHash + " (measured in the replayed RTMR3 log)",
		"app_id:          c0ffee (measured",
		"os_image_hash:   (no such event in the log: not measured)",
		"verdict:         SIGNED AND BOUND, BUT NO POLICY",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output lacks %q", want)
		}
	}

	// The event log edited to claim another compose hash no longer replays.
	other := strings.Replace(composeHash, "01", "02", 1)
	forged := strings.Replace(log, composeHash, other, 1)
	os.WriteFile(tee.EventLogPath(p), []byte(forged), 0o644)
	out.Reset()
	err := RunVerify(&out, p, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true})
	if !errors.Is(err, tee.ErrEventLog) || !strings.Contains(out.String(), "check eventlog:  FAIL") ||
		strings.Contains(out.String(), "compose_hash:") {
		t.Errorf("forged event log: %v\n%s", err, out.String())
	}
	// /Info edited to claim a compose hash the (genuine) log does not
	// measure: the extract is bound, and it contradicts the log.
	os.WriteFile(tee.EventLogPath(p), []byte(log), 0o644)
	os.Remove(tee.AgentInfoPath(p))
	os.WriteFile(tee.AgentInfoPath(p), []byte(infoJSON(other)), 0o644)
	err = RunVerify(&bytes.Buffer{}, p, VerifyOptions{Roots: pck.Roots(), AllowTestRoot: true})
	if !errors.Is(err, ErrUnboundSideFile) || !strings.Contains(err.Error(), "the replayed log measures "+composeHash) {
		t.Errorf("info contradicting the log: %v", err)
	}
}

// TestGuestAgentSampleQuote serves Intel's sample quote: a real agent's
// quote must carry the file's hash, so attest refuses it; from a simulator
// it is stored, labelled simulated, and verify refuses it although its
// signature chain verifies.
func TestGuestAgentSampleQuote(t *testing.T) {
	agent := &fakeAgent{quote: func([64]byte) []byte { return tdxtest.SampleQuote() }, eventLog: "[]", info: infoJSON(composeHash)}
	sock := serveUnix(t, agent)
	useAgent(t, sock, false)
	p := writeResult(t, fixtureText)
	a, _ := tee.FindAgent()
	if err := RunAttestAgent(&bytes.Buffer{}, p, a, nil); err == nil || !strings.Contains(err.Error(), "does not carry the requested report data") {
		t.Errorf("sample quote from the agent: %v", err)
	}
	for _, f := range []string{QuotePath(p), BindPath(p), tee.AgentInfoPath(p), tee.SourcePath(p)} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was written: %v", f, err)
		}
	}

	useAgent(t, sock, true)
	a, ok := tee.FindAgent()
	if !ok || !a.Simulated || a.Label() != "simulated" {
		t.Fatalf("FindAgent with %s = %+v", tee.SimulatorEnv, a)
	}
	var out bytes.Buffer
	if err := RunAttestAgent(&out, p, a, nil); err != nil {
		t.Fatalf("simulated attest: %v", err)
	}
	if !strings.Contains(out.String(), "simulator") {
		t.Errorf("attest output does not warn about the simulator:\n%s", out.String())
	}
	out.Reset()
	err := RunVerify(&out, p, VerifyOptions{Now: sampleTime})
	t.Logf("verify:\n%s", out.String())
	for _, want := range []string{"check signature: ok", "check binding:   FAIL", "attestation:     simulated", "check source:    FAIL", "verdict:         NOT VERIFIED"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output lacks %q", want)
		}
	}
	if !errors.Is(err, tee.ErrSimulated) {
		t.Errorf("err = %v, want ErrSimulated", err)
	}
	if ev := EvidenceWith(p, VerifyOptions{Now: sampleTime}); ev.Status != StateFailed || !strings.Contains(ev.Reason, "simulated") {
		t.Errorf("evidence = %+v", ev)
	}
}

// TestGuestAgentFailures: an agent error is reported and the result file
// kept; a socket that accepts but never answers fails within 10 s; a socket
// nobody listens on fails at once.
func TestGuestAgentFailures(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	agent := &fakeAgent{quoteErr: "tdx quote failed: QGS unreachable", info: infoJSON(composeHash)}
	sock := serveUnix(t, agent)
	useAgent(t, sock, false)
	p := writeResult(t, fixtureText)
	a, _ := tee.FindAgent()
	err := RunAttestAgent(&bytes.Buffer{}, p, a, nil)
	if err == nil || !strings.Contains(err.Error(), "500 Internal Server Error: tdx quote failed: QGS unreachable") {
		t.Errorf("agent error: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != fixtureText {
		t.Error("the result file changed")
	}
	if _, err := os.Stat(QuotePath(p)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a quote was written: %v", err)
	}

	// GetQuote works, /Info fails: /Info comes first (its extract is
	// bound), so no quote is made and the error says why.
	agent.quoteErr, agent.infoErr = "", "info unavailable"
	agent.quote = func(rd [64]byte) []byte { return pck.Quote(t, rd, false) }
	agent.eventLog = "[]"
	err = RunAttestAgent(&bytes.Buffer{}, p, a, nil)
	if err == nil || !strings.Contains(err.Error(), "no evidence for "+p) || !strings.Contains(err.Error(), "info unavailable") {
		t.Errorf("info error: %v", err)
	}
	if _, err := os.Stat(QuotePath(p)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a quote was written: %v", err)
	}

	// Silent: accepts connections, never answers.
	dir, _ := os.MkdirTemp("", "silent")
	defer os.RemoveAll(dir)
	silent := filepath.Join(dir, "dstack.sock")
	ln, err := net.Listen("unix", silent)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	useAgent(t, silent, false)
	a, _ = tee.FindAgent()
	start := time.Now()
	err = RunAttestAgent(&bytes.Buffer{}, writeResult(t, fixtureText), a, nil)
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "did not answer /Info within") || took > 10*time.Second {
		t.Errorf("silent socket: after %v: %v", took, err)
	}

	// Stale: the socket file exists, nobody listens.
	ln.Close()
	if _, err := os.Stat(silent); err != nil {
		os.WriteFile(silent, nil, 0o644) // a plain file is not a socket: FindAgent skips it
	}
	stale := tee.NewAgent(silent, false)
	start = time.Now()
	if err := RunAttestAgent(&bytes.Buffer{}, writeResult(t, fixtureText), stale, nil); err == nil || time.Since(start) > time.Second {
		t.Errorf("stale socket: %v after %v", err, time.Since(start))
	}
}

func TestFindAgentNone(t *testing.T) {
	useAgent(t, filepath.Join(t.TempDir(), "absent.sock"), false)
	if a, ok := tee.FindAgent(); ok {
		t.Errorf("FindAgent found %+v with no socket", a)
	}
	// An http URL from the simulator variable.
	t.Setenv(tee.SimulatorEnv, "http://127.0.0.1:8090/")
	if a, ok := tee.FindAgent(); !ok || !a.Simulated || a.Endpoint != "http://127.0.0.1:8090/" {
		t.Errorf("FindAgent with an http simulator = %+v", a)
	}
}
