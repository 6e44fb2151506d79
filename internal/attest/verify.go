package attest

import (
	"bytes"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/tee"
)

// Failure kinds returned (wrapped) by Verify. Test them with errors.Is.
var (
	// ErrNoQuote means the result file has no quote next to it.
	ErrNoQuote = errors.New("no quote")
	// ErrBadQuote means the quote bytes could not be parsed.
	ErrBadQuote = errors.New("quote cannot be parsed")
	// ErrSignature means the PCK chain, the QE report or the quote signature
	// did not verify against the trusted root.
	ErrSignature = errors.New("quote signature chain does not verify")
	// ErrReportData means the quote's report data is not SHA-512 of the file.
	ErrReportData = errors.New("report data does not match SHA-512 of the file")
	// ErrDebugTD means the quote comes from a debug TD (TD attributes bit 0),
	// whose memory the host can read: not valid evidence.
	ErrDebugTD = errors.New("quote comes from a debug TD (TD attributes DEBUG bit set)")
)

// VerifyOptions controls Verify. The zero value verifies against Intel's
// root at the current time, rejects debug TDs and checks no policy.
type VerifyOptions struct {
	// Roots replaces the Intel SGX Root CA (nil = Intel): a test root.
	// Evidence under it fails (Result.Root) unless AllowTestRoot.
	Roots *x509.CertPool
	// RootsLabel names Roots in output (the PEM file's path).
	RootsLabel string
	// AllowTestRoot accepts evidence signed under Roots.
	AllowTestRoot bool
	// AllowDebug accepts a quote from a debug TD as valid evidence.
	AllowDebug bool
	// Now is when certificate validity is checked (zero = time.Now()).
	Now time.Time
	// Policy is the TD the verifier expects; nil checks none (the TD's
	// identity is then not checked, and the verdict says so).
	Policy *tee.Policy
	// PolicyLabel names Policy in output (its path).
	PolicyLabel string
	// Online fetches Intel's collateral now (through Getter, nil = Intel's
	// PCS) for the TCB status; otherwise a collateral saved beside the
	// quote (tee.CollateralPath) is used when present, and without either the
	// TCB status is not checked (offline).
	Online bool
	Getter tee.HTTPSGetter
	// SaveCollateral writes what Online fetched to tee.CollateralPath (never
	// overwriting).
	SaveCollateral bool
}

// ErrTestRoot means the quote was checked against a test root without
// AllowTestRoot.
var ErrTestRoot = errors.New("checked against a test root, not Intel's")

// Result is what Verify found. Each check has its own error (nil = passed),
// so a caller can print every check, not only the first failure.
type Result struct {
	// FileSHA512 is SHA-512 of the result file's bytes.
	FileSHA512 [64]byte
	// QuoteSize is the length of the raw quote in bytes.
	QuoteSize int
	// Info is what the quote says; nil when it did not parse.
	Info *tee.TDXInfo
	// Parse, Signature, Binding and Debug are the outcome of each check.
	Parse, Signature, Binding, Debug error
	// Bind says how the quote binds the file: through a binding list, or
	// over the result file alone (Bind.Unbound: side files unbound).
	Bind *Binding
	// Root is ErrTestRoot when the quote was checked against a test root
	// without AllowTestRoot; TestRoot names that root ("" for Intel's).
	Root     error
	TestRoot string
	// Manifest is the cross-check of the result file's tdx-* lines with
	// the quote.
	Manifest error
	// Dstack is the dstack guest agent's evidence beside the file (event
	// log, /Info, source label); nil when there is none. DstackErr holds its
	// failures: a simulated quote, an event log that breaks a rule or does
	// not replay to the quote's RTMRs, /Info values the replayed log
	// contradicts, a guest-agent quote without its event log.
	Dstack    *tee.Dstack
	DstackErr error
	// TCB is the TCB status from Intel's collateral; nil when not checked.
	TCB *tee.TCBResult
	// TCBErr is why the collateral did not give a status.
	TCBErr error
	// TCBSource says where the collateral came from.
	TCBSource string
	// Policy is the policy check: nil when it passed or when none was
	// given (PolicyChecked false).
	Policy        error
	PolicyChecked bool
}

// Err joins the failed checks ("; " between them, errors.Is sees each);
// nil means the quote is valid evidence for the file (and its TD matches
// the policy, when one was given).
func (r *Result) Err() error {
	var errs checkErrors
	for _, e := range []error{r.Parse, r.Signature, r.Binding, r.Debug, r.Root, r.Manifest, r.DstackErr, r.TCBErr, r.Policy} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// checkErrors is several failed checks on one line.
type checkErrors []error

func (e checkErrors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

func (e checkErrors) Unwrap() []error { return e }

// ReportData returns the report data that binds a quote to a result file:
// SHA-512 of the file's bytes, exactly the 64 bytes TDX report data holds.
func ReportData(file []byte) [64]byte { return sha512.Sum512(file) }

// Verify checks that rawQuote is valid evidence for file, a quote made the
// old way (over the result file alone): see verifyQuote. VerifyFile also
// reads the binding list and side files.
func Verify(file, rawQuote []byte, opts VerifyOptions) *Result {
	r := verifyQuote(file, rawQuote, opts)
	if r.Info != nil {
		r.Binding = bindingErr(r.Info.ReportData, r.FileSHA512)
		r.Bind = &Binding{}
	}
	r.finish(opts)
	return r
}

// verifyQuote checks what does not depend on side files, offline: the PCK
// certificate chain leads to the trusted root, the QE report and the quote
// are signed by it, and the TD is not a debug TD (unless opts.AllowDebug).
// It checks no TCB status, QE identity or revocation (those need Intel's
// collateral).
func verifyQuote(file, rawQuote []byte, opts VerifyOptions) *Result {
	r := &Result{FileSHA512: ReportData(file), QuoteSize: len(rawQuote)}
	q, info, err := tee.ParseTDXQuote(rawQuote)
	if err != nil {
		r.Parse = fmt.Errorf("%w: %v", ErrBadQuote, err)
		return r
	}
	r.Info = info
	if err := tee.VerifyTDXSignature(q, opts.Roots, opts.Now); err != nil {
		r.Signature = fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if info.Debug && !opts.AllowDebug {
		r.Debug = fmt.Errorf("%w: attributes %s", ErrDebugTD, info.TDAttributes)
	}
	if opts.Roots != nil {
		r.TestRoot = opts.RootsLabel
		if r.TestRoot == "" {
			r.TestRoot = "a test root"
		}
		if !opts.AllowTestRoot {
			r.Root = fmt.Errorf("%w (%s): evidence under it proves nothing about real hardware; -allow-test-root accepts it", ErrTestRoot, r.TestRoot)
		}
	}
	return r
}

// finish applies the policy, last, to everything found.
func (r *Result) finish(opts VerifyOptions) {
	if opts.Policy != nil {
		r.PolicyChecked = true
		var m tee.DstackMeasured
		if r.Dstack != nil && r.DstackErr == nil {
			m = r.Dstack.Measured
		}
		r.Policy = tee.CheckTDXPolicy(opts.Policy.TDX, r.Info, r.TCB, m)
	}
}

// bindingErr is nil when a quote's report data is fileSum, and otherwise
// ErrReportData with the first bytes of each.
func bindingErr(reportData []byte, fileSum [64]byte) error {
	if bytes.Equal(reportData, fileSum[:]) {
		return nil
	}
	return fmt.Errorf("%w: quote has %s…, file hashes to %s…", ErrReportData,
		hex.EncodeToString(reportData[:min(8, len(reportData))]), hex.EncodeToString(fileSum[:8]))
}

// VerifyFile reads a result file and its quote (QuotePath) and verifies them.
func VerifyFile(resultPath string, opts VerifyOptions) (*Result, error) {
	file, err := os.ReadFile(resultPath)
	if err != nil {
		return nil, fmt.Errorf("attest: result file: %w", err)
	}
	raw, err := os.ReadFile(QuotePath(resultPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("attest: %w: %s does not exist", ErrNoQuote, QuotePath(resultPath))
	}
	if err != nil {
		return nil, fmt.Errorf("attest: quote: %w", err)
	}
	r := verifyQuote(file, raw, opts)
	if r.Info != nil {
		dir, name := filepath.Split(resultPath)
		if dir == "" {
			dir = "."
		}
		r.Bind, r.Binding = checkBinding(name, r.Info.ReportData, dirReader(dir))
		r.Manifest = checkManifest(file, r.Info)
		r.Dstack, r.DstackErr = tee.ReadDstack(resultPath, r.Info, manifestValue(file, "tdx-quote-source"))
		if r.Signature == nil {
			r.tcb(resultPath, raw, opts)
		}
	}
	r.finish(opts)
	return r, nil
}

// tcb sets the TCB status from Intel's collateral: fetched now with
// opts.Online, else from a saved collateral file; neither leaves it unset.
func (r *Result) tcb(resultPath string, raw []byte, opts VerifyOptions) {
	var c *tee.Collateral
	var err error
	switch _, statErr := os.Stat(tee.CollateralPath(resultPath)); {
	case opts.Online:
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		if c, err = tee.FetchCollateral(raw, opts.Getter, opts.Roots, now); err == nil {
			r.TCBSource = "fetched from Intel's PCS now"
			if opts.SaveCollateral {
				err = tee.WriteNew(tee.CollateralPath(resultPath), c.Marshal())
			}
		}
	case statErr == nil:
		c, err = tee.LoadCollateral(tee.CollateralPath(resultPath))
		r.TCBSource = "saved in " + tee.CollateralPath(resultPath)
	default:
		return
	}
	if err != nil {
		r.TCBErr = fmt.Errorf("%w: %v", tee.ErrTCB, err)
		return
	}
	q, _, err := tee.ParseTDXQuote(raw)
	if err != nil {
		r.TCBErr = err
		return
	}
	r.TCB, r.TCBErr = c.Status(q, opts.Roots, opts.Now)
}

// manifestValue returns the value of the first `key: value` line of a
// result file ("" when there is none).
func manifestValue(file []byte, key string) string {
	for _, l := range strings.Split(string(file), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// checkManifest cross-checks the result file's TEE lines (written by
// benchenv from a quote of the same TD) with the quote: tdx-mrtd,
// tdx-attributes, tdx-debug and tdx-tee-tcb-svn must agree.
func checkManifest(file []byte, info *tee.TDXInfo) error {
	var bad []string
	for _, c := range []struct{ key, got string }{
		{"tdx-mrtd", info.MRTD}, {"tdx-attributes", info.TDAttributes},
		{"tdx-debug", fmt.Sprint(info.Debug)}, {"tdx-tee-tcb-svn", info.TEETCBSVN},
	} {
		if v := manifestValue(file, c.key); v != "" && v != c.got {
			bad = append(bad, fmt.Sprintf("%s: the file says %s, the quote has %s", c.key, v, c.got))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", tee.ErrManifest, strings.Join(bad, "; "))
	}
	return nil
}
