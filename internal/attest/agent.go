package attest

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/tee"
)

// agentQuoteFunc returns a QuoteFunc that asks agent a.
func agentQuoteFunc(a *tee.Agent) QuoteFunc {
	return func(rd [64]byte) ([]byte, error) {
		q, err := a.GetQuote(context.Background(), rd)
		if err != nil {
			return nil, err
		}
		return q.Quote, nil
	}
}

// QuoteSource says how this machine gets TDX quotes: the guest agent when
// one is found (tee.FindAgent), else the TDX guest interface, else tee.ErrNoTDX; agent is nil unless the guest agent is the source.
func QuoteSource() (get QuoteFunc, agent *tee.Agent, err error) {
	if a, ok := tee.FindAgent(); ok {
		return agentQuoteFunc(a), a, nil
	}
	if d := tee.TDX.Detect(tee.Root); d.Interface == tee.TDXViaConfigFS || d.Interface == tee.TDXViaDevice {
		return tee.GetTDXQuote, nil, nil
	}
	return nil, nil, fmt.Errorf("%w, and no dstack guest agent (%s, or %s)", tee.ErrNoTDX, strings.Join(tee.AgentSockets, ", "), tee.SimulatorEnv)
}

// writeAgentFiles writes, for the binding list that follows, the guest
// agent's /Info extract (tee.AgentInfoPath, tee.AgentInfo.Extract; the
// compose file only with TEEBENCH_KEEP_COMPOSE=1) and the source label
// (tee.SourcePath: which agent, its endpoint redacted, a simulator noted),
// never overwriting; checkedBy says how scripts/verify checks the extract.
// It is the one writer of both for every TEE (AttestWithAgent on TDX,
// RunAttestKind through the agent on SEV-SNP). undo removes what it wrote,
// for an attest that fails before its evidence is written; when it fails,
// it has removed what it wrote itself.
func writeAgentFiles(w io.Writer, resultPath string, a *tee.Agent, checkedBy string) (undo func(), err error) {
	ai, err := a.Info(context.Background())
	if err != nil {
		return nil, fmt.Errorf("attest: no evidence for %s: %w", resultPath, err)
	}
	keep := config.KeepCompose()
	if err := tee.WriteNew(tee.AgentInfoPath(resultPath), ai.Extract(keep)); err != nil {
		return nil, err
	}
	what := "compose file not stored (" + tee.KeepComposeEnv + "=1 keeps it)"
	if keep {
		what = "compose file kept (" + tee.KeepComposeEnv + "=1)"
	}
	fmt.Fprintf(w, "wrote %s: app_id %s, compose_hash %s, os_image_hash %s (unverified until %s); %s\n",
		tee.AgentInfoPath(resultPath), ai.AppID, ai.ComposeHash, ai.OSImageHash, checkedBy, what)
	src := fmt.Sprintf("attestation: %s\nendpoint: %s\n", a.Label(), a.Redacted())
	if a.Simulated {
		src += "note: quote from a dstack simulator (" + tee.SimulatorEnv + "); not evidence of a TEE\n"
		fmt.Fprintf(w, "warning: %s is set: this quote comes from a simulator; scripts/verify will not count it as evidence\n", tee.SimulatorEnv)
	}
	undo = func() {
		os.Remove(tee.AgentInfoPath(resultPath))
		os.Remove(tee.SourcePath(resultPath))
	}
	if err := tee.WriteNew(tee.SourcePath(resultPath), []byte(src)); err != nil {
		os.Remove(tee.AgentInfoPath(resultPath))
		return nil, err
	}
	return undo, nil
}

// AttestWithAgent binds a quote from the guest agent to a result file and
// its side files. In order: it stores the agent's /Info extract and the
// source label (writeAgentFiles), then, with AttestFiles, the binding list
// over the result file and every side file present (skip list, GPU
// evidence, those two) and the quote over the list, then the event log that
// came with the quote (tee.EventLogPath; scripts/verify checks it by
// replay). Nothing is overwritten. A simulator's quote is stored even when
// it does not carry the requested report data (the simulator replays a
// fixed quote), labelled simulated; scripts/verify refuses it. When no
// quote is written, the extract and label go too; an error after the quote
// is written is returned, and what was written stays.
func AttestWithAgent(w io.Writer, resultPath string, a *tee.Agent) (*tee.TDXInfo, error) {
	if _, err := os.Lstat(QuotePath(resultPath)); err == nil {
		return nil, fmt.Errorf("attest: %s already exists; not overwriting it", QuotePath(resultPath))
	}
	undo, err := writeAgentFiles(w, resultPath, a, "scripts/verify replays the event log")
	if err != nil {
		return nil, err
	}
	var aq *tee.AgentQuote
	get := func(rd [64]byte) ([]byte, error) {
		q, err := a.GetQuote(context.Background(), rd)
		if err != nil {
			return nil, err
		}
		aq = q
		return q.Quote, nil
	}
	info, _, err := attestFiles(resultPath, ExistingSideFiles(resultPath), config.Nonce(), get, !a.Simulated)
	if err != nil {
		undo() // no quote: the extract and label written for it go too
		return nil, err
	}
	from := "dstack guest agent"
	if a.Simulated {
		from = "dstack simulator"
	}
	fmt.Fprintf(w, "wrote %s and %s: quote from the %s at %s over SHA-512 of the binding list, MRTD %s, TD attributes %s\n",
		BindPath(resultPath), QuotePath(resultPath), from, a.Redacted(), info.MRTD, info.TDAttributes)
	if len(aq.EventLog) == 0 {
		return info, fmt.Errorf("attest: guest agent %s returned an empty event log; scripts/verify will refuse this quote (the compose hash and app id cannot be checked)", a.Redacted())
	}
	if err := tee.WriteNew(tee.EventLogPath(resultPath), aq.EventLog); err != nil {
		return info, err
	}
	fmt.Fprintf(w, "wrote %s: the agent's event log\n", tee.EventLogPath(resultPath))
	return info, nil
}
