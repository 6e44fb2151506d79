// Command verify checks that result files carry valid TEE evidence, and
// says exactly what it did not check. For each file it looks for the
// evidence of every TEE internal/tee knows (tee.Kinds): SEV-SNP evidence
// (<file>.snp-report and <file>.snp-certs) is checked by the SEV-SNP Kind
// (AMD chain to the embedded AMD roots, report signature, the binding
// as for TDX below, debug refused, the policy's "sev-snp" section;
// docs/snp.md). For TDX it reads <file>.quote
// and checks the quote's PCK certificate chain up to Intel's root
// (the Intel SGX Root CA embedded in internal/tee), the QE report and quote
// signatures, the binding (report data = SHA-512 of <file>.bind, a list of
// the file and its side files, each of which must be present and unchanged;
// a quote made the old way binds the file alone, labelled "side files
// unbound"), that the TD is not a debug TD, that the file's tdx-* lines
// agree with the quote, and, with -policy, that the TD is the one the
// policy names. GPU evidence (<file>.gpu-evidence) is checked for its nonce
// only; verifying it needs NVIDIA's services.
//
// A quote from the dstack guest agent comes with its event log
// (<file>.eventlog.json), an extract of the agent's /Info answer
// (<file>.dstack-info.json) and a source label (<file>.attestation): verify
// accepts runtime events only in IMR 3, refuses duplicate identity events,
// replays the log and compares every RTMR that has events with the quote,
// and takes the app id, compose hash and OS image hash from the log. A
// quote labelled `attestation: simulated` is never verified. On SEV-SNP
// the agent's report comes with dstack's MrConfigV3 document
// (<file>.dstack-mr-config.json) instead of a log: verify checks that the
// report's HOST_DATA is its hash and that the extract's app id and compose
// hash agree with it; the OS image hash is not bound there.
//
//	go run ./scripts/verify -policy policy.json results/x.txt
//	go run ./scripts/verify -print-policy results/x.txt > policy.json
//	go run ./scripts/verify -roots internal/attest/testdata/test-roots.pem -allow-test-root internal/attest/testdata/matching/result.txt
//
// The verdict line says VERIFIED only when the signature, binding, debug
// check and a policy all pass; without -policy it says the TD's identity
// was not checked (exit status 0: some TD signed and bound the file), and
// it always names what was not checked (TCB status, QE identity and
// revocation need Intel's collateral; freshness needs a nonce).
//
// Collateral: with -online verify fetches Intel's TCB info, QE identity
// and CRLs now (-save-collateral keeps them as <file>.collateral.json);
// without it a <file>.collateral.json beside the quote is used, verified as
// of its fetch time, and the status is printed "TCB status X as of DATE".
// The TDX library checks every signature and the revocation lists; the TCB
// level (UpToDate, SWHardeningNeeded, ...) is computed here, since the
// library fails on anything but UpToDate.
// The policy file is one JSON object with a section per TEE ("tdx",
// "sev-snp"; internal/tee policy.go).
// -print-policy prints the policy that pins a verified TDX result's MRTD,
// RTMR1-2, TD attributes, TEE TCB SVN and dstack values (-pin-all-rtmrs adds
// RTMR0 and RTMR3), or an SEV-SNP result's measurement and TCB: trust on
// first use, so check that first result some other way.
//
// Flags: -policy FILE; -print-policy; -online; -save-collateral;
// -allow-debug accepts a debug TD;
// -roots PEM trusts those roots instead of Intel's (test chains), and then
// the verdict fails unless -allow-test-root is given; -at RFC3339 checks
// certificate validity at that time instead of now. Exit status: 0 every
// file passed, 1 some check failed (the reasons are printed), 2 usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/teebench/teebench/internal/attest"
	"github.com/teebench/teebench/internal/cli"
	"github.com/teebench/teebench/internal/tee"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command with its arguments and output streams; it returns the
// exit status.
func run(args []string, stdout, stderr io.Writer) int {
	var opts attest.VerifyOptions
	fs := cli.Flags("verify", "usage: verify [-policy FILE] [-online [-save-collateral]] [-allow-debug] [-roots PEM -allow-test-root] [-at TIME] RESULT_FILE...\n       verify -print-policy [-pin-all-rtmrs] [-roots PEM -allow-test-root] RESULT_FILE", stderr)
	fs.BoolVar(&opts.AllowDebug, "allow-debug", false, "accept a quote from a debug TD as evidence")
	roots := fs.String("roots", "", "PEM `file` of root certificates to trust instead of Intel's (test chains; needs -allow-test-root to pass)")
	fs.BoolVar(&opts.AllowTestRoot, "allow-test-root", false, "accept evidence signed under the -roots test root")
	at := fs.String("at", "", "check certificate validity at this RFC 3339 `time` instead of now")
	policy := fs.String("policy", "", "check the TD against this policy `file` (versioned JSON)")
	printPolicy := fs.Bool("print-policy", false, "print the policy that pins the (single) verified result's TD, instead of a report")
	pinAll := fs.Bool("pin-all-rtmrs", false, "with -print-policy: pin RTMR0 and RTMR3 too")
	fs.BoolVar(&opts.Online, "online", false, "fetch Intel's collateral (TCB info, QE identity, CRLs) from Intel's PCS now and check the TCB status")
	fs.BoolVar(&opts.SaveCollateral, "save-collateral", false, "with -online: save the collateral beside the quote (<file>.collateral.json) for later offline checks")
	if !cli.Parse(fs, args, 1) {
		return cli.ExitUsage
	}
	if *printPolicy && (fs.NArg() != 1 || *policy != "") {
		fs.Usage()
		return cli.ExitUsage
	}
	// badInput says what is wrong with the command line; exit status 2.
	badInput := func(err error) int {
		fmt.Fprintln(stderr, "verify:", err)
		return cli.ExitUsage
	}
	var err error
	switch {
	case opts.SaveCollateral && !opts.Online:
		return badInput(errors.New("-save-collateral without -online"))
	case opts.AllowTestRoot && *roots == "":
		return badInput(errors.New("-allow-test-root without -roots"))
	}
	if *roots != "" {
		if opts.Roots, err = tee.LoadRoots(*roots); err != nil {
			return badInput(err)
		}
		opts.RootsLabel = *roots
	}
	if *policy != "" {
		if opts.Policy, err = tee.LoadPolicy(*policy); err != nil {
			return badInput(err)
		}
		opts.PolicyLabel = *policy
	}
	if *at != "" {
		if opts.Now, err = time.Parse(time.RFC3339, *at); err != nil {
			return badInput(fmt.Errorf("-at %q: want RFC 3339, e.g. 2026-01-01T00:00:00Z", *at))
		}
	}
	if *printPolicy {
		p, err := attest.PolicyForFile(fs.Arg(0), opts, *pinAll)
		if err == nil {
			stdout.Write(p.Marshal())
			fmt.Fprintf(stderr, "verify: printed the policy of %s's guest (trust on first use: it pins whatever guest made this evidence)\n", fs.Arg(0))
			return 0
		}
		fmt.Fprintf(stderr, "verify: %s: %v\n", fs.Arg(0), err)
		return 1
	}
	status := 0
	for i, p := range fs.Args() {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := attest.RunVerify(stdout, p, opts); err != nil {
			fmt.Fprintf(stderr, "verify: %s: %v\n", p, err)
			status = 1
		}
	}
	return status
}
