package tee

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-tdx-guest/pcs"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/verify"
	"github.com/google/go-tdx-guest/verify/trust"
)

// Collateral is Intel's collateral for one quote, as Intel's PCS served it:
// the TCB info of the platform's FMSPC, the QE identity, the PCK CRL and the
// root CA CRL, each response kept whole (headers carry the issuer chains)
// and keyed by URL, with the time it was fetched. It is saved beside a
// result file as CollateralPath; go-tdx-guest verifies every signature in
// it against the trusted root. A saved collateral is checked as of its
// fetch time (TCB info and QE identity expire after about 30 days), so the
// status it gives is "as of" that date.
type Collateral struct {
	// FetchedAt is when the responses were fetched; verification is as of
	// then.
	FetchedAt time.Time `json:"fetched_at"`
	// Responses maps each PCS URL to its response.
	Responses map[string]CollateralResponse `json:"responses"`
}

// CollateralResponse is one PCS response.
type CollateralResponse struct {
	Header map[string][]string `json:"header,omitempty"`
	Body   []byte              `json:"body"`
}

// CollateralPath returns where a result file's saved collateral goes.
func CollateralPath(resultPath string) string { return resultPath + ".collateral.json" }

// Get serves a saved response (trust.HTTPSGetter), so that go-tdx-guest
// verifies exactly what was saved.
func (c *Collateral) Get(url string) (map[string][]string, []byte, error) {
	r, ok := c.Responses[url]
	if !ok {
		return nil, nil, fmt.Errorf("collateral: no saved response for %s", url)
	}
	return r.Header, r.Body, nil
}

// recorder is a getter that keeps what it fetched.
type recorder struct {
	g  trust.HTTPSGetter
	mu sync.Mutex
	c  *Collateral
}

func (r *recorder) Get(url string) (map[string][]string, []byte, error) {
	h, b, err := r.g.Get(url)
	if err == nil {
		r.mu.Lock()
		r.c.Responses[url] = CollateralResponse{Header: h, Body: b}
		r.mu.Unlock()
	}
	return h, b, err
}

// FetchCollateral fetches the collateral for a quote through getter (nil:
// Intel's PCS over HTTPS), as of now.
func FetchCollateral(rawQuote []byte, getter trust.HTTPSGetter, roots *x509.CertPool, now time.Time) (*Collateral, error) {
	q, _, err := ParseTDXQuote(rawQuote)
	if err != nil {
		return nil, err
	}
	if getter == nil {
		getter = trust.DefaultHTTPSGetter()
	}
	if roots == nil {
		roots = IntelRoots()
	}
	c := &Collateral{FetchedAt: now.UTC(), Responses: map[string]CollateralResponse{}}
	// The verification itself is redone by Status; here it only drives the
	// fetches (and a TCB status other than UpToDate is not a fetch error).
	err = verify.TdxQuote(q, &verify.Options{GetCollateral: true, CheckRevocations: true, Getter: &recorder{g: getter, c: c}, Now: now, TrustedRoots: roots})
	if err != nil && len(c.Responses) < 4 {
		return nil, fmt.Errorf("tee: collateral: %w", err)
	}
	return c, nil
}

// LoadCollateral reads a saved collateral file.
func LoadCollateral(path string) (*Collateral, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tee: collateral: %w", err)
	}
	var c Collateral
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("tee: collateral %s: %w", path, err)
	}
	if c.FetchedAt.IsZero() || len(c.Responses) == 0 {
		return nil, fmt.Errorf("tee: collateral %s: no fetched_at or no responses", path)
	}
	return &c, nil
}

// Marshal returns the collateral as JSON.
func (c *Collateral) Marshal() []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// ErrTCB means the collateral does not verify or gives no TCB status.
var ErrTCB = errors.New("TCB status check failed")

// go-tdx-guest v0.3.1 returns an error for any TCB status but UpToDate, and
// stops before the QE identity check when the platform's status is not
// UpToDate. These match its two status errors (verify.go: verifyTdQuoteBody
// and verifyQeReport wrap checkTcbInfoTcbStatus / checkQeTcbStatus); both
// come after every signature in the quote and the collateral verified, so
// the status is then computed here from the same (verified) responses.
var (
	platformStatusErr = regexp.MustCompile(`^TDX TCB info reported by Intel PCS failed TCB status check: (TDX Module )?TCB Status is not "UpToDate", found "([A-Za-z]+)"$`)
	qeStatusErr       = regexp.MustCompile(`^QE Identity reported by Intel PCS failed TCB status check: TCB Status is not "UpToDate", found "([A-Za-z]+)"$`)
)

// Status verifies the quote with the collateral as of its fetch time
// (PCK chain, revocation, TCB info and QE identity signatures, QE identity)
// and returns the TCB status: the worse of the platform's TCB level, the
// TDX module's and the QE's, computed from the TCB info and QE identity.
func (c *Collateral) Status(q *pb.QuoteV4, roots *x509.CertPool, now time.Time) (*TCBResult, error) {
	if roots == nil {
		roots = IntelRoots()
	}
	if !now.IsZero() && c.FetchedAt.After(now.Add(time.Hour)) {
		return nil, fmt.Errorf("%w: the collateral says it was fetched at %s, after the check time", ErrTCB, c.FetchedAt.Format(time.RFC3339))
	}
	err := verify.TdxQuote(q, &verify.Options{GetCollateral: true, CheckRevocations: true, Getter: c, Now: c.FetchedAt, TrustedRoots: roots})
	qeChecked := true
	if err != nil {
		switch msg := err.Error(); {
		case platformStatusErr.MatchString(msg):
			qeChecked = false // the library stopped before the QE report
		case qeStatusErr.MatchString(msg):
		default:
			return nil, fmt.Errorf("%w: %v", ErrTCB, err)
		}
	}
	tcb, qe, err := c.parsed()
	if err != nil {
		return nil, err
	}
	platform, err := platformStatus(q, tcb)
	if err != nil {
		return nil, err
	}
	qeReport := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetQeReport()
	if !qeChecked {
		if err := checkQEIdentity(qeReport, qe); err != nil {
			return nil, err
		}
	}
	qeStatus, err := qeTCBStatus(qe, qeReport.GetIsvSvn())
	if err != nil {
		return nil, err
	}
	return &TCBResult{Status: worse(platform, qeStatus), Platform: platform, QE: qeStatus, AsOf: c.FetchedAt}, nil
}

// parsed returns the TCB info and QE identity among the responses.
func (c *Collateral) parsed() (*pcs.TcbInfo, *pcs.EnclaveIdentity, error) {
	var tcb *pcs.TcbInfo
	var qe *pcs.EnclaveIdentity
	for url, r := range c.Responses {
		switch {
		case strings.Contains(url, "/tcb?fmspc="):
			var t pcs.TdxTcbInfo
			if err := json.Unmarshal(r.Body, &t); err != nil {
				return nil, nil, fmt.Errorf("%w: TCB info: %v", ErrTCB, err)
			}
			tcb = &t.TcbInfo
		case strings.HasSuffix(url, "/qe/identity"):
			var e pcs.QeIdentity
			if err := json.Unmarshal(r.Body, &e); err != nil {
				return nil, nil, fmt.Errorf("%w: QE identity: %v", ErrTCB, err)
			}
			qe = &e.EnclaveIdentity
		}
	}
	if tcb == nil || qe == nil {
		return nil, nil, fmt.Errorf("%w: the collateral lacks the TCB info or the QE identity", ErrTCB)
	}
	return tcb, qe, nil
}

// platformStatus finds the TCB level the quote's platform meets (the first,
// in Intel's order, whose SGX components and PCE SVN the PCK certificate
// meets and whose TDX components the TEE TCB SVN meets) and, for a TDX
// module version above 0, the module's TCB level; it returns the worse of
// their statuses. This is go-tdx-guest's matching (checkTcbInfoTcbStatus),
// returning the status instead of failing on anything but UpToDate.
func platformStatus(q *pb.QuoteV4, tcb *pcs.TcbInfo) (string, error) {
	chain := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	blk, _ := pem.Decode(chain)
	if blk == nil {
		return "", fmt.Errorf("%w: no PCK certificate in the quote", ErrTCB)
	}
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", fmt.Errorf("%w: PCK certificate: %v", ErrTCB, err)
	}
	ext, err := pcs.PckCertificateExtensions(leaf)
	if err != nil {
		return "", fmt.Errorf("%w: PCK certificate extensions: %v", ErrTCB, err)
	}
	svn := q.GetTdQuoteBody().GetTeeTcbSvn()
	if len(svn) != 16 {
		return "", fmt.Errorf("%w: TEE TCB SVN is %d bytes", ErrTCB, len(svn))
	}
	status := ""
	for _, l := range tcb.TcbLevels {
		if componentsAtLeast(ext.TCB.CPUSvnComponents, l.Tcb.SgxTcbcomponents, 0) && ext.TCB.PCESvn >= l.Tcb.Pcesvn &&
			componentsAtLeast(svn, l.Tcb.TdxTcbcomponents, map[bool]int{true: 2, false: 0}[svn[1] > 0]) {
			status = string(l.TcbStatus)
			break
		}
	}
	if status == "" {
		return "", fmt.Errorf("%w: no TCB level of the TCB info (FMSPC %s) matches this platform: its TCB is unsupported", ErrTCB, tcb.Fmspc)
	}
	if svn[1] > 0 {
		id := "TDX_" + hex.EncodeToString(svn[1:2])
		found := false
		for _, m := range tcb.TdxModuleIdentities {
			if m.ID != id {
				continue
			}
			for _, l := range m.TcbLevels {
				if uint32(svn[0]) >= l.Tcb.Isvsvn {
					status, found = worse(status, string(l.TcbStatus)), true
					break
				}
			}
		}
		if !found {
			return "", fmt.Errorf("%w: no TCB level for TDX module %s, ISVSVN %d", ErrTCB, id, svn[0])
		}
	}
	return status, nil
}

// componentsAtLeast reports whether each of have (from index start) is at
// least the matching component's SVN.
func componentsAtLeast(have []byte, comps []pcs.TcbComponent, start int) bool {
	if len(have) != len(comps) {
		return false
	}
	for i := start; i < len(have); i++ {
		if have[i] < comps[i].Svn {
			return false
		}
	}
	return true
}

// checkQEIdentity is go-tdx-guest's verifyQeReport without the status: the
// QE report's MISCSELECT and attributes under their masks, MRSIGNER and
// ISVPRODID must be the QE identity's.
func checkQEIdentity(r *pb.EnclaveReport, id *pcs.EnclaveIdentity) error {
	if len(id.MiscselectMask.Bytes) != 4 || len(id.Miscselect.Bytes) != 4 {
		return fmt.Errorf("%w: QE identity MISCSELECT fields are not 4 bytes", ErrTCB)
	}
	if r.GetMiscSelect()&binary.LittleEndian.Uint32(id.MiscselectMask.Bytes) != binary.LittleEndian.Uint32(id.Miscselect.Bytes) {
		return fmt.Errorf("%w: QE report MISCSELECT does not match Intel's QE identity", ErrTCB)
	}
	attrs := r.GetAttributes()
	if len(attrs) != len(id.AttributesMask.Bytes) {
		return fmt.Errorf("%w: QE report attributes size differs from Intel's QE identity", ErrTCB)
	}
	masked := make([]byte, len(attrs))
	for i := range attrs {
		masked[i] = attrs[i] & id.AttributesMask.Bytes[i]
	}
	if !bytes.Equal(masked, id.Attributes.Bytes) {
		return fmt.Errorf("%w: QE report attributes %x are not Intel's QE identity's", ErrTCB, attrs)
	}
	if !bytes.Equal(r.GetMrSigner(), id.Mrsigner.Bytes) {
		return fmt.Errorf("%w: QE report MRSIGNER %x is not Intel's QE identity's", ErrTCB, r.GetMrSigner())
	}
	if r.GetIsvProdId() != uint32(id.IsvProdID) {
		return fmt.Errorf("%w: QE report ISVPRODID %d is not Intel's QE identity's %d", ErrTCB, r.GetIsvProdId(), id.IsvProdID)
	}
	return nil
}

// qeTCBStatus is the status of the first QE identity TCB level whose ISVSVN
// the QE's meets.
func qeTCBStatus(id *pcs.EnclaveIdentity, isvsvn uint32) (string, error) {
	for _, l := range id.TcbLevels {
		if l.Tcb.Isvsvn <= isvsvn {
			return string(l.TcbStatus), nil
		}
	}
	return "", fmt.Errorf("%w: no QE identity TCB level matches the QE's ISVSVN %d", ErrTCB, isvsvn)
}

// worse returns the worse of two TCB statuses (TCBStatuses order; an
// unknown status counts as worst).
func worse(a, b string) string {
	ia, ib := slices.Index(TCBStatuses, a), slices.Index(TCBStatuses, b)
	if ia < 0 {
		return a
	}
	if ib < 0 || ib > ia {
		return b
	}
	return a
}
