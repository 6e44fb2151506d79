package attest

import (
	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/tee"
)

// QuoteFunc gets a raw TDX quote over 64 bytes of report data.
// tee.GetTDXQuote is the real one; tests pass a signer with a test key.
type QuoteFunc func(reportData [64]byte) ([]byte, error)

// AttestFile binds a TDX quote to a result file and the side files beside
// it that exist now (ExistingSideFiles: skip list, GPU evidence, /Info
// extract, source label), with the nonce of TEEBENCH_NONCE when set: see
// AttestFiles. It returns the quote's tee.TDXInfo and the quote's path.
func AttestFile(resultPath string, getQuote QuoteFunc) (*tee.TDXInfo, string, error) {
	info, _, err := AttestFiles(resultPath, ExistingSideFiles(resultPath), config.Nonce(), getQuote)
	if err != nil {
		return nil, "", err
	}
	return info, QuotePath(resultPath), nil
}
