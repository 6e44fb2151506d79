package tee

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestJCSString(t *testing.T) {
	// dstack's own test vector (cc-eventlog runtime_events.rs).
	got := jcsString("event\"with\\special\nchars")
	if want := `"event\"with\\special\nchars"`; got != want {
		t.Errorf("jcsString = %s, want %s", got, want)
	}
}

// TestDstackFixtureReplays replays the event log of a real dstack quote
// (testdata/dstack/quote-report.json, copied from Dstack-TEE/dstack
// dstack/verifier/fixtures/quote-report.json at commit 312dc605, Apache-2.0)
// and compares all four RTMRs with the quote's: it checks our digest rules
// (boot events by digest, V1 runtime events hashed from name and payload)
// against dstack's own output, and that the log passes the event rules.
func TestDstackFixtureReplays(t *testing.T) {
	fx, _, info := dstackFixture(t)
	d := &Dstack{}
	m, err := d.replay([]byte(fx.EventLog), info)
	if err != nil {
		t.Fatalf("dstack's own quote and event log: %v", err)
	}
	if d.PerRTMR[0] == 0 || d.PerRTMR[1] == 0 || d.PerRTMR[2] == 0 || d.PerRTMR[3] == 0 {
		t.Errorf("events per RTMR = %v; want events in all four", d.PerRTMR)
	}
	for i := range 4 {
		if d.Replayed[i] != info.RTMRs[i] {
			t.Errorf("RTMR%d: replayed %s, quoted %s", i, d.Replayed[i], info.RTMRs[i])
		}
	}
	if len(m.ComposeHash) != 64 || len(m.AppID) != 40 {
		t.Errorf("measured = %+v; want a 32-byte compose hash and a 20-byte app id", m)
	}
	// One byte of the compose-hash payload changed: RTMR3 no longer matches.
	evs, _ := ParseEventLog([]byte(fx.EventLog))
	for i := range evs {
		if evs[i].Event == "compose-hash" {
			evs[i].EventPayload = strings.Replace(evs[i].EventPayload, evs[i].EventPayload[:2], "ff", 1)
		}
	}
	forged, _ := json.Marshal(evs)
	if _, err := (&Dstack{}).replay(forged, info); !errors.Is(err, ErrEventLog) || !strings.Contains(err.Error(), "RTMR3 replays to") {
		t.Errorf("changed compose hash: %v", err)
	}
}

// TestTDXVerifyEventLog: the TDX Kind replays the evidence's event log
// (dstack's real quote and log, under Intel's real chain) and checks a
// policy's dstack pins against what it measured; a changed payload fails
// the replay.
func TestTDXVerifyEventLog(t *testing.T) {
	fx, raw, info := dstackFixture(t)
	m, err := (&Dstack{}).replay([]byte(fx.EventLog), info)
	if err != nil {
		t.Fatal(err)
	}
	ev := Evidence{TEE: "tdx", Files: map[string][]byte{TDXQuoteSuffix: raw, TDXEventLogSuffix: []byte(fx.EventLog)}}
	var rd [64]byte
	copy(rd[:], info.ReportData)
	opts := VerifyOptions{Now: tdxSampleTime}
	pol := func(compose string) json.RawMessage {
		b, _ := json.Marshal(TDXPolicy{MRTD: info.MRTD, Dstack: &DstackPolicy{ComposeHash: compose, AppID: m.AppID}})
		return b
	}
	if _, err := TDX.Verify(ev, rd, pol(m.ComposeHash), opts); err != nil {
		t.Fatalf("dstack's quote with its log and matching pins: %v", err)
	}
	other := strings.Repeat("ab", 32)
	if _, err := TDX.Verify(ev, rd, pol(other), opts); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "dstack compose_hash: expected "+other) {
		t.Errorf("another compose hash: %v", err)
	}
	evs, _ := ParseEventLog([]byte(fx.EventLog))
	for i := range evs {
		if evs[i].Event == "app-id" {
			evs[i].EventPayload = strings.Repeat("00", 20)
		}
	}
	forged, _ := json.Marshal(evs)
	ev.Files[TDXEventLogSuffix] = forged
	if _, err := TDX.Verify(ev, rd, nil, opts); !errors.Is(err, ErrEventLog) {
		t.Errorf("forged app id: %v", err)
	}
}

// dstackFixture reads dstack's real quote and event log
// (testdata/dstack/quote-report.json) and parses the quote.
func dstackFixture(t *testing.T) (fx struct{ Quote, EventLog string }, raw []byte, info *TDXInfo) {
	t.Helper()
	b, err := os.ReadFile("testdata/dstack/quote-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Quote    string `json:"quote"`
		EventLog string `json:"event_log"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	fx.Quote, fx.EventLog = j.Quote, j.EventLog
	if raw, err = hex.DecodeString(fx.Quote); err != nil {
		t.Fatal(err)
	}
	if _, info, err = ParseTDXQuote(raw); err != nil {
		t.Fatal(err)
	}
	return fx, raw, info
}
