package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/tee"
	"github.com/teebench/teebench/internal/tee/tdxtest"
)

// The attacks of issue 28, each reproduced with quotes signed by a test PCK
// chain (the same verification code path as Intel's root, apart from the
// root pool). Each test failed on the code before the fix (the attack gave
// a clean verdict) and passes now.

// testOpts accepts the test chain pck, as `-roots … -allow-test-root` does.
func testOpts(pck *tdxtest.PCK) VerifyOptions {
	return VerifyOptions{Roots: pck.Roots(), RootsLabel: "test", AllowTestRoot: true}
}

// oldStyleDstack writes a result file with a quote over it alone (the old
// binding) and the given event log and /Info beside it, as a verifier may
// still be shown; pck's quotes carry rtmrs.
func oldStyleDstack(t *testing.T, pck *tdxtest.PCK, result, log, info string) string {
	t.Helper()
	p := writeResult(t, result)
	os.WriteFile(QuotePath(p), pck.Quote(t, ReportData([]byte(result)), false), 0o644)
	os.WriteFile(tee.EventLogPath(p), []byte(log), 0o644)
	os.WriteFile(tee.AgentInfoPath(p), []byte(info), 0o644)
	os.WriteFile(tee.SourcePath(p), []byte("attestation: dstack-guest-agent\n"), 0o644)
	return p
}

// addEvent appends e to a JSON event log.
func addEvent(t *testing.T, log string, e tee.Event) string {
	t.Helper()
	evs, err := tee.ParseEventLog([]byte(log))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(append(evs, e))
	return string(b)
}

// TestAttack1ComposeHashInOtherIMR: a compose-hash runtime event added in
// IMR 0, /Info edited to match. It used to print "compose_hash: …
// (verified …)" and VERIFIED (RuntimeEvent took the first compose-hash in
// any IMR, and only RTMR3 was compared).
func TestAttack1ComposeHashInOtherIMR(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	log, rtmrs := dstackLog(t, composeHash)
	pck.RTMRs = [4][]byte{nil, nil, nil, rtmrs[3]} // RTMR0 as the sample quote's: the log's boot event is not it
	forgedHash := strings.Repeat("ee", 32)
	forged := addEvent(t, log, tee.Event{IMR: 0, EventType: tee.RuntimeEventType, Event: "compose-hash", EventPayload: forgedHash})
	// Put it first, so "the first compose-hash" is the forged one.
	evs, _ := tee.ParseEventLog([]byte(forged))
	evs = append([]tee.Event{evs[len(evs)-1]}, evs[:len(evs)-1]...)
	b, _ := json.Marshal(evs)
	p := oldStyleDstack(t, pck, fixtureText, string(b), infoJSON(forgedHash))
	var out bytes.Buffer
	err := RunVerify(&out, p, testOpts(pck))
	if !errors.Is(err, tee.ErrEventLog) || !strings.Contains(err.Error(), "runtime event (type 0x8000001) in IMR 0") {
		t.Errorf("forged IMR 0 compose-hash: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), forgedHash+" (measured") {
		t.Errorf("the forged compose hash is shown as measured:\n%s", out.String())
	}
}

// TestAttack1PlainTDHandWrittenLog: a plain TD quote (RTMR3 = 0, no dstack)
// with a hand-written one-event log and /Info: the event sits in IMR 0 so
// RTMR3 stays zero. It used to verify with the compose hash "verified".
func TestAttack1PlainTDHandWrittenLog(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	h := strings.Repeat("ab", 32)
	log := `[{"imr":0,"event_type":134217729,"digest":"","event":"compose-hash","event_payload":"` + h + `"}]`
	p := oldStyleDstack(t, pck, fixtureText, log, infoJSON(h))
	err := RunVerify(&bytes.Buffer{}, p, testOpts(pck))
	if !errors.Is(err, tee.ErrEventLog) {
		t.Errorf("hand-written log on a plain TD quote: %v", err)
	}
}

// TestAttack1AppIDFromInfo: /Info claims an app id the log does not
// measure. It used to print /Info's app_id unchecked.
func TestAttack1AppIDFromInfo(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	log, rtmrs := dstackLog(t, composeHash)
	pck.RTMRs = rtmrs
	info := strings.Replace(infoJSON(composeHash), `"app_id":"c0ffee"`, `"app_id":"badbad"`, 1)
	p := oldStyleDstack(t, pck, fixtureText, log, info)
	var out bytes.Buffer
	err := RunVerify(&out, p, testOpts(pck))
	if err == nil || !strings.Contains(err.Error(), "/Info says app_id badbad, but the replayed log measures c0ffee") {
		t.Errorf("forged app id: %v\n%s", err, out.String())
	}
}

// TestDuplicateIdentityEvents: a second compose-hash (or app-id) runtime
// event is refused even when the log replays.
func TestDuplicateIdentityEvents(t *testing.T) {
	log, _ := dstackLog(t, composeHash)
	dup := addEvent(t, log, tee.Event{IMR: 3, EventType: tee.RuntimeEventType, Event: "compose-hash", EventPayload: strings.Repeat("ee", 32)})
	evs, _ := tee.ParseEventLog([]byte(dup))
	if err := tee.CheckEventRules(evs); err == nil || !strings.Contains(err.Error(), `both "compose-hash"`) {
		t.Errorf("duplicate compose-hash: %v", err)
	}
}

// TestAttack3AnyTDPasses: a quote with MRTD all zeros and TEE TCB SVN 0
// over a made-up file used to be VERIFIED. Without a policy the verdict now
// says the TD was not checked; with one it fails naming MRTD and the SVN.
func TestAttack3AnyTDPasses(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	pck.MRTD = make([]byte, 48)
	p := writeResult(t, "made up\n")
	if err := RunAttest(&bytes.Buffer{}, p, func(rd [64]byte) ([]byte, error) { return pck.Quote(t, rd, false), nil }, nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RunVerify(&out, p, testOpts(pck)); err != nil {
		t.Fatal(err)
	}
	if v := verdictOf(out.String()); strings.HasPrefix(v, "VERIFIED") || !strings.Contains(v, "was not checked against a policy") {
		t.Errorf("no policy: verdict %q", v)
	}
	opts := testOpts(pck)
	opts.Policy = &tee.Policy{Version: 1, TDX: &tee.TDXPolicy{MRTD: "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb",
		MinTEETCBSVN: "04000400000000000000000000000000"}}
	out.Reset()
	err := RunVerify(&out, p, opts)
	if !errors.Is(err, tee.ErrPolicy) || !strings.Contains(err.Error(), "MRTD: expected 6363b804") || !strings.Contains(err.Error(), "got "+strings.Repeat("00", 48)) ||
		!strings.Contains(err.Error(), "TEE TCB SVN: expected at least 0400") {
		t.Errorf("zero MRTD against a policy: %v\n%s", err, out.String())
	}
}

// verdictOf returns the text after "verdict:" in verify's output.
func verdictOf(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "verdict:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestAttack4OfflineSaysSo: no TCB status, QE identity or revocation check
// offline, and the verdict line used to say only "VERIFIED". It must name
// them; a policy that asks for a TCB status fails offline.
func TestAttack4OfflineSaysSo(t *testing.T) {
	pck := tdxtest.NewPCK(t)
	p := writeResult(t, fixtureText)
	if err := RunAttest(&bytes.Buffer{}, p, func(rd [64]byte) ([]byte, error) { return pck.Quote(t, rd, false), nil }, nil); err != nil {
		t.Fatal(err)
	}
	r, _ := VerifyFile(p, testOpts(pck))
	pol, err := PolicyFor(r, false)
	if err != nil {
		t.Fatal(err)
	}
	opts := testOpts(pck)
	opts.Policy, opts.PolicyLabel = pol, "p.json"
	var out bytes.Buffer
	if err := RunVerify(&out, p, opts); err != nil {
		t.Fatal(err)
	}
	v := verdictOf(out.String())
	if !strings.HasPrefix(v, "VERIFIED against policy p.json") || !strings.Contains(v, "not checked: TCB status, QE identity and revocation (offline") {
		t.Errorf("verdict %q", v)
	}
	pol.TDX.MinTCBStatus = "UpToDate"
	if err := RunVerify(&bytes.Buffer{}, p, opts); !errors.Is(err, tee.ErrPolicy) || !strings.Contains(err.Error(), "TCB status: expected at least UpToDate, got not checked (offline") {
		t.Errorf("min TCB status offline: %v", err)
	}
}

// TestAttack5TDXWithoutQuote: a `tee: tdx` file without a quote. The
// evidence API now names the TEE the file claims and why it is absent, so
// the report can label the arm unattested.
func TestAttack5TDXWithoutQuote(t *testing.T) {
	p := writeResult(t, "goos: linux\ntee: tdx\n")
	ev := EvidenceFor(p)
	if ev.Status != StateAbsent || ev.TEE != "tdx" || !strings.Contains(ev.Reason, "no quote") {
		t.Errorf("EvidenceFor = %+v", ev)
	}
	if ev := EvidenceFor(writeResult(t, "tee: none\n")); ev.Status != StateAbsent || ev.TEE != "" || ev.Reason != "" {
		t.Errorf("tee: none: %+v", ev)
	}
}

// TestEvidenceCaveats: verified evidence lists what was not checked.
func TestEvidenceCaveats(t *testing.T) {
	roots, _ := tee.LoadRoots("testdata/test-roots.pem")
	ev := EvidenceWith("testdata/matching/result.txt", VerifyOptions{Roots: roots, AllowTestRoot: true})
	want := []string{"no policy: TD identity not checked", "TCB status not checked (offline)", "side files unbound", "test root"}
	if ev.Status != StateVerified || strings.Join(ev.Caveats, "|") != strings.Join(want, "|") {
		t.Errorf("matching: %+v; want caveats %q", ev, want)
	}
	ev = EvidenceWith("testdata/bound/result.txt", VerifyOptions{Roots: roots, AllowTestRoot: true})
	if ev.Status != StateVerified || strings.Contains(strings.Join(ev.Caveats, "|"), "side files unbound") {
		t.Errorf("bound: %+v", ev)
	}
	if ev := EvidenceWith("testdata/matching/result.txt", VerifyOptions{Roots: roots}); ev.Status != StateFailed || !strings.Contains(ev.Reason, "test root") {
		t.Errorf("test root not allowed: %+v", ev)
	}
}

// agentRun attests a result through a fake guest agent (bound, new style)
// and returns its path.
func agentRun(t *testing.T, result string) (string, *tdxtest.PCK) {
	t.Helper()
	pck := tdxtest.NewPCK(t)
	log, rtmrs := dstackLog(t, composeHash)
	pck.RTMRs = rtmrs
	agent := &fakeAgent{quote: func(rd [64]byte) []byte { return pck.Quote(t, rd, false) }, eventLog: log, info: infoJSON(composeHash)}
	useAgent(t, serveUnix(t, agent), false)
	a, _ := tee.FindAgent()
	p := writeResult(t, result)
	os.WriteFile(SkipsPath(p), []byte("package\tbenchmark\treason\n"), 0o644)
	if err := RunAttestAgent(&bytes.Buffer{}, p, a, nil); err != nil {
		t.Fatal(err)
	}
	if err := RunVerify(&bytes.Buffer{}, p, testOpts(pck)); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	return p, pck
}

// TestAttack6DeleteSideFiles: deleting every dstack side file used to give
// a clean VERIFIED with no dstack section; now they are bound.
func TestAttack6DeleteSideFiles(t *testing.T) {
	p, pck := agentRun(t, fixtureText)
	for _, f := range []string{tee.EventLogPath(p), tee.AgentInfoPath(p), tee.SourcePath(p)} {
		os.Remove(f)
	}
	if err := RunVerify(&bytes.Buffer{}, p, testOpts(pck)); !errors.Is(err, ErrUnboundSideFile) || !strings.Contains(err.Error(), "is bound but missing") {
		t.Errorf("dstack side files deleted: %v", err)
	}
}

// TestAttack6DeleteEventLog: deleting a mismatching event log used to turn
// FAIL into VERIFIED. A result whose manifest (bound with it) says the
// quote came from the guest agent must have its log, old-style quote or
// not.
func TestAttack6DeleteEventLog(t *testing.T) {
	p, pck := agentRun(t, fixtureText+"tdx-quote-source: dstack-guest-agent\n")
	os.WriteFile(tee.EventLogPath(p), []byte("[]"), 0o644)
	if err := RunVerify(&bytes.Buffer{}, p, testOpts(pck)); !errors.Is(err, tee.ErrEventLog) {
		t.Fatalf("mismatching log: %v", err)
	}
	os.Remove(tee.EventLogPath(p))
	if err := RunVerify(&bytes.Buffer{}, p, testOpts(pck)); !errors.Is(err, tee.ErrEventLog) || !strings.Contains(err.Error(), "event log") {
		t.Errorf("log deleted: %v", err)
	}
	// The same with an old-style quote and no other side file at all.
	res := fixtureText + "tdx-quote-source: dstack-guest-agent\n"
	q := writeResult(t, res)
	os.WriteFile(QuotePath(q), pck.Quote(t, ReportData([]byte(res)), false), 0o644)
	if err := RunVerify(&bytes.Buffer{}, q, testOpts(pck)); !errors.Is(err, tee.ErrEventLog) {
		t.Errorf("old style, no dstack files: %v", err)
	}
}

// TestAttack6SkipListAndManifest: the skip list is bound (a change fails),
// and the manifest's tdx-* lines are cross-checked with the quote.
func TestAttack6SkipListAndManifest(t *testing.T) {
	p, pck := agentRun(t, fixtureText)
	os.WriteFile(SkipsPath(p), []byte("package\tbenchmark\treason\nforged\tBenchmarkX\thidden\n"), 0o644)
	if err := RunVerify(&bytes.Buffer{}, p, testOpts(pck)); !errors.Is(err, ErrUnboundSideFile) || !strings.Contains(err.Error(), "changed after quoting") {
		t.Errorf("skip list changed: %v", err)
	}
	os.Remove(SkipsPath(p))
	if err := RunVerify(&bytes.Buffer{}, p, testOpts(pck)); !errors.Is(err, ErrUnboundSideFile) {
		t.Errorf("skip list deleted: %v", err)
	}
	os.WriteFile(GPUEvidencePath(p), []byte("{}"), 0o644)
	os.WriteFile(SkipsPath(p), []byte("package\tbenchmark\treason\n"), 0o644)
	if err := RunVerify(&bytes.Buffer{}, p, testOpts(pck)); !errors.Is(err, ErrUnboundSideFile) || !strings.Contains(err.Error(), "added after quoting") {
		t.Errorf("GPU evidence added: %v", err)
	}

	// The manifest says the quote came from the device, the label says
	// the guest agent.
	dev := fixtureText + "tdx-quote-source: tdx-guest-device\n"
	d := oldStyleDstack(t, pck, dev, "[]", infoJSON(composeHash))
	if err := RunVerify(&bytes.Buffer{}, d, testOpts(pck)); !errors.Is(err, tee.ErrManifest) || !strings.Contains(err.Error(), "tdx-quote-source") {
		t.Errorf("quote source differs: %v", err)
	}

	res := fixtureText + "tdx-mrtd: " + strings.Repeat("00", 48) + "\n"
	q := writeResult(t, res)
	if err := RunAttest(&bytes.Buffer{}, q, func(rd [64]byte) ([]byte, error) { return pck.Quote(t, rd, false), nil }, nil); err != nil {
		t.Fatal(err)
	}
	if err := RunVerify(&bytes.Buffer{}, q, testOpts(pck)); !errors.Is(err, tee.ErrManifest) || !strings.Contains(err.Error(), "tdx-mrtd: the file says 0000") {
		t.Errorf("manifest MRTD differs: %v", err)
	}
}

// TestAttack8SimulatorSecret: a DSTACK_SIMULATOR_ENDPOINT with
// user:password@ used to be written to .attestation and stdout as is.
func TestAttack8SimulatorSecret(t *testing.T) {
	agent := &fakeAgent{quote: func([64]byte) []byte { return sampleRaw() }, eventLog: "[]", info: infoJSON(composeHash)}
	srv := httptest.NewServer(agent)
	defer srv.Close()
	ep := strings.Replace(srv.URL, "http://", "http://teebench:hunter2@", 1)
	AgentSocketsSaved := tee.AgentSockets
	defer func() { tee.AgentSockets = AgentSocketsSaved }()
	tee.AgentSockets = nil
	t.Setenv(tee.SimulatorEnv, ep)
	a, ok := tee.FindAgent()
	if !ok {
		t.Fatal("no agent")
	}
	p := writeResult(t, fixtureText)
	var out bytes.Buffer
	if err := RunAttestAgent(&out, p, a, nil); err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile(tee.SourcePath(p))
	for what, s := range map[string]string{"stdout": out.String(), ".attestation": string(src)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%s holds the secret:\n%s", what, s)
		}
	}
	if !strings.Contains(string(src), "endpoint: http://") {
		t.Errorf(".attestation: %s", src)
	}
}

// TestAttack8ComposeNotStored: /Info's tcb_info carries the whole compose
// file (a key written in it); the stored extract used to be the raw answer.
// Now only the identity fields are kept, the compose file only with
// TEEBENCH_KEEP_COMPOSE=1, and then it is checked against the measured
// compose hash.
func TestAttack8ComposeNotStored(t *testing.T) {
	compose := "services:\n  app:\n    environment:\n      API_KEY: hunter2\n"
	sum := sha256.Sum256([]byte(compose))
	ch := hex.EncodeToString(sum[:])
	tcb, _ := json.Marshal(map[string]string{"app_compose": compose})
	info, _ := json.Marshal(map[string]string{"app_id": "c0ffee", "compose_hash": ch, "tcb_info": string(tcb)})
	for _, keep := range []bool{false, true} {
		pck := tdxtest.NewPCK(t)
		log, rtmrs := dstackLog(t, ch)
		pck.RTMRs = rtmrs
		agent := &fakeAgent{quote: func(rd [64]byte) []byte { return pck.Quote(t, rd, false) }, eventLog: log, info: string(info)}
		useAgent(t, serveUnix(t, agent), false)
		t.Setenv(tee.KeepComposeEnv, map[bool]string{false: "", true: "1"}[keep])
		a, _ := tee.FindAgent()
		p := writeResult(t, fixtureText)
		if err := RunAttestAgent(&bytes.Buffer{}, p, a, nil); err != nil {
			t.Fatal(err)
		}
		stored, _ := os.ReadFile(tee.AgentInfoPath(p))
		if strings.Contains(string(stored), "hunter2") != keep || strings.Contains(string(stored), "tcb_info") {
			t.Errorf("keep=%v: stored extract:\n%s", keep, stored)
		}
		var out bytes.Buffer
		if err := RunVerify(&out, p, testOpts(pck)); err != nil {
			t.Errorf("keep=%v: %v\n%s", keep, err, out.String())
		}
		if keep && !strings.Contains(out.String(), "its SHA-256 is the measured compose hash") {
			t.Errorf("kept compose not checked:\n%s", out.String())
		}
	}
	// A kept compose file that does not hash to the measured value fails.
	ai := &tee.AgentInfo{AppCompose: compose + "# edited\n"}
	if errs := ai.Against(tee.DstackMeasured{ComposeHash: ch}, "the replayed log"); len(errs) != 1 || !strings.Contains(errs[0].Error(), "SHA-256 of the stored compose file") {
		t.Errorf("edited compose: %v", errs)
	}
}

// sampleRaw is Intel's sample quote (a simulator replays a fixed quote).
func sampleRaw() []byte { return tdxtest.SampleQuote() }
