package tee

import (
	"crypto/sha256"
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
// RTMR = SHA-384(RTMR || digest). Confirmed against dstack's source
// (github.com/Dstack-TEE/dstack at 312dc605, 2026-08-07):
// dstack/cc-eventlog/src/runtime_events.rs builds the V2 preimage with
// serde_jcs from {"name", "type", "payload": hex} (its test expects
// {"name":"compose-hash","payload":"abcd","type":134217729}), V1 as above;
// dstack-types' EventLogVersion serialises as "version": 1 or 2 (absent =
// V1); cc-eventlog/src/tdx.rs TdxEvent has imr, event_type, digest (hex),
// event, event_payload (hex). Its verifier fixture
// dstack/verifier/fixtures/quote-report.json (a real quote with its event
// log, copied to testdata/dstack/) replays to all four of its RTMRs
// (TestDstackFixtureReplays). See docs/evidence.md.
//
// Rules scripts/verify applies: runtime events (event_type 0x08000001)
// count only in IMR 3 and one in any other register is an error; all four
// RTMRs are replayed and compared with the quote wherever the log has
// events (a register without events is reported as not checked; RTMR3 is
// always compared); compose-hash, app-id, instance-id and os-image-hash
// may each appear once; the app id, compose hash and OS image hash are
// taken from the log, never from /Info.

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

// ErrEventLog means the event log breaks a rule or does not replay to the
// quote's RTMRs.
var ErrEventLog = errors.New("event log rejected")

// ErrSimulated means the quote came from a dstack simulator.
var ErrSimulated = errors.New("attestation: simulated (quote from a dstack simulator): not evidence")

// ParseEventLog decodes a dstack event log.
func ParseEventLog(b []byte) ([]Event, error) {
	var evs []Event
	if err := json.Unmarshal(b, &evs); err != nil {
		return nil, fmt.Errorf("tee: event log: %w", err)
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

// uniqueEvents are runtime events that may appear once: a second one could
// plant a value a reader takes for the measured one.
var uniqueEvents = []string{"compose-hash", "app-id", "instance-id", "os-image-hash"}

// CheckEventRules applies the event rules: runtime events only in IMR 3, no
// register above 3, each of uniqueEvents at most once.
func CheckEventRules(evs []Event) error {
	seen := map[string]int{}
	for i, e := range evs {
		if e.EventType == RuntimeEventType && e.IMR != 3 {
			return fmt.Errorf("event %d (%q): a runtime event (type %#x) in IMR %d; dstack logs runtime events in IMR 3 only", i, e.Event, e.EventType, e.IMR)
		}
		if e.EventType == RuntimeEventType {
			for _, u := range uniqueEvents {
				if e.Event == u {
					if j, dup := seen[u]; dup {
						return fmt.Errorf("events %d and %d are both %q: refused (only one may be measured)", j, i, u)
					}
					seen[u] = i
				}
			}
		}
	}
	return nil
}

// runtimePayload returns the hex payload of the (single, checkRules) IMR 3
// runtime event named name, "" when there is none.
func runtimePayload(evs []Event, name string) string {
	for _, e := range evs {
		if e.EventType == RuntimeEventType && e.IMR == 3 && e.Event == name {
			return strings.ToLower(e.EventPayload)
		}
	}
	return ""
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
	// Info is the stored /Info extract; nil when absent.
	Info *AgentInfo
	// Measured is what the replayed log (on SEV-SNP: the MrConfigV3
	// document HOST_DATA binds) measured; zero unless it passed every check.
	Measured DstackMeasured
	// HostData is an SEV-SNP report's HOST_DATA (hex); "" on TDX.
	HostData string
	// MrConfig is the MrConfigV3 document HOST_DATA binds (SEV-SNP); nil
	// on TDX or when it did not check.
	MrConfig *MrConfig
}

// ReadDstack reads the guest-agent evidence beside a result file and checks
// it against the quote's info q (nil when the quote did not parse).
// manifestSource is the result file's tdx-quote-source line. It returns nil,
// nil when there is none and nothing says there should be.
func ReadDstack(resultPath string, q *TDXInfo, manifestSource string) (*Dstack, error) {
	d, present, errs := readAgentFiles(resultPath)
	logb, logErr := os.ReadFile(EventLogPath(resultPath))
	fromAgent := manifestSource == "dstack-guest-agent" || d.Source == "dstack-guest-agent"
	if !present && os.IsNotExist(logErr) && !fromAgent {
		return nil, nil
	}
	if manifestSource == "tdx-guest-device" && d.Source != "" {
		errs = append(errs, fmt.Errorf("%w: tdx-quote-source: the file says tdx-guest-device, %s says %s", ErrManifest, SourcePath(resultPath), d.Source))
	}
	switch {
	case logErr == nil:
		m, err := d.replay(logb, q)
		if err != nil {
			errs = append(errs, err)
			break
		}
		d.Measured = m
		if d.Info != nil {
			errs = append(errs, d.Info.Against(m, "the replayed log")...)
		}
	case os.IsNotExist(logErr) && fromAgent:
		errs = append(errs, fmt.Errorf("%w: the quote came from the dstack guest agent, but its event log %s is missing", ErrEventLog, EventLogPath(resultPath)))
	case !os.IsNotExist(logErr):
		errs = append(errs, fmt.Errorf("tee: %w", logErr))
	}
	return d, errors.Join(errs...)
}

// replay parses the log, applies the rules, replays it and compares the
// RTMRs with the quote's; it returns what the log measured.
func (d *Dstack) replay(logb []byte, q *TDXInfo) (DstackMeasured, error) {
	evs, err := ParseEventLog(logb)
	if err != nil {
		return DstackMeasured{}, fmt.Errorf("%w: %v", ErrEventLog, err)
	}
	d.Events = len(evs)
	if err := CheckEventRules(evs); err != nil {
		return DstackMeasured{}, fmt.Errorf("%w: %v", ErrEventLog, err)
	}
	rtmr, n, err := Replay(evs)
	if err != nil {
		return DstackMeasured{}, fmt.Errorf("%w: %v", ErrEventLog, err)
	}
	d.PerRTMR = n
	for _, m := range rtmr {
		d.Replayed = append(d.Replayed, hex.EncodeToString(m))
	}
	if q == nil || len(q.RTMRs) != 4 {
		return DstackMeasured{}, fmt.Errorf("%w: the quote has no RTMRs to compare with", ErrEventLog)
	}
	var bad []string
	for i := range 4 {
		if n[i] == 0 && i < 3 {
			continue
		}
		if d.Replayed[i] != q.RTMRs[i] {
			bad = append(bad, fmt.Sprintf("RTMR%d replays to %s…, the quote has %s…", i, d.Replayed[i][:16], q.RTMRs[i][:16]))
		}
	}
	if len(bad) > 0 {
		return DstackMeasured{}, fmt.Errorf("%w: %s", ErrEventLog, strings.Join(bad, "; "))
	}
	return DstackMeasured{
		ComposeHash: runtimePayload(evs, "compose-hash"),
		AppID:       runtimePayload(evs, "app-id"),
		OSImageHash: runtimePayload(evs, "os-image-hash"),
	}, nil
}

// readAgentFiles reads the guest agent's files beside a result file that
// attest bound (the source label, SourcePath, and the /Info extract,
// AgentInfoPath) into a new Dstack, for every TEE. present says whether
// either exists; errs holds what could not be read or parsed, and
// ErrSimulated for a simulator's label.
func readAgentFiles(resultPath string) (d *Dstack, present bool, errs []error) {
	d = &Dstack{}
	src, srcErr := os.ReadFile(SourcePath(resultPath))
	infob, infoErr := os.ReadFile(AgentInfoPath(resultPath))
	switch {
	case srcErr == nil:
		d.Source = sourceLabel(src)
		if d.Source == "simulated" {
			errs = append(errs, ErrSimulated)
		}
	case !os.IsNotExist(srcErr):
		errs = append(errs, fmt.Errorf("tee: %w", srcErr))
	}
	switch {
	case infoErr == nil:
		var ai AgentInfo
		if err := json.Unmarshal(infob, &ai); err != nil {
			errs = append(errs, fmt.Errorf("tee: %s: %w", AgentInfoPath(resultPath), err))
		} else {
			d.Info = &ai
		}
	case !os.IsNotExist(infoErr):
		errs = append(errs, fmt.Errorf("tee: %w", infoErr))
	}
	return d, !os.IsNotExist(srcErr) || !os.IsNotExist(infoErr), errs
}

// sourceLabel is the attestation: line of a source label.
func sourceLabel(b []byte) string {
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "attestation:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Unchecked returns the RTMRs the log had no events for (not compared).
func (d *Dstack) Unchecked() []int {
	var out []int
	if d.Replayed == nil {
		return out
	}
	for i := range 3 {
		if d.PerRTMR[i] == 0 {
			out = append(out, i)
		}
	}
	return out
}

// Against compares the /Info extract with what evidence measured (by names
// it: the replayed log, the MrConfigV3 document): a value that differs is
// an error; so is a kept compose file whose SHA-256 is not the measured
// compose hash.
func (ai *AgentInfo) Against(m DstackMeasured, by string) []error {
	var errs []error
	for _, c := range []struct{ name, info, log string }{
		{"app_id", ai.AppID, m.AppID}, {"compose_hash", ai.ComposeHash, m.ComposeHash}, {"os_image_hash", ai.OSImageHash, m.OSImageHash},
	} {
		if c.info != "" && c.log != "" && !strings.EqualFold(c.info, c.log) {
			errs = append(errs, fmt.Errorf("tee: /Info says %s %s, but %s measures %s", c.name, c.info, by, c.log))
		}
	}
	if compose := ai.Compose(); compose != "" {
		sum := sha256.Sum256([]byte(compose))
		switch got := hex.EncodeToString(sum[:]); {
		case m.ComposeHash == "":
			errs = append(errs, fmt.Errorf("tee: the stored compose file cannot be checked: %s measures no compose hash", by))
		case got != m.ComposeHash:
			errs = append(errs, fmt.Errorf("tee: SHA-256 of the stored compose file is %s, the compose hash %s measures is %s", got, by, m.ComposeHash))
		}
	}
	return errs
}
