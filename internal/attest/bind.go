package attest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/teebench/teebench/internal/config"
)

// QuoteFunc gets a raw TDX quote over 64 bytes of report data.
// GetRawQuote is the real one; tests pass a signer with a test key.
type QuoteFunc func(reportData [64]byte) ([]byte, error)

// AttestFile binds a TDX quote to a result file and the side files beside
// it that exist now (ExistingSideFiles: skip list, GPU evidence, /Info
// extract, source label), with the nonce of TEEBENCH_NONCE when set: see
// AttestFiles. It returns the quote's Info and the quote's path.
func AttestFile(resultPath string, getQuote QuoteFunc) (*Info, string, error) {
	info, _, err := AttestFiles(resultPath, ExistingSideFiles(resultPath), config.Nonce(), getQuote)
	if err != nil {
		return nil, "", err
	}
	return info, QuotePath(resultPath), nil
}

// WriteNew writes data to a file that must not exist yet (O_EXCL), and
// removes what it created if the write fails.
func WriteNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("attest: %s already exists; not overwriting it", path)
	}
	if err != nil {
		return fmt.Errorf("attest: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(path)
		return fmt.Errorf("attest: write %s: %w", path, err)
	}
	return nil
}
