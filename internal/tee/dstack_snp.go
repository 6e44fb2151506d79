package tee

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// What binds a dstack app to an SEV-SNP report. Read in Dstack-TEE/dstack
// at commit 312dc605 (docs/snp.md, "What binds the app"): SEV-SNP has no
// runtime measurement register, so dstack's host puts the app's
// configuration in a small JSON document, MrConfigV3
// (dstack/dstack-types/src/mr_config.rs: version 3, app_id, compose_hash,
// gpu_policy_hash, key_provider, key_provider_id, instance_id,
// init_script_hashes; hex strings), and launches the guest with
//
//	HOST_DATA = SHA-256("dstack-mr-config-v3:" || 0x00 || document bytes)
//
// (MrConfigV3::snp_host_data_from_document; the VMM passes it to QEMU's
// sev-snp-guest host-data, dstack/vmm/src/app/mr_config.rs and qemu.rs).
// HOST_DATA is in the signed report. At boot dstack's guest OS refuses to
// go on unless the document's compose_hash, app_id, instance_id and key
// provider equal what it measured locally and HOST_DATA is the document's
// hash (dstack/dstack-util/src/system_setup/config_id_verifier.rs,
// verify_snp_mr_config). /Attest returns the document as the SEV-SNP
// quote's mr_config, and dstack's verifier checks it the same way
// (dstack/dstack-attest/src/attestation.rs, verify_snp_mr_config_host_data).
// The OS image hash is not in the document: dstack binds the image through
// the launch MEASUREMENT, which it recomputes and teebench does not.

// DstackMrConfigSuffix holds the MrConfigV3 document of a dstack CVM on
// SEV-SNP, byte for byte as /Attest returned it. It comes with the report
// (it cannot be bound by the binding list); Verify checks it against the
// report's HOST_DATA instead, as a TDX event log is checked by replay.
const DstackMrConfigSuffix = ".dstack-mr-config.json"

// MrConfigPath is where a result's MrConfigV3 document goes.
func MrConfigPath(resultPath string) string { return resultPath + DstackMrConfigSuffix }

// mrConfigDomain is dstack's domain prefix of the document hash
// (MR_CONFIG_V3_DOCUMENT_HASH_DOMAIN), followed by a zero byte.
const mrConfigDomain = "dstack-mr-config-v3:"

// MrConfigHostData is the HOST_DATA dstack launches an SEV-SNP guest with
// for the MrConfigV3 document doc: SHA-256 of the domain prefix, a zero
// byte and the document's exact bytes.
func MrConfigHostData(doc []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(mrConfigDomain))
	h.Write([]byte{0})
	h.Write(doc)
	return [32]byte(h.Sum(nil))
}

// MrConfig is a parsed MrConfigV3 document; byte fields are lowercase hex
// ("" when the document has none).
type MrConfig struct {
	Version          int      `json:"version"`
	AppID            string   `json:"app_id"`
	ComposeHash      string   `json:"compose_hash"`
	GPUPolicyHash    string   `json:"gpu_policy_hash"`
	KeyProvider      string   `json:"key_provider"`
	KeyProviderID    string   `json:"key_provider_id"`
	InstanceID       string   `json:"instance_id"`
	InitScriptHashes []string `json:"init_script_hashes"`
}

// ErrMrConfig means an MrConfigV3 document is malformed or is not the one
// the report's HOST_DATA binds.
var ErrMrConfig = errors.New("dstack MrConfigV3")

// ParseMrConfig decodes an MrConfigV3 document as dstack does (unknown
// fields refused, version 3 when absent and required to be 3, a 32-byte
// compose hash, a key provider of none, kms, local or tpm).
func ParseMrConfig(doc []byte) (*MrConfig, error) {
	m := MrConfig{Version: 3}
	if err := decodeStrict(doc, &m); err != nil {
		return nil, fmt.Errorf("%w document: %v", ErrMrConfig, err)
	}
	var errs []error
	hexField := func(name, v string, n int) {
		b, err := hex.DecodeString(v)
		if err != nil || (n > 0 && len(b) != n) || strings.ToLower(v) != v {
			want := "lowercase hex"
			if n > 0 {
				want = fmt.Sprintf("%d bytes of lowercase hex", n)
			}
			errs = append(errs, fmt.Errorf("%s %q: want %s", name, v, want))
		}
	}
	if m.Version != 3 {
		errs = append(errs, fmt.Errorf("version %d, want 3", m.Version))
	}
	hexField("compose_hash", m.ComposeHash, 32)
	for name, v := range map[string]string{"app_id": m.AppID, "gpu_policy_hash": m.GPUPolicyHash, "key_provider_id": m.KeyProviderID, "instance_id": m.InstanceID} {
		if v != "" {
			hexField(name, v, 0)
		}
	}
	for i, h := range m.InitScriptHashes {
		hexField(fmt.Sprintf("init_script_hashes[%d]", i), h, 32)
	}
	switch m.KeyProvider {
	case "none", "kms", "local", "tpm":
	default:
		errs = append(errs, fmt.Errorf("key_provider %q: want none, kms, local or tpm", m.KeyProvider))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w document: %w", ErrMrConfig, err)
	}
	return &m, nil
}

// CheckMrConfig checks that doc is the MrConfigV3 document an SEV-SNP
// report's HOST_DATA binds (MrConfigHostData) and returns it parsed. A
// mismatch names both values.
func CheckMrConfig(doc, hostData []byte) (*MrConfig, error) {
	want := MrConfigHostData(doc)
	if !bytes.Equal(want[:], hostData) {
		return nil, fmt.Errorf("%w: the report's HOST_DATA is %s, but the stored document hashes to %s (SHA-256 of %q, a zero byte and the document): it is not the configuration this guest was launched with",
			ErrMrConfig, hex.EncodeToString(hostData), hex.EncodeToString(want[:]), mrConfigDomain)
	}
	return ParseMrConfig(doc)
}

// Measured returns what the document binds, in the terms of a dstack event
// log: the compose hash and the app id; the OS image hash is not in it.
func (m *MrConfig) Measured() DstackMeasured {
	return DstackMeasured{ComposeHash: m.ComposeHash, AppID: m.AppID}
}

// KeyProviderText is the key provider and its id, for output.
func (m *MrConfig) KeyProviderText() string {
	if m.KeyProviderID == "" {
		return m.KeyProvider
	}
	return m.KeyProvider + " " + m.KeyProviderID
}

// snpMrConfig checks the MrConfigV3 document among ev's files against the
// report's HOST_DATA; nil, nil when ev has none.
func snpMrConfig(ev Evidence, hostData []byte) (*MrConfig, error) {
	doc, ok := ev.Files[DstackMrConfigSuffix]
	if !ok {
		return nil, nil
	}
	return CheckMrConfig(doc, hostData)
}

// A DstackReader is a Kind whose evidence can come from the dstack guest
// agent without a replayable event log (SEV-SNP): ReadDstack checks the
// agent's side files beside a result file against evidence Verify has
// accepted. TDX's agent files are read by ReadDstack (the function), with
// the quote's event log.
type DstackReader interface {
	ReadDstack(resultPath string, ev Evidence) (*Dstack, error)
}

// ReadDstack implements DstackReader: the source label (SourcePath), the
// /Info extract (AgentInfoPath) and the MrConfigV3 document among ev's
// files, checked against the report's HOST_DATA (CheckMrConfig); the
// extract's app id and compose hash (and a kept compose file) must agree
// with the document (AgentInfo.Against). It returns nil, nil when there are
// no agent files and the evidence carries no document. Call it on evidence
// Verify accepted: it reads HOST_DATA without checking the signature.
func (s *SNP) ReadDstack(resultPath string, ev Evidence) (*Dstack, error) {
	d, present, errs := readAgentFiles(resultPath)
	_, haveDoc := ev.Files[DstackMrConfigSuffix]
	if !present && !haveDoc {
		return nil, nil
	}
	report, err := s.parse(ev)
	if err != nil {
		return d, errors.Join(append(errs, err)...)
	}
	d.HostData = hex.EncodeToString(report.GetReport().GetHostData())
	if !haveDoc {
		errs = append(errs, fmt.Errorf("%w: the report came from the dstack guest agent (%s, %s), but its MrConfigV3 document %s is missing: the app id and compose hash cannot be checked against HOST_DATA",
			ErrMrConfig, SourcePath(resultPath), AgentInfoPath(resultPath), MrConfigPath(resultPath)))
		return d, errors.Join(errs...)
	}
	m, err := snpMrConfig(ev, report.GetReport().GetHostData())
	if err != nil {
		return d, errors.Join(append(errs, err)...)
	}
	d.MrConfig = m
	d.Measured = m.Measured()
	if d.Info != nil {
		errs = append(errs, d.Info.Against(d.Measured, "the MrConfigV3 document HOST_DATA binds")...)
	}
	return d, errors.Join(errs...)
}
