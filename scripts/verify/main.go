// Command verify checks, offline, that result files carry valid TDX
// evidence: for each file it reads <file>.quote, checks the quote's PCK
// certificate chain up to Intel's root (go-tdx-guest's embedded Intel SGX
// Root CA), the QE report and quote signatures, that the report data equals
// SHA-512 of the file, and that the TD is not a debug TD; it prints MRTD,
// RTMRs, TD attributes and TEE TCB SVN. GPU evidence (<file>.gpu-evidence)
// is checked for its nonce only; verifying it needs NVIDIA's services.
//
// A quote from the dstack guest agent comes with its event log
// (<file>.eventlog.json), the agent's /Info answer (<file>.dstack-info.json)
// and a source label (<file>.attestation): verify replays the event log and
// fails unless it gives the quote's RTMR3, and prints compose_hash and
// os_image_hash as verified only when the replayed log measures them (else
// unverified, with the reason). A quote labelled `attestation: simulated`
// (DSTACK_SIMULATOR_ENDPOINT) is never verified.
//
//	go run ./scripts/verify results/x.txt
//	go run ./scripts/verify -roots internal/attest/testdata/test-roots.pem internal/attest/testdata/matching/result.txt
//
// Flags: -allow-debug accepts a debug TD; -roots PEM trusts those roots
// instead of Intel's (test fixtures); -at RFC3339 checks certificate
// validity at that time instead of now. It checks no TCB status or
// revocation (that needs Intel's PCS online). Exit status: 0 every file
// verified, 1 some check failed (the reasons are printed), 2 usage.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/teebench/teebench/internal/attest"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command with its arguments and output streams; it returns the
// exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	allowDebug := fs.Bool("allow-debug", false, "accept a quote from a debug TD as evidence")
	roots := fs.String("roots", "", "PEM `file` of root certificates to trust instead of Intel's (test chains)")
	at := fs.String("at", "", "check certificate validity at this RFC 3339 `time` instead of now")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./scripts/verify [-allow-debug] [-roots PEM] [-at TIME] RESULT_FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	opts := attest.VerifyOptions{AllowDebug: *allowDebug}
	label := ""
	if *roots != "" {
		pool, err := attest.LoadRoots(*roots)
		if err != nil {
			fmt.Fprintln(stderr, "verify:", err)
			return 2
		}
		opts.Roots, label = pool, *roots+" (NOT Intel's root: evidence checked against it proves nothing about real hardware)"
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "verify: -at %q: want RFC 3339, e.g. 2026-01-01T00:00:00Z\n", *at)
			return 2
		}
		opts.Now = t
	}
	status := 0
	for i, p := range fs.Args() {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := attest.RunVerify(stdout, p, opts, label); err != nil {
			fmt.Fprintf(stderr, "verify: %s: %v\n", p, err)
			status = 1
		}
	}
	return status
}
