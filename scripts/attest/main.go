// Command attest binds TEE evidence to result files. It is built for one
// TEE, named by its build tag (tee.Tagged: -tags tdx or -tags snp, the tags
// of tee.Kinds()); built without one it prints its usage and exits 2.
//
// TDX: for each file it writes a binding list <file>.bind naming the file
// and its side files present (skip list, GPU evidence, /Info extract,
// source label) with their SHA-512 (and TEEBENCH_NONCE, when set), asks the
// TDX guest for a quote whose report data is SHA-512 of that list, and
// writes it as <file>.quote, never overwriting one (internal/attest
// AttestFiles). Inside a dstack CVM (a container with the guest agent's
// socket mounted, /var/run/dstack.sock and the other paths dstack's SDKs
// try, or DSTACK_SIMULATOR_ENDPOINT) the quote comes from the guest agent,
// and the agent's event log, an extract of its /Info answer (identity
// fields only; the compose file with TEEBENCH_KEEP_COMPOSE=1) and the
// source label are stored too (<file>.eventlog.json,
// <file>.dstack-info.json, <file>.attestation; the endpoint's credentials
// redacted); a simulator's quote is labelled `attestation: simulated`.
// TEEBENCH_COLLATERAL=1 also saves Intel's collateral for the quote
// (<file>.collateral.json).
//
// SEV-SNP (and any other Kind): the same binding list, then the Kind's
// evidence over SHA-512 of it, written beside the file (<file>.snp-report
// and <file>.snp-certs; internal/attest RunAttestKind, docs/snp.md).
// Inside a dstack CVM the report comes from the guest agent's /Attest: the
// /Info extract and the source label are written first, as for TDX, and
// bound by the list, and the MrConfigV3 document that comes with the
// report (<file>.dstack-mr-config.json), which its HOST_DATA binds.
//
// Run it after the result file and its skip list are final. When the file
// says `gpu-cc: on` and the command is built with -tags gpu, it first
// writes <file>.gpu-evidence (NVML attestation reports over the first 32
// bytes of SHA-512 of the result file), which the binding list then
// binds. scripts/bench.sh runs it after a run built with a TEE tag:
//
//	go run -tags tdx ./scripts/attest results/x.txt
//	go run -tags snp,gpu ./scripts/attest results/x.txt
//
// scripts/verify checks the result offline. Exit status: 0 all written,
// 1 something could not be written (the reason is printed), 2 usage.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/tee"
)

// gpuCollector is set by gpu.go when built with -tags gpu.
var gpuCollector attest.GPUCollector

func main() {
	flag.Usage = func() { fmt.Fprintln(os.Stderr, usage()) }
	flag.Parse()
	if flag.NArg() == 0 || tee.Tagged == nil {
		flag.Usage()
		os.Exit(2)
	}
	if tee.Tagged != tee.TDX {
		status := 0
		for _, p := range flag.Args() {
			if err := attest.RunAttestKind(os.Stdout, p, tee.Tagged, gpuCollector); err != nil {
				fmt.Fprintln(os.Stderr, err)
				status = 1
			}
		}
		os.Exit(status)
	}
	getQuote, agent, err := attest.QuoteSource()
	if err != nil {
		fmt.Fprintln(os.Stderr, "attest:", err)
		os.Exit(1)
	}
	status := 0
	for _, p := range flag.Args() {
		if agent != nil {
			err = attest.RunAttestAgent(os.Stdout, p, agent, gpuCollector)
		} else {
			err = attest.RunAttest(os.Stdout, p, getQuote, gpuCollector)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
		}
	}
	os.Exit(status)
}

// usage names the build tags of every TEE the suite knows.
func usage() string {
	var tags []string
	for _, k := range tee.Kinds() {
		tags = append(tags, k.Tag()+" ("+k.Title()+")")
	}
	u := "usage: go run -tags TEE[,gpu] ./scripts/attest RESULT_FILE...\n       TEE is one of: " + strings.Join(tags, ", ")
	if tee.Tagged == nil {
		u += "\n       built without a TEE tag there is no evidence to bind"
	}
	return u
}
