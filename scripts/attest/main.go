//go:build tdx

// Command attest binds a TDX quote to result files: for each file it asks
// the TDX guest for a quote whose report data is SHA-512 of the file's bytes
// and writes it next to the file as <file>.quote, never overwriting one.
// Inside a dstack CVM (a container with the guest agent's socket mounted,
// /var/run/dstack.sock and the other paths dstack's SDKs try, or
// DSTACK_SIMULATOR_ENDPOINT) the quote comes from the guest agent, and the
// agent's event log, its /Info answer and the source label are stored too
// (<file>.eventlog.json, <file>.dstack-info.json, <file>.attestation); a
// simulator's quote is labelled `attestation: simulated`.
// When the file says `gpu-cc: on` and the command is built with -tags gpu,
// it also writes <file>.gpu-evidence (NVML attestation reports over the
// first 32 bytes of the same hash). scripts/bench.sh runs it after a run
// built with -tags tdx:
//
//	go run -tags tdx ./scripts/attest results/x.txt
//	go run -tags tdx,gpu ./scripts/attest results/x.txt
//
// scripts/verify checks the result offline. Exit status: 0 all written,
// 1 something could not be written (the reason is printed), 2 usage.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/teebench/teebench/internal/attest"
)

// gpuCollector is set by gpu.go when built with -tags gpu.
var gpuCollector attest.GPUCollector

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run -tags tdx[,gpu] ./scripts/attest RESULT_FILE...")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
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
