package tee

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrManifest means the result file's TEE lines contradict the evidence.
var ErrManifest = errors.New("the result file's TEE lines contradict the quote")

// TDX is the Intel TDX Kind.
var TDX = &TDXKind{}

// Side-file suffixes of TDX evidence.
const (
	// TDXQuoteSuffix holds the raw TDX quote (version 4).
	TDXQuoteSuffix = ".quote"
	// TDXEventLogSuffix holds the dstack guest agent's event log, which
	// comes with a quote from the agent (replayed to the quote's RTMRs by
	// internal/attest).
	TDXEventLogSuffix = ".eventlog.json"
)

// Evidence interfaces a TDX guest offers (Detection.Interface). The
// manifest's tdx-quote-source line is "dstack-guest-agent" for the agent
// and "tdx-guest-device" for the other two.
const (
	TDXViaAgent    = ViaAgent
	TDXViaConfigFS = "configfs-tsm"
	TDXViaDevice   = "/dev/tdx_guest"
)

// TDXKind is the Intel TDX Kind. Its zero value uses the machine's guest
// interfaces and the Intel SGX Root CA.
type TDXKind struct {
	// quote, when set, replaces the guest interface (tests pass a signer
	// with a test key).
	quote func(reportData [64]byte) ([]byte, error)
	// roots, when set, replaces the Intel root (tests pass the test
	// key's).
	roots *x509.CertPool
}

// Name implements Kind.
func (*TDXKind) Name() string { return "tdx" }

// Title implements Kind.
func (*TDXKind) Title() string { return "TDX" }

// Tag implements Kind.
func (*TDXKind) Tag() string { return "tdx" }

// KeyPrefixes implements Kind: the TD's tdx-* manifest lines.
func (*TDXKind) KeyPrefixes() []string { return []string{"tdx-"} }

// TestbedKey implements Kind: the TEE TCB SVN.
func (*TDXKind) TestbedKey() string { return "tdx-tee-tcb-svn" }

// Suffixes implements Kind: the quote. The event log a dstack guest agent
// returns is kept too (OptionalSuffixes) but is not always there.
func (*TDXKind) Suffixes() []string { return []string{TDXQuoteSuffix} }

// OptionalSuffixes implements OptionalSuffixer: the event log a dstack
// guest agent's quote comes with.
func (*TDXKind) OptionalSuffixes() []string { return []string{TDXEventLogSuffix} }

// Detect implements Kind. A TDX guest is recognised by /dev/tdx_guest, a
// configfs-tsm entry whose provider is tdx_guest, or, inside a dstack
// container (no device, no configfs-tsm), the dstack guest agent's socket
// together with the tdx_guest CPU flag (the flag alone is not evidence, and
// nor is a socket alone). The agent is preferred when present, as dstack's
// SDKs do. With DSTACK_SIMULATOR_ENDPOINT set (a dstack simulator, whose
// quotes are not evidence) the agent does not count: only the device or
// configfs-tsm make a guest.
func (*TDXKind) Detect(root string) Detection {
	var d Detection
	ep, simulated := os.LookupEnv(SimulatorEnv)
	simulated = simulated && ep != ""
	cpuinfo, _ := readTrim(root, "proc/cpuinfo")
	flag := hasFlag(cpuinfo, "tdx_guest")
	sock := agentSocket(root)
	if sock != "" && flag && !simulated {
		d.Guest, d.Interface = true, TDXViaAgent
		d.Signs = append(d.Signs, "dstack guest agent at "+sock+" and the tdx_guest CPU flag")
	}
	if tsmProvider(root) == "tdx_guest" {
		d.Guest = true
		if d.Interface == "" {
			d.Interface = TDXViaConfigFS
		}
		d.Signs = append(d.Signs, "configfs-tsm provider tdx_guest")
	}
	if exists(root, tdxDevice) {
		d.Guest = true
		if d.Interface == "" {
			d.Interface = TDXViaDevice
		}
		d.Signs = append(d.Signs, "/"+tdxDevice+" present")
	}
	switch {
	case d.Guest:
	case simulated:
		d.Reason = "this machine is not a TDX guest: " + SimulatorEnv + " points at a dstack simulator, whose quotes are not evidence, and there is no /dev/tdx_guest and no configfs-tsm tdx_guest provider"
	case sock != "":
		d.Reason = "this machine is not a TDX guest: a dstack guest agent socket (" + sock + ") but no tdx_guest CPU flag"
	case flag:
		d.Reason = "this machine is not a TDX guest it can attest: the tdx_guest CPU flag, but no /dev/tdx_guest, no configfs-tsm tdx_guest provider and no dstack guest agent socket (" + strings.Join(AgentSockets, ", ") + ")"
	default:
		d.Reason = "this machine is not a TDX guest: no /dev/tdx_guest, no configfs-tsm tdx_guest provider, no dstack guest agent socket with the tdx_guest CPU flag"
	}
	return d
}

// Attest implements Kind: a quote over reportData from the dstack guest
// agent (with its event log) or from configfs-tsm or /dev/tdx_guest.
func (k *TDXKind) Attest(reportData [64]byte) (Evidence, error) {
	files := map[string][]byte{}
	source := ""
	switch {
	case k.quote != nil:
		q, err := k.quote(reportData)
		if err != nil {
			return Evidence{}, err
		}
		files[TDXQuoteSuffix] = q
	default:
		d := k.Detect(Root)
		if !d.Attestable() {
			return Evidence{}, fmt.Errorf("tee: TDX evidence: %s", cmpOr(d.Reason, "no evidence interface"))
		}
		source = d.Interface
		if d.Interface == TDXViaAgent {
			a, ok := FindAgent()
			if !ok {
				return Evidence{}, fmt.Errorf("tee: TDX evidence: the dstack guest agent's socket went away")
			}
			aq, err := a.GetQuote(context.Background(), reportData)
			if err != nil {
				return Evidence{}, err
			}
			files[TDXQuoteSuffix] = aq.Quote
			if len(aq.EventLog) > 0 {
				files[TDXEventLogSuffix] = aq.EventLog
			}
			break
		}
		q, err := GetTDXQuote(reportData)
		if err != nil {
			return Evidence{}, err
		}
		files[TDXQuoteSuffix] = q
	}
	_, info, err := ParseTDXQuote(files[TDXQuoteSuffix])
	if err != nil {
		return Evidence{}, err
	}
	if !bytes.Equal(info.ReportData, reportData[:]) {
		return Evidence{}, fmt.Errorf("tee: the TDX quote returned does not carry the requested report data")
	}
	return Evidence{TEE: k.Name(), Source: source, Files: files}, nil
}

// Describe implements Kind: tdx-quote-source, tdx-mrtd, tdx-attributes,
// tdx-debug and tdx-tee-tcb-svn (internal/attest cross-checks the last
// four with the quote).
func (k *TDXKind) Describe(ev Evidence) ([]Line, error) {
	_, info, err := ParseTDXQuote(ev.Files[TDXQuoteSuffix])
	if err != nil {
		return nil, err
	}
	return tdxLines(info, ev.Source), nil
}

// ReportData implements Kind: the quote's REPORTDATA, unverified.
func (k *TDXKind) ReportData(ev Evidence) ([]byte, error) {
	_, info, err := ParseTDXQuote(ev.Files[TDXQuoteSuffix])
	if err != nil {
		return nil, err
	}
	return info.ReportData, nil
}

func tdxLines(info *TDXInfo, source string) []Line {
	var lines []Line
	switch source {
	case "":
	case TDXViaAgent:
		lines = append(lines, Line{"tdx-quote-source", TDXViaAgent})
	default:
		lines = append(lines, Line{"tdx-quote-source", "tdx-guest-device"})
	}
	return append(lines,
		Line{"tdx-mrtd", info.MRTD},
		Line{"tdx-attributes", info.TDAttributes},
		Line{"tdx-debug", fmt.Sprint(info.Debug)},
		Line{"tdx-tee-tcb-svn", info.TEETCBSVN},
	)
}

// Verify implements Kind for a quote (and the dstack event log, when the
// evidence has one): the PCK chain to the Intel SGX Root CA and the quote's
// signature (VerifyTDXSignature), the report data, debug TDs refused, the
// event log's rules and replay to the quote's RTMRs, and the policy's tdx
// section (CheckTDXPolicy; with opts.Online the TCB status from Intel's
// collateral fetched now). internal/attest's VerifyFile adds the binding
// list, the manifest cross-check, the /Info extract and saved collateral.
func (k *TDXKind) Verify(ev Evidence, reportData [64]byte, policy json.RawMessage, opts VerifyOptions) (Claims, error) {
	var p *TDXPolicy
	if len(policy) > 0 && string(policy) != "null" {
		p = new(TDXPolicy)
		if err := decodeStrict(policy, p); err != nil {
			return Claims{}, fmt.Errorf("tee: tdx policy: %w", err)
		}
		if errs := checkTDXPolicyValues(p); len(errs) > 0 {
			return Claims{}, fmt.Errorf("tee: tdx policy: %w", errs[0])
		}
	}
	raw := ev.Files[TDXQuoteSuffix]
	q, info, err := ParseTDXQuote(raw)
	if err != nil {
		return Claims{}, err
	}
	if err := VerifyTDXSignature(q, k.roots, opts.now()); err != nil {
		return Claims{}, fmt.Errorf("tee: TDX quote signature or Intel certificate chain: %w", err)
	}
	if !bytes.Equal(info.ReportData, reportData[:]) {
		return Claims{}, fmt.Errorf("tee: TDX %w: the quote's report data %s… is not the expected %s…", ErrBinding,
			hex.EncodeToString(info.ReportData[:min(8, len(info.ReportData))]), hex.EncodeToString(reportData[:8]))
	}
	if info.Debug {
		return Claims{}, fmt.Errorf("tee: TDX quote comes from a debug TD (TD attributes %s): the host can read its memory", info.TDAttributes)
	}
	var caveats []string
	var tcb *TCBResult
	if opts.Online {
		c, err := FetchCollateral(raw, nil, k.roots, opts.now())
		if err == nil {
			tcb, err = c.Status(q, k.roots, opts.now())
		}
		if err != nil {
			return Claims{}, fmt.Errorf("tee: %w: %v", ErrTCB, err)
		}
	} else {
		caveats = append(caveats, "TCB status not checked (offline)")
	}
	var m DstackMeasured
	if log, ok := ev.Files[TDXEventLogSuffix]; ok {
		if m, err = (&Dstack{}).replay(log, info); err != nil {
			return Claims{}, fmt.Errorf("tee: dstack event log: %w", err)
		}
	}
	if p != nil {
		if err := CheckTDXPolicy(p, info, tcb, m); err != nil {
			return Claims{}, fmt.Errorf("tee: %w", err)
		}
	} else {
		caveats = append(caveats, "no policy: TD identity not checked")
	}
	return Claims{TEE: k.Name(), Lines: tdxLines(info, ""), Caveats: caveats}, nil
}
