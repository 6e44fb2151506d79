package attest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// QuoteFunc gets a raw TDX quote over 64 bytes of report data.
// GetRawQuote is the real one; tests pass a signer with a test key.
type QuoteFunc func(reportData [64]byte) ([]byte, error)

// AttestFile binds a TDX quote to a result file: it reads the file once,
// gets a quote over SHA-512 of those bytes, checks that the quote carries
// that report data, and writes it to QuotePath(resultPath). It never
// overwrites an existing quote. It returns the quote's Info and the path
// written.
func AttestFile(resultPath string, getQuote QuoteFunc) (*Info, string, error) {
	return attestFile(resultPath, getQuote, true)
}

// attestFile is AttestFile; requireBinding false stores a quote that does
// not carry the requested report data (a simulator's, labelled as such).
func attestFile(resultPath string, getQuote QuoteFunc, requireBinding bool) (*Info, string, error) {
	out := QuotePath(resultPath)
	if _, err := os.Lstat(out); err == nil {
		return nil, "", fmt.Errorf("attest: %s already exists; not overwriting it", out)
	}
	file, err := os.ReadFile(resultPath)
	if err != nil {
		return nil, "", fmt.Errorf("attest: result file: %w", err)
	}
	if len(file) == 0 {
		return nil, "", fmt.Errorf("attest: result file %s is empty; nothing to bind a quote to", resultPath)
	}
	rd := ReportData(file)
	raw, err := getQuote(rd)
	if err != nil {
		return nil, "", fmt.Errorf("attest: quote for %s: %w", resultPath, err)
	}
	_, info, err := Parse(raw)
	if err != nil {
		return nil, "", err
	}
	if requireBinding && !bytes.Equal(info.ReportData, rd[:]) {
		return nil, "", fmt.Errorf("attest: the quote returned for %s does not carry the requested report data", resultPath)
	}
	if err := WriteNew(out, raw); err != nil {
		return nil, "", err
	}
	return info, out, nil
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
