package attest

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/teebench/teebench/internal/skips"
	"github.com/teebench/teebench/internal/tee"
)

// The binding list. Evidence made by this suite (a TDX quote, an SEV-SNP
// report: any Kind's, bindEvidence) binds a small canonical text file,
// R.txt.bind (BindPath), whose SHA-512 is the evidence's report data:
//
//	teebench-bind v1
//	nonce <TEEBENCH_NONCE>              (only when one was given)
//	sha512 <hex> R.txt
//	sha512 <hex> R.skips.tsv            (each side file that exists, in
//	sha512 <hex> R.txt.gpu-evidence      this order)
//	sha512 <hex> R.txt.dstack-info.json
//	sha512 <hex> R.txt.attestation
//
// The order is the order they are written: the result file and its skip
// list are final, then GPU evidence, the /Info extract and the source label
// are written, then the list, then the quote over it. The event log comes
// with the quote (it cannot be bound by it) and is checked by replaying it
// to the quote's RTMRs instead; on SEV-SNP, dstack's MrConfigV3 document
// comes with the report and is checked against its HOST_DATA. Evidence made the old way carries SHA-512
// of the result file alone; it still verifies, labelled "side files
// unbound".

// BindHeader is the first line of a binding list.
const BindHeader = "teebench-bind v1"

// NonceEnv names the variable that carries a verifier's nonce into the
// binding list (recorded as its nonce line), so that the verifier can see
// the quote was made after it chose the nonce.
const NonceEnv = "TEEBENCH_NONCE"

// nonceRE is what a nonce may be: 1 to 128 of [A-Za-z0-9._-].
var nonceRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// BindPath returns the path of a result file's binding list.
func BindPath(resultPath string) string { return resultPath + ".bind" }

// SkipsPath returns the path of a result file's skip list (R.skips.tsv for
// R.txt; internal/skips owns the name).
func SkipsPath(resultPath string) string { return skips.Path(resultPath) }

// BindableSideFiles returns, in binding order, the side files of a result
// file that a binding list may name: skip list, GPU evidence, /Info
// extract, source label.
func BindableSideFiles(resultPath string) []string {
	return []string{SkipsPath(resultPath), GPUEvidencePath(resultPath), tee.AgentInfoPath(resultPath), tee.SourcePath(resultPath)}
}

// BindEntry is one file of a binding list.
type BindEntry struct {
	// Name is the file's base name.
	Name string
	// SHA512 is the SHA-512 of its bytes.
	SHA512 [64]byte
}

// BindList is a parsed binding list.
type BindList struct {
	// Nonce is the verifier's nonce (NonceEnv), "" when none was given.
	Nonce string
	// Entries are the result file, then its side files.
	Entries []BindEntry
}

// Marshal returns the canonical bytes of the list.
func (l *BindList) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(BindHeader + "\n")
	if l.Nonce != "" {
		b.WriteString("nonce " + l.Nonce + "\n")
	}
	for _, e := range l.Entries {
		b.WriteString("sha512 " + hex.EncodeToString(e.SHA512[:]) + " " + e.Name + "\n")
	}
	return b.Bytes()
}

// ParseBindList parses a binding list; only the canonical form Marshal
// writes is accepted.
func ParseBindList(b []byte) (*BindList, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) < 3 || lines[0] != BindHeader || lines[len(lines)-1] != "" {
		return nil, fmt.Errorf("attest: binding list: want %q, a line per file and a final newline", BindHeader)
	}
	l := &BindList{}
	var err error
	for i, line := range lines[1 : len(lines)-1] {
		if n, ok := strings.CutPrefix(line, "nonce "); ok && i == 0 {
			if !nonceRE.MatchString(n) {
				return nil, fmt.Errorf("attest: binding list: nonce %q is not %s", n, nonceRE)
			}
			l.Nonce = n
			continue
		}
		f := strings.Split(line, " ")
		var sum []byte
		if len(f) == 3 {
			sum, err = hex.DecodeString(f[1])
		}
		if len(f) != 3 || f[0] != "sha512" || err != nil || len(sum) != 64 || f[2] == "" || filepath.Base(f[2]) != f[2] {
			return nil, fmt.Errorf("attest: binding list line %d: want `sha512 <128 hex digits> <base name>`, got %q", i+2, line)
		}
		e := BindEntry{Name: f[2]}
		copy(e.SHA512[:], sum)
		l.Entries = append(l.Entries, e)
	}
	if len(l.Entries) == 0 {
		return nil, fmt.Errorf("attest: binding list names no file")
	}
	if !bytes.Equal(l.Marshal(), b) {
		return nil, fmt.Errorf("attest: binding list is not in canonical form")
	}
	return l, nil
}

// NewBindList hashes the result file and the side files that exist (in the
// order given, which must be BindableSideFiles' order) into a list, with
// nonce ("" for none).
func NewBindList(resultPath string, sideFiles []string, nonce string) (*BindList, error) {
	if nonce != "" && !nonceRE.MatchString(nonce) {
		return nil, fmt.Errorf("attest: %s %q: want 1 to 128 of [A-Za-z0-9._-]", NonceEnv, nonce)
	}
	dir := filepath.Dir(resultPath)
	l := &BindList{Nonce: nonce}
	allowed := BindableSideFiles(resultPath)
	next := 0
	for i, p := range append([]string{resultPath}, sideFiles...) {
		if filepath.Dir(p) != dir {
			return nil, fmt.Errorf("attest: side file %s is not in %s, beside the result file", p, dir)
		}
		if i > 0 {
			j := indexOf(allowed[next:], p)
			if j < 0 {
				return nil, fmt.Errorf("attest: %s is not a side file of %s that can be bound (or is out of order: %s)", p, resultPath, strings.Join(allowed, ", "))
			}
			next += j + 1
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("attest: binding list: %w", err)
		}
		if i == 0 && len(b) == 0 {
			return nil, fmt.Errorf("attest: result file %s is empty; nothing to bind a quote to", resultPath)
		}
		l.Entries = append(l.Entries, BindEntry{Name: filepath.Base(p), SHA512: sha512.Sum512(b)})
	}
	return l, nil
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// ExistingSideFiles returns the bindable side files of resultPath that
// exist now, in binding order.
func ExistingSideFiles(resultPath string) []string {
	var out []string
	for _, p := range BindableSideFiles(resultPath) {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// AttestFiles binds a TDX quote to a result file and its side files
// (bindEvidence with the quote from getQuote): a binding list
// (NewBindList), a quote whose report data is SHA-512 of the list and
// that carries it, written as BindPath and QuotePath, never overwriting.
// The runner calls it (through `attest R.txt`) once the result file and
// skip list are final and the GPU evidence and /Info extract are written.
func AttestFiles(resultPath string, sideFiles []string, nonce string, getQuote QuoteFunc) (*tee.TDXInfo, []byte, error) {
	return attestFiles(resultPath, sideFiles, nonce, getQuote, true)
}

// attestFiles is AttestFiles; requireBinding false stores a quote that does
// not carry the requested report data (a simulator's, labelled as such).
func attestFiles(resultPath string, sideFiles []string, nonce string, getQuote QuoteFunc, requireBinding bool) (*tee.TDXInfo, []byte, error) {
	var info *tee.TDXInfo
	ev, _, err := bindEvidence(resultPath, sideFiles, nonce, tee.TDX, func(rd [64]byte) (tee.Evidence, error) {
		raw, err := getQuote(rd)
		if err != nil {
			return tee.Evidence{}, fmt.Errorf("attest: quote for %s: %w", resultPath, err)
		}
		if _, info, err = tee.ParseTDXQuote(raw); err != nil {
			return tee.Evidence{}, err
		}
		if requireBinding && !bytes.Equal(info.ReportData, rd[:]) {
			return tee.Evidence{}, fmt.Errorf("attest: the quote returned for %s does not carry the requested report data", resultPath)
		}
		return tee.Evidence{TEE: tee.TDX.Name(), Files: map[string][]byte{tee.TDXQuoteSuffix: raw}}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return info, ev.Files[tee.TDXQuoteSuffix], nil
}

// bindEvidence binds a Kind's evidence to a result file and its side
// files, the one path for every TEE: it hashes them into a binding list
// (NewBindList, with nonce), gets evidence over SHA-512 of the list from
// get (k.Attest, or a TDX quote source), and writes the list (BindPath)
// and then the evidence's files (tee.WriteEvidence), never overwriting: a
// list or evidence file that exists is refused before get is called. When
// the evidence cannot be written, the list goes too. It returns the
// evidence and the paths of its files.
func bindEvidence(resultPath string, sideFiles []string, nonce string, k tee.Kind, get func(reportData [64]byte) (tee.Evidence, error)) (tee.Evidence, []string, error) {
	if err := refuseExisting(resultPath, k); err != nil {
		return tee.Evidence{}, nil, err
	}
	l, err := NewBindList(resultPath, sideFiles, nonce)
	if err != nil {
		return tee.Evidence{}, nil, err
	}
	list := l.Marshal()
	ev, err := get(sha512.Sum512(list))
	if err != nil {
		return tee.Evidence{}, nil, err
	}
	if err := tee.WriteNew(BindPath(resultPath), list); err != nil {
		return tee.Evidence{}, nil, err
	}
	paths, err := tee.WriteEvidence(resultPath, ev)
	if err != nil {
		os.Remove(BindPath(resultPath))
		return tee.Evidence{}, nil, err
	}
	return ev, paths, nil
}

// refuseExisting fails, naming it, when a binding list or a file of k's
// evidence (tee.SideSuffixes) exists beside resultPath: attest never
// overwrites one.
func refuseExisting(resultPath string, k tee.Kind) error {
	for _, p := range append([]string{BindPath(resultPath)}, suffixed(resultPath, tee.SideSuffixes(k))...) {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("attest: %s already exists; not overwriting it", p)
		}
	}
	return nil
}

// suffixed returns resultPath with each suffix appended.
func suffixed(resultPath string, suffixes []string) []string {
	out := make([]string, len(suffixes))
	for i, s := range suffixes {
		out[i] = resultPath + s
	}
	return out
}

// ErrUnboundSideFile means a side file is present but the binding list does
// not name it, or is named but missing or changed.
var ErrUnboundSideFile = errors.New("side file not bound")

// fileReader reads a file by base name; absent files give fs.ErrNotExist.
type fileReader func(name string) ([]byte, error)

// dirReader reads files of dir.
func dirReader(dir string) fileReader {
	return func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
}

// mapReader reads files from a map (fromlog's rebuilt files).
func mapReader(m map[string][]byte) fileReader {
	return func(name string) ([]byte, error) {
		b, ok := m[name]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return b, nil
	}
}

// Binding is how a quote binds a result file: through a binding list
// (List non-nil) or, the old way, over the result file alone.
type Binding struct {
	// List is the binding list; nil for a quote over the result file alone.
	List *BindList
	// Files names the side files the list binds (base names).
	Files []string
}

// Unbound reports whether side files are unbound (an old-style quote).
func (b *Binding) Unbound() bool { return b == nil || b.List == nil }

// checkBinding checks a quote's report data against the report data its
// result file (base name) and side files call for (boundReportData). It
// returns what bound the quote.
func checkBinding(result string, reportData []byte, read fileReader) (*Binding, error) {
	want, b, err := boundReportData(result, read)
	if want == ([64]byte{}) {
		return nil, err
	}
	if berr := bindingErr(reportData, want); berr != nil {
		if b == nil || b.List != nil {
			return nil, fmt.Errorf("%w (report data is SHA-512 of %s)", berr, BindPath(result))
		}
		return b, berr
	}
	return b, err
}

// boundReportData returns the report data that evidence of the result file
// named result (base name) must carry, for every TEE: when read finds its
// binding list, SHA-512 of the list, after checking that every side file
// the list names is present and unchanged and that every bindable side
// file present is named; otherwise SHA-512 of the result file alone
// (Binding.Unbound). The report data is zero when the result file or the
// list cannot be read; the Binding is nil when the list is not a valid
// one.
func boundReportData(result string, read fileReader) ([64]byte, *Binding, error) {
	file, err := read(result)
	if err != nil {
		return [64]byte{}, nil, fmt.Errorf("attest: result file: %w", err)
	}
	listBytes, err := read(BindPath(result))
	if errors.Is(err, fs.ErrNotExist) {
		return ReportData(file), &Binding{}, nil
	}
	if err != nil {
		return [64]byte{}, nil, fmt.Errorf("attest: %w", err)
	}
	want := sha512.Sum512(listBytes)
	l, err := ParseBindList(listBytes)
	if err != nil {
		return want, nil, fmt.Errorf("%w: %v", ErrReportData, err)
	}
	b := &Binding{List: l}
	var errs []error
	if l.Entries[0].Name != result {
		errs = append(errs, fmt.Errorf("%w: %s names %s first, not %s", ErrReportData, BindPath(result), l.Entries[0].Name, result))
	} else if sha512.Sum512(file) != l.Entries[0].SHA512 {
		errs = append(errs, fmt.Errorf("%w: %s is not the file %s bound (SHA-512 differs)", ErrReportData, result, BindPath(result)))
	}
	allowed := BindableSideFiles(result)
	named := map[string]bool{}
	next := 0
	for _, e := range l.Entries[1:] {
		j := indexOf(allowed[next:], e.Name)
		if j < 0 {
			errs = append(errs, fmt.Errorf("%w: %s names %s, which is not a side file of %s (or is out of order)", ErrReportData, BindPath(result), e.Name, result))
			continue
		}
		next += j + 1
		named[e.Name] = true
		got, err := read(e.Name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("%w: %s is bound but missing", ErrUnboundSideFile, e.Name))
		case err != nil:
			errs = append(errs, fmt.Errorf("attest: %w", err))
		case sha512.Sum512(got) != e.SHA512:
			errs = append(errs, fmt.Errorf("%w: %s was changed after quoting (its SHA-512 is not the bound one)", ErrUnboundSideFile, e.Name))
		default:
			b.Files = append(b.Files, e.Name)
		}
	}
	for _, p := range allowed {
		if named[p] {
			continue
		}
		if _, err := read(p); err == nil {
			errs = append(errs, fmt.Errorf("%w: %s is present but the binding list does not name it (added after quoting)", ErrUnboundSideFile, p))
		}
	}
	return want, b, errors.Join(errs...)
}

// CheckBindingFiles checks, without the signature checks of Verify, that
// the evidence among files (by base name: result, its evidence side files
// of any Kind in tee.Kinds(), and the bound side files) binds the result
// file and its side files (scripts/fromlog uses it on files rebuilt from a
// log; scripts/verify does the rest). Evidence of no Kind is ErrNoQuote.
func CheckBindingFiles(result string, files map[string][]byte) error {
	for _, k := range tee.Kinds() {
		main := k.Suffixes()[0]
		if _, ok := files[result+main]; !ok {
			continue
		}
		ev := tee.Evidence{TEE: k.Name(), Files: map[string][]byte{}}
		for _, suf := range k.Suffixes() {
			if b, ok := files[result+suf]; ok {
				ev.Files[suf] = b
			}
		}
		rd, err := k.ReportData(ev)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadQuote, k.Title(), err)
		}
		_, err = checkBinding(result, rd, mapReader(files))
		return err
	}
	return fmt.Errorf("attest: %w: no evidence beside %s (%s)", ErrNoQuote, result, strings.Join(evidenceNames(result), ", "))
}

// EvidenceIn reports whether files (by base name) hold evidence of some
// Kind for the result file result.
func EvidenceIn(result string, files map[string][]byte) bool {
	for _, name := range evidenceNames(result) {
		if _, ok := files[name]; ok {
			return true
		}
	}
	return false
}

// evidenceNames lists the main evidence file each Kind would put beside
// result.
func evidenceNames(result string) []string {
	var names []string
	for _, k := range tee.Kinds() {
		names = append(names, result+k.Suffixes()[0])
	}
	return names
}
