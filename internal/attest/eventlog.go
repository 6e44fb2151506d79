package attest

import (
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// dstack's event log, as its guest agent returns it with a quote: a JSON
// array of {imr, event_type, digest, event, event_payload[, version]}.
// Boot-time events (RTMR0-2, from the firmware's CCEL) carry their digest;
// dstack's runtime events (event_type 0x08000001, RTMR3: app-id,
// compose-hash, instance-id, os-image-hash, ...) are hashed from their name
// and payload, so that a replay checks the payloads themselves:
//
//	V1: SHA-384(event_type as 4 little-endian bytes || ":" || event || ":" || payload)
//	V2: SHA-384(JCS canonical JSON {"name":event,"payload":hex,"type":134217729})
//
// Each RTMR starts at 48 zero bytes and is extended as
// RTMR = SHA-384(RTMR || digest). See Dstack-TEE/dstack cc-eventlog.

// RuntimeEventType is dstack's event type for runtime events (RTMR3).
const RuntimeEventType = 0x08000001

// evNoAction (TCG EV_NO_ACTION) events are logged but never extended.
const evNoAction = 3

// Event is one entry of a dstack event log.
type Event struct {
	IMR          uint32 `json:"imr"`
	EventType    uint32 `json:"event_type"`
	Digest       string `json:"digest"`
	Event        string `json:"event"`
	EventPayload string `json:"event_payload"`
	Version      int    `json:"version,omitempty"`
}

// ErrEventLog means the event log does not replay to the quote's RTMR3.
var ErrEventLog = errors.New("event log does not replay to the quote's RTMR3")

// ErrSimulated means the quote came from a dstack simulator.
var ErrSimulated = errors.New("attestation: simulated (quote from a dstack simulator): not evidence")

// ParseEventLog decodes a dstack event log.
func ParseEventLog(b []byte) ([]Event, error) {
	var evs []Event
	if err := json.Unmarshal(b, &evs); err != nil {
		return nil, fmt.Errorf("attest: event log: %w", err)
	}
	return evs, nil
}

// digest returns the digest an event extends its IMR with.
func (e Event) digest() ([]byte, error) {
	if e.EventType != RuntimeEventType {
		d, err := hex.DecodeString(e.Digest)
		if err != nil || len(d) != sha512.Size384 {
			return nil, fmt.Errorf("event %q (imr %d, type %#x): digest is not 48 bytes of hex", e.Event, e.IMR, e.EventType)
		}
		return d, nil
	}
	payload, err := hex.DecodeString(e.EventPayload)
	if err != nil {
		return nil, fmt.Errorf("runtime event %q: payload is not hex: %w", e.Event, err)
	}
	var pre []byte
	switch e.Version {
	case 0, 1:
		pre = binary.LittleEndian.AppendUint32(nil, RuntimeEventType)
		pre = append(append(append(append(pre, ':'), e.Event...), ':'), payload...)
	case 2:
		pre = []byte(`{"name":` + jcsString(e.Event) + `,"payload":"` + hex.EncodeToString(payload) + `","type":134217729}`)
	default:
		return nil, fmt.Errorf("runtime event %q: unknown event log version %d", e.Event, e.Version)
	}
	d := sha512.Sum384(pre)
	return d[:], nil
}

// jcsString is s as an RFC 8785 (JCS) JSON string: only '"', '\\' and
// control characters are escaped.
func jcsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Replay extends four zeroed RTMRs with the events' digests in order and
// returns them, with the number of events extended into each.
func Replay(evs []Event) (rtmr [4][]byte, n [4]int, err error) {
	for i := range rtmr {
		rtmr[i] = make([]byte, sha512.Size384)
	}
	for _, e := range evs {
		if e.EventType == evNoAction {
			continue
		}
		if e.IMR > 3 {
			return rtmr, n, fmt.Errorf("event %q: imr %d is not an RTMR (0-3)", e.Event, e.IMR)
		}
		d, err := e.digest()
		if err != nil {
			return rtmr, n, err
		}
		h := sha512.New384()
		h.Write(rtmr[e.IMR])
		h.Write(d)
		rtmr[e.IMR] = h.Sum(nil)
		n[e.IMR]++
	}
	return rtmr, n, nil
}

// RuntimeEvent returns the payload of the first runtime event named name
// that dstack logged while booting (before "system-ready"; later events are
// the application's own, as dstack's decode_app_info reads them).
func RuntimeEvent(evs []Event, name string) (payload []byte, ok bool) {
	for _, e := range evs {
		if e.EventType != RuntimeEventType {
			continue
		}
		if e.Event == "system-ready" {
			break
		}
		if e.Event == name {
			p, err := hex.DecodeString(e.EventPayload)
			return p, err == nil
		}
	}
	return nil, false
}

// Dstack is what scripts/verify found in a guest agent's evidence beside a
// result file (EventLogPath, AgentInfoPath, SourcePath).
type Dstack struct {
	// Source is the attestation label ("dstack-guest-agent", "simulated").
	Source string
	// Events is the number of events in the log (0 without a log).
	Events int
	// Replayed holds the replayed RTMRs (hex); nil without a log.
	Replayed []string
	// PerRTMR is the number of events extended into each RTMR.
	PerRTMR [4]int
	// Info is the agent's /Info answer; nil when absent.
	Info *AgentInfo
	// ComposeHash and OSImageHash say what the replayed RTMR3 log measured
	// for each, or why the value is unverified.
	ComposeHash, OSImageHash Claim
}

// Claim is one value of the agent's /Info answer and whether the replayed
// event log measured it.
type Claim struct {
	Value    string
	Verified bool
	// Why says why Verified is false ("" when it is true).
	Why string
}

// readDstack reads the guest-agent evidence beside a result file and checks
// it against the quote's info q (nil when the quote did not parse). It
// returns nil, nil when there is none.
func readDstack(resultPath string, q *Info) (*Dstack, error) {
	src, srcErr := os.ReadFile(SourcePath(resultPath))
	logb, logErr := os.ReadFile(EventLogPath(resultPath))
	infob, infoErr := os.ReadFile(AgentInfoPath(resultPath))
	if os.IsNotExist(srcErr) && os.IsNotExist(logErr) && os.IsNotExist(infoErr) {
		return nil, nil
	}
	d := &Dstack{}
	var errs []error
	switch {
	case srcErr == nil:
		for _, l := range strings.Split(string(src), "\n") {
			if v, ok := strings.CutPrefix(l, "attestation:"); ok {
				d.Source = strings.TrimSpace(v)
			}
		}
		if d.Source == "simulated" {
			errs = append(errs, ErrSimulated)
		}
	case !os.IsNotExist(srcErr):
		errs = append(errs, fmt.Errorf("attest: %w", srcErr))
	}
	if infoErr == nil {
		var ai AgentInfo
		if err := json.Unmarshal(infob, &ai); err != nil {
			errs = append(errs, fmt.Errorf("attest: %s: %w", AgentInfoPath(resultPath), err))
		} else {
			d.Info = &ai
		}
	} else if !os.IsNotExist(infoErr) {
		errs = append(errs, fmt.Errorf("attest: %w", infoErr))
	}
	var evs []Event
	replayOK := false
	switch {
	case logErr == nil:
		var err error
		if evs, err = ParseEventLog(logb); err != nil {
			errs = append(errs, fmt.Errorf("%w: %v", ErrEventLog, err))
			break
		}
		d.Events = len(evs)
		rtmr, n, err := Replay(evs)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %v", ErrEventLog, err))
			break
		}
		d.PerRTMR = n
		for _, m := range rtmr {
			d.Replayed = append(d.Replayed, hex.EncodeToString(m))
		}
		switch {
		case q == nil || len(q.RTMRs) != 4:
			errs = append(errs, fmt.Errorf("%w: the quote has no RTMRs to compare with", ErrEventLog))
		case d.Replayed[3] != q.RTMRs[3]:
			errs = append(errs, fmt.Errorf("%w: replayed %s…, quoted %s…", ErrEventLog, d.Replayed[3][:16], q.RTMRs[3][:16]))
		default:
			replayOK = true
		}
	case !os.IsNotExist(logErr):
		errs = append(errs, fmt.Errorf("attest: %w", logErr))
	}
	if d.Info != nil {
		d.ComposeHash = claim(d.Info.ComposeHash, "compose-hash", evs, replayOK, logErr == nil)
		d.OSImageHash = claim(d.Info.OSImageHash, "os-image-hash", evs, replayOK, logErr == nil)
		for _, c := range []struct {
			name string
			c    Claim
		}{{"compose_hash", d.ComposeHash}, {"os_image_hash", d.OSImageHash}} {
			if strings.HasPrefix(c.c.Why, "the replayed log measures") {
				errs = append(errs, fmt.Errorf("attest: /Info says %s %s, but %s", c.name, c.c.Value, c.c.Why))
			}
		}
	}
	return d, errors.Join(errs...)
}

// claim checks value against the runtime event named event.
func claim(value, event string, evs []Event, replayOK, haveLog bool) Claim {
	c := Claim{Value: value}
	p, found := RuntimeEvent(evs, event)
	switch {
	case !haveLog:
		c.Why = "no event log"
	case !replayOK:
		c.Why = "the event log does not replay to the quote's RTMR3"
	case !found:
		c.Why = "no " + event + " event in the replayed RTMR3 log"
		if event == "os-image-hash" {
			c.Why += " (checking it needs the image's measurements of MRTD and RTMR0-2, e.g. with dstack-mr)"
		}
	case !strings.EqualFold(hex.EncodeToString(p), value):
		c.Why = "the replayed log measures " + hex.EncodeToString(p)
	default:
		c.Verified = true
	}
	if value == "" && c.Why == "" {
		c.Verified, c.Why = false, "empty in /Info"
	}
	return c
}
