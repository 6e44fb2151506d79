package tee

import (
	"os"
	"testing"
)

// FuzzEventLog: parsing, the event rules and replay never panic on any
// input, and a log that passes the rules and replays has runtime events
// only in IMR 3. Seeds: the test logs and dstack's real one.
func FuzzEventLog(f *testing.F) {
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"imr":0,"event_type":134217729,"digest":"","event":"compose-hash","event_payload":"abab"}]`))
	f.Add([]byte(`[{"imr":3,"event_type":134217729,"event":"app-id","event_payload":"c0ffee","version":2}]`))
	f.Add([]byte(`[{"imr":9,"event_type":1,"digest":"00"}]`))
	if b, err := os.ReadFile("testdata/dstack/quote-report.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := ParseEventLog(b)
		if err != nil {
			return
		}
		if CheckEventRules(evs) != nil {
			return
		}
		if _, _, err := Replay(evs); err != nil {
			return
		}
		for _, e := range evs {
			if e.EventType == RuntimeEventType && e.IMR != 3 {
				t.Fatalf("runtime event in IMR %d passed", e.IMR)
			}
		}
		_ = runtimePayload(evs, "compose-hash")
	})
}
