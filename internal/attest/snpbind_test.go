package attest

import (
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teebench/teebench/internal/tee"
)

// unsignedSNPReport is an SEV-SNP attestation report laid out as the
// firmware writes one (version 2, 1184 bytes, REPORT_DATA at 0x50), with
// no signature: enough for the binding check, which reads the report data
// and leaves the signature to Verify.
func unsignedSNPReport(reportData [64]byte) []byte {
	r := make([]byte, 1184)
	binary.LittleEndian.PutUint32(r[0:], 2)       // VERSION
	binary.LittleEndian.PutUint64(r[8:], 0x30000) // POLICY: SMT allowed, reserved bit 17
	binary.LittleEndian.PutUint32(r[0x34:], 1)    // SIGNATURE_ALGO: ECDSA P-384 with SHA-384
	copy(r[0x50:], reportData[:])
	return r
}

// TestCheckBindingFilesSNP: files rebuilt from a log (scripts/fromlog) with
// an SEV-SNP report are checked through the same binding list as a TDX
// quote's; a changed side file, a report over other bytes and a result with
// no evidence at all are refused.
func TestCheckBindingFilesSNP(t *testing.T) {
	dir := t.TempDir()
	result := filepath.Join(dir, "r.txt")
	os.WriteFile(result, []byte("goos: linux\ntee: sev-snp\nBenchmarkX 1 2 ns/op\n"), 0o644)
	os.WriteFile(SkipsPath(result), []byte("pkg\tkind\treason\n"), 0o644)
	list, err := NewBindList(result, []string{SkipsPath(result)}, "n1")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, p := range []string{result, SkipsPath(result)} {
		b, _ := os.ReadFile(p)
		files[filepath.Base(p)] = b
	}
	name := filepath.Base(result)
	files[filepath.Base(BindPath(result))] = list.Marshal()
	files[name+tee.SNPReportSuffix] = unsignedSNPReport(sha512.Sum512(list.Marshal()))
	if !EvidenceIn(name, files) {
		t.Fatal("EvidenceIn: SNP report not seen")
	}
	if err := CheckBindingFiles(name, files); err != nil {
		t.Fatalf("bound SNP files: %v", err)
	}
	files[filepath.Base(SkipsPath(result))] = []byte("pkg\tkind\tchanged\n")
	if err := CheckBindingFiles(name, files); err == nil {
		t.Error("a changed skip list passed")
	}
	b, _ := os.ReadFile(SkipsPath(result))
	files[filepath.Base(SkipsPath(result))] = b
	files[name+tee.SNPReportSuffix] = unsignedSNPReport(sha512.Sum512([]byte("other")))
	if err := CheckBindingFiles(name, files); err == nil || !strings.Contains(err.Error(), "report data") {
		t.Errorf("a report over other bytes: %v", err)
	}
	delete(files, name+tee.SNPReportSuffix)
	if err := CheckBindingFiles(name, files); !errors.Is(err, ErrNoQuote) || !strings.Contains(err.Error(), tee.SNPReportSuffix) {
		t.Errorf("no evidence: %v", err)
	}
}
