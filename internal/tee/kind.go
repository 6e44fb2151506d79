package tee

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Root is the root of the files Detect reads (/sys, /dev, /proc); tests point
// it at a fixture tree under testdata.
var Root = "/"

// A Kind is one TEE the suite can run in, attest and verify.
type Kind interface {
	// Name is the manifest's `tee:` value ("sev-snp").
	Name() string
	// Title names the TEE in messages ("SEV-SNP").
	Title() string
	// Tag is the build tag that makes a run require this TEE ("snp").
	Tag() string
	// KeyPrefixes start the manifest keys of the guest's identity lines
	// ("snp-"): keys whose differing between a TEE arm and its baseline
	// is expected, not a warning.
	KeyPrefixes() []string
	// TestbedKey is the manifest key of the guest's TCB ("snp-tcb"):
	// results that differ in it come from different testbeds.
	TestbedKey() string
	// Suffixes are the side-file suffixes of its evidence, the first one
	// the main file (".snp-report").
	Suffixes() []string
	// Detect reads guest evidence under root and says whether this machine
	// is a guest of the TEE and how evidence can be obtained.
	Detect(root string) Detection
	// Attest gets evidence over reportData from this machine's guest
	// interface.
	Attest(reportData [64]byte) (Evidence, error)
	// Describe returns the manifest lines that identify the guest the
	// evidence comes from. It does not verify the evidence.
	Describe(ev Evidence) ([]Line, error)
	// ReportData returns the report data the evidence claims to carry,
	// without checking its signature (Verify does): enough to see what
	// bytes it was made for, never a reason to trust it.
	ReportData(ev Evidence) ([]byte, error)
	// Verify checks the evidence: its signature chain to the vendor's
	// roots, that it carries reportData, and the Kind's section of the
	// policy (nil: no policy, which the Claims' caveats say).
	Verify(ev Evidence, reportData [64]byte, policy json.RawMessage, opts VerifyOptions) (Claims, error)
}

// An OptionalSuffixer is a Kind whose evidence may have side files beyond
// Suffixes, present only for some evidence interfaces (the dstack guest
// agent's event log or MrConfigV3 document): Attest returns them among the
// Evidence's files, WriteEvidence writes them and ReadEvidence reads them
// when present. They come with the evidence, so the binding list cannot
// bind them; Verify checks them against the signed evidence instead.
type OptionalSuffixer interface {
	OptionalSuffixes() []string
}

// SideSuffixes returns every side-file suffix k's evidence may have:
// Suffixes, then the optional ones.
func SideSuffixes(k Kind) []string {
	out := slices.Clone(k.Suffixes())
	if o, ok := k.(OptionalSuffixer); ok {
		out = append(out, o.OptionalSuffixes()...)
	}
	return out
}

// ErrBinding means evidence does not carry the report data it was verified
// against (Kind.Verify wraps it): it was made for other bytes.
var ErrBinding = errors.New("binding")

// Kinds lists every TEE the suite knows, in the order Detected tries them.
func Kinds() []Kind { return []Kind{TDX, SEVSNP} }

// ByName returns the Kind whose Name is name, or nil.
func ByName(name string) Kind {
	for _, k := range Kinds() {
		if k.Name() == name {
			return k
		}
	}
	return nil
}

// Detected returns the Kind this machine (files under root) is a guest of,
// with its Detection, or nil when it is a guest of none.
func Detected(root string) (Kind, Detection) {
	for _, k := range Kinds() {
		if d := k.Detect(root); d.Guest {
			return k, d
		}
	}
	return nil, Detection{}
}

// A Detection is what a Kind found on a machine.
type Detection struct {
	// Guest is true when guest evidence (not a CPU flag) shows this
	// machine is a guest of the TEE.
	Guest bool
	// Interface names how evidence is obtained ("configfs-tsm",
	// "/dev/sev-guest"); empty when there is none the suite can use.
	Interface string
	// Signs lists what was seen, one short phrase each.
	Signs []string
	// Reason says, naming the TEE, why this is not a guest, or why a
	// guest cannot be attested (then it starts with "unattested: ").
	Reason string
}

// Attestable reports whether this is a guest with a usable evidence
// interface.
func (d Detection) Attestable() bool { return d.Guest && d.Interface != "" }

// Line is one manifest line, `key: value`.
type Line struct {
	Key, Value string
}

// Evidence is what Attest returns: side files of a result file, keyed by
// suffix (".snp-report"), plus the interface it came from.
type Evidence struct {
	// TEE is the Kind's Name.
	TEE string
	// Source is the interface the evidence came from (Detection.Interface);
	// empty for evidence read back from files.
	Source string
	// Files maps a side-file suffix to its bytes.
	Files map[string][]byte
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Now is the time certificates must be valid at; zero means time.Now.
	Now time.Time
	// Online lets Verify fetch revocation lists (and missing certificates)
	// from the vendor. Off by default: nothing leaves the machine unasked.
	Online bool
}

func (o VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Claims is what verified evidence says.
type Claims struct {
	// TEE is the Kind's Name.
	TEE string
	// Lines are the guest's identity lines (as Describe), now verified.
	Lines []Line
	// Caveats lists what was not checked, one short phrase each.
	Caveats []string
}

// Get returns the value of the line key, or "".
func (c Claims) Get(key string) string {
	for _, l := range c.Lines {
		if l.Key == key {
			return l.Value
		}
	}
	return ""
}

// PolicySection returns the section of a policy file (a JSON object keyed
// by TEE name, {"sev-snp": {...}, "tdx": {...}}) that belongs to k, or nil
// when the file has none.
func PolicySection(policyFile []byte, k Kind) (json.RawMessage, error) {
	var sections map[string]json.RawMessage
	if err := json.Unmarshal(policyFile, &sections); err != nil {
		return nil, fmt.Errorf("tee: policy file: %w", err)
	}
	return sections[k.Name()], nil
}

// decodeStrict decodes a policy section, refusing unknown fields (a typo in
// a policy must not silently disable a check).
func decodeStrict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// readTrim returns the trimmed contents of root/path and whether it could be
// read.
func readTrim(root, path string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

func exists(root, path string) bool {
	_, err := os.Stat(filepath.Join(root, path))
	return err == nil
}
