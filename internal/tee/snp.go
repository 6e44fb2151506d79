package tee

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/client"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/validate"
	"github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/teebench/teebench/internal/config"
)

// SEVSNP is the AMD SEV-SNP Kind.
var SEVSNP = &SNP{kds: &kdsCache{}}

// Side-file suffixes of SEV-SNP evidence.
const (
	// SNPReportSuffix holds the 1184-byte attestation report, signed by the
	// chip's VCEK (or the cloud's VLEK).
	SNPReportSuffix = ".snp-report"
	// SNPCertsSuffix holds the certificate table of the extended report
	// (GHCB format: VCEK or VLEK, ASK or ASVK, ARK, and platform info), as
	// the host provisioned it.
	SNPCertsSuffix = ".snp-certs"
)

// Guest interfaces and kernel files an SEV-SNP guest shows (paths relative
// to Root).
const (
	// snpDevice is the SEV guest driver's device; it binds only inside an
	// SEV-SNP guest (the host's PSP device is /dev/sev).
	snpDevice = "dev/sev-guest"
	// tsmReports is configfs-tsm; an entry's "provider" names the driver
	// behind it ("sev_guest" on SNP, "tdx_guest" on TDX).
	tsmReports = "sys/kernel/config/tsm/report"
	// sevSysfs exists only in an SEV-SNP guest (kernel ABI docs, dated May
	// 2024); vmpl in it is the guest's VMPL and, on kernels with the March
	// 2025 change, sev_status the SEV_STATUS MSR in hex (docs/snp.md).
	sevSysfs = "sys/devices/system/cpu/sev"
)

// SNPViaAgent is the Detection.Interface (and snp-report-source) of
// evidence from the dstack guest agent's /Attest.
const SNPViaAgent = ViaAgent

// sevStatusSNP is the SEV-SNP-enabled bit (2) of the SEV_STATUS MSR
// (0xC0010131).
const sevStatusSNP = 1 << 2

// azureReason is why an Azure confidential VM is unattested.
const azureReason = "unattested: Azure vTPM/HCL path not supported (an Azure confidential VM's SEV-SNP report is " +
	"held by the paravisor inside an HCL report in the vTPM; there is no /dev/sev-guest and no configfs-tsm sev_guest provider)"

// SNP is the AMD SEV-SNP Kind. Its zero value uses the machine's guest
// interfaces and the AMD roots embedded in go-sev-guest.
type SNP struct {
	// provider, when set, replaces the guest interface (tests pass
	// go-sev-guest's fake quote provider).
	provider func() (client.QuoteProvider, error)
	// roots, when set, replaces the embedded AMD roots (tests pass the
	// fake signer's).
	roots map[string][]*trust.AMDRootCerts
	// getter, when set, replaces AMD's KDS (tests pass a fake one).
	getter trust.HTTPSGetter

	// kds, when set, keeps the certificate tables fetched from AMD's KDS
	// (SEVSNP's does, so that a process fetches each once).
	kds *kdsCache
}

// kdsCache holds certificate tables fetched from AMD's KDS, by chip id and
// reported TCB.
type kdsCache struct {
	sync.Mutex
	tables map[string][]byte
}

// Name implements Kind.
func (*SNP) Name() string { return "sev-snp" }

// Title implements Kind.
func (*SNP) Title() string { return "SEV-SNP" }

// Tag implements Kind.
func (*SNP) Tag() string { return "snp" }

// KeyPrefixes implements Kind: the guest's snp-* manifest lines, and the
// sev-* lines of manifests written before the snp- names.
func (*SNP) KeyPrefixes() []string { return []string{"snp-", "sev-"} }

// TestbedKey implements Kind: the reported TCB.
func (*SNP) TestbedKey() string { return "snp-tcb" }

// Suffixes implements Kind.
func (*SNP) Suffixes() []string { return []string{SNPReportSuffix, SNPCertsSuffix} }

// OptionalSuffixes implements OptionalSuffixer: the MrConfigV3 document a
// dstack guest agent's report comes with.
func (*SNP) OptionalSuffixes() []string { return []string{DstackMrConfigSuffix} }

// Detect implements Kind. An SEV-SNP guest is recognised by the kernel's
// SEV_STATUS (SNP bit), the SEV sysfs directory, the sev-guest device or a
// configfs-tsm entry whose provider is sev_guest. The sev_snp CPU flag, the
// host's /dev/sev and kvm_amd's sev_snp parameter mark a host, not a guest.
func (*SNP) Detect(root string) Detection {
	var d Detection
	status, haveStatus := readTrim(root, filepath.Join(sevSysfs, "sev_status"))
	var msr uint64
	if haveStatus {
		v, err := strconv.ParseUint(strings.TrimPrefix(status, "0x"), 16, 64)
		if err != nil {
			haveStatus = false
			d.Signs = append(d.Signs, fmt.Sprintf("unreadable sev_status %q", status))
		}
		msr = v
	}
	provider := tsmProvider(root)
	dev := exists(root, snpDevice)
	switch {
	case haveStatus && msr&sevStatusSNP != 0:
		d.Guest = true
		d.Signs = append(d.Signs, fmt.Sprintf("SEV_STATUS %#x: SEV-SNP enabled", msr))
	case haveStatus:
		d.Reason = fmt.Sprintf("this machine is not an SEV-SNP guest: SEV_STATUS %#x has no SEV-SNP bit", msr)
		return d
	}
	if exists(root, sevSysfs) {
		d.Guest = true
		vmpl, _ := readTrim(root, filepath.Join(sevSysfs, "vmpl"))
		d.Signs = append(d.Signs, "/"+sevSysfs+" present (VMPL "+cmpOr(vmpl, "unknown")+")")
	}
	if provider == "sev_guest" || provider == "sev-guest" {
		d.Guest = true
		d.Interface = "configfs-tsm"
		d.Signs = append(d.Signs, "configfs-tsm provider "+provider)
	}
	if dev {
		d.Guest = true
		if d.Interface == "" {
			d.Interface = "/dev/sev-guest"
		}
		d.Signs = append(d.Signs, "/"+snpDevice+" present")
	}
	ep, simulated := os.LookupEnv(SimulatorEnv)
	sock := agentSocket(root)
	if sock != "" && d.Guest && !(simulated && ep != "") {
		// A dstack container: preferred, as dstack's SDKs do.
		d.Interface = SNPViaAgent
		d.Signs = append(d.Signs, "dstack guest agent at "+sock)
	}
	azure := azureVM(root)
	switch {
	case d.Guest && d.Interface == "" && azure:
		d.Reason = azureReason
	case d.Guest && d.Interface == "":
		d.Reason = "unattested: SEV-SNP guest without an evidence interface (no /dev/sev-guest, no configfs-tsm sev_guest provider)"
	case !d.Guest && sock != "":
		d.Reason = "this machine is not shown to be an SEV-SNP guest: a dstack guest agent socket (" + sock + "), but no SEV_STATUS in sysfs, no /" + sevSysfs + ", no /dev/sev-guest and no configfs-tsm sev_guest provider (a socket alone is not evidence)"
	case !d.Guest && azure:
		d.Reason = "this machine is not shown to be an SEV-SNP guest: an AMD VM on Hyper-V (Azure) with a vTPM but no SEV_STATUS in sysfs, " +
			"no /dev/sev-guest and no configfs-tsm sev_guest provider; if it is a confidential VM it is " + azureReason
	case !d.Guest:
		d.Reason = "this machine is not an SEV-SNP guest: no SEV_STATUS in sysfs, no /" + sevSysfs + ", no /dev/sev-guest, no configfs-tsm sev_guest provider" + hostSigns(root)
	}
	return d
}

// tsmProvider returns the provider of configfs-tsm reports ("sev_guest",
// "tdx_guest"), read from an existing entry or, when there is none, from a
// probe entry it creates and removes; "" when configfs-tsm is absent.
func tsmProvider(root string) string {
	dir := filepath.Join(root, tsmReports)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if p, ok := readTrim(dir, filepath.Join(e.Name(), "provider")); ok && e.IsDir() {
			return p
		}
	}
	probe, err := os.MkdirTemp(dir, "teebench-probe-")
	if err != nil {
		return ""
	}
	defer os.Remove(probe)
	p, _ := readTrim(probe, "provider")
	return p
}

// azureVM reports whether root looks like an AMD VM on Azure with a vTPM:
// Microsoft's DMI vendor, Hyper-V's VMBus, an AMD CPU and a TPM device.
func azureVM(root string) bool {
	vendor, _ := readTrim(root, "sys/class/dmi/id/sys_vendor")
	cpuinfo, _ := readTrim(root, "proc/cpuinfo")
	return vendor == "Microsoft Corporation" && exists(root, "sys/bus/vmbus") &&
		strings.Contains(cpuinfo, "AuthenticAMD") && (exists(root, "dev/tpmrm0") || exists(root, "dev/tpm0"))
}

// hostSigns names what marks an SEV-SNP host, when present, for Detect's
// reason.
func hostSigns(root string) string {
	var signs []string
	if cpuinfo, _ := readTrim(root, "proc/cpuinfo"); hasFlag(cpuinfo, "sev_snp") {
		signs = append(signs, "the sev_snp CPU flag")
	}
	if exists(root, "dev/sev") {
		signs = append(signs, "/dev/sev")
	}
	if v, _ := readTrim(root, "sys/module/kvm_amd/parameters/sev_snp"); v == "Y" || v == "1" {
		signs = append(signs, "kvm_amd sev_snp=Y")
	}
	if len(signs) == 0 {
		return ""
	}
	return "; " + strings.Join(signs, ", ") + " mark an SEV-SNP host, not a guest"
}

// hasFlag reports whether the first flags line of cpuinfo lists flag.
func hasFlag(cpuinfo, flag string) bool {
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				if f == flag {
					return true
				}
			}
			return false
		}
	}
	return false
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Attest implements Kind: an extended attestation report over reportData
// through configfs-tsm or /dev/sev-guest, or in a dstack container the
// guest agent's /Attest, split into the report and the certificate table
// the host provisioned.
func (s *SNP) Attest(reportData [64]byte) (Evidence, error) {
	var raw, mrConfig []byte
	var err error
	source := ""
	switch {
	case s.provider != nil:
		raw, err = providerReport(s.provider, reportData)
	default:
		d := s.Detect(Root)
		if !d.Attestable() {
			return Evidence{}, fmt.Errorf("tee: SEV-SNP evidence: %s", cmpOr(d.Reason, "no evidence interface"))
		}
		source = d.Interface
		if source == SNPViaAgent {
			raw, mrConfig, err = agentSNPReport(reportData)
		} else {
			raw, err = providerReport(client.GetQuoteProvider, reportData)
		}
	}
	if err != nil {
		return Evidence{}, err
	}
	if len(raw) < abi.ReportSize {
		return Evidence{}, fmt.Errorf("tee: SEV-SNP attestation report: %d bytes, want at least %d", len(raw), abi.ReportSize)
	}
	report, certs := raw[:abi.ReportSize], raw[abi.ReportSize:]
	got, err := abi.ReportToProto(report)
	if err != nil {
		return Evidence{}, fmt.Errorf("tee: SEV-SNP attestation report: %w", err)
	}
	if !bytes.Equal(got.GetReportData(), reportData[:]) {
		return Evidence{}, fmt.Errorf("tee: the SEV-SNP report returned does not carry the requested report data")
	}
	if len(certs) == 0 {
		if certs, err = s.kdsCerts(got); err != nil {
			return Evidence{}, err
		}
	}
	files := map[string][]byte{
		SNPReportSuffix: bytes.Clone(report),
		SNPCertsSuffix:  bytes.Clone(certs),
	}
	if mrConfig != nil {
		if _, err := CheckMrConfig(mrConfig, got.GetHostData()); err != nil {
			return Evidence{}, fmt.Errorf("tee: the dstack guest agent's /Attest: %w", err)
		}
		files[DstackMrConfigSuffix] = mrConfig
	}
	return Evidence{TEE: s.Name(), Source: source, Files: files}, nil
}

// kdsCerts is the certificate table for a report whose guest returned none
// (the host provisioned no certificates, as on dstack's sample): with
// TEEBENCH_COLLATERAL=1 (config.SaveCollateral, the same opt-in as TDX's
// collateral) it fetches the VCEK for the report's chip id and reported
// TCB and its ASK and ARK from AMD's KDS, once per process; the table is
// then saved beside the report like a provisioned one, and Verify checks it
// against the embedded roots as always. Without the opt-in it fails: the
// report could not be verified offline.
func (s *SNP) kdsCerts(r *spb.Report) ([]byte, error) {
	if !config.SaveCollateral() {
		return nil, fmt.Errorf("tee: the SEV-SNP guest returned no certificates (the host provisions none): the report cannot be verified offline; TEEBENCH_COLLATERAL=1 fetches the VCEK and its chain from AMD's KDS at attest time")
	}
	key := fmt.Sprintf("%x/%x", r.GetChipId(), r.GetReportedTcb())
	if s.kds != nil {
		s.kds.Lock()
		defer s.kds.Unlock()
		if c, ok := s.kds.tables[key]; ok {
			return c, nil
		}
	}
	getter := s.getter
	if getter == nil {
		getter = trust.DefaultHTTPSGetter()
	}
	att, err := verify.GetAttestationFromReport(r, &verify.Options{Getter: getter, Now: time.Now()})
	if err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP certificates from AMD's KDS (TEEBENCH_COLLATERAL=1): %w", err)
	}
	c := abi.CertsFromProto(att.GetCertificateChain()).Marshal()
	if s.kds != nil {
		if s.kds.tables == nil {
			s.kds.tables = map[string][]byte{}
		}
		s.kds.tables[key] = c
	}
	return c, nil
}

// providerReport is the extended report (report, then certificate table)
// from a go-sev-guest quote provider.
func providerReport(get func() (client.QuoteProvider, error), reportData [64]byte) ([]byte, error) {
	qp, err := get()
	if err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP quote provider: %w", err)
	}
	raw, err := qp.GetRawQuote(reportData)
	if err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP attestation report: %w", err)
	}
	return raw, nil
}

// agentSNPReport is the extended report from the dstack guest agent's
// /Attest (the attestation's report, then its certificate table,
// cert_chain's one blob) and the MrConfigV3 document that came with it. A
// dstack agent always sends one on SEV-SNP (dstack-attest's
// attestation.rs fails "amd sev-snp mr_config is missing" otherwise), so
// an answer without one is refused.
func agentSNPReport(reportData [64]byte) (raw, mrConfig []byte, err error) {
	a, ok := FindAgent()
	if !ok {
		return nil, nil, fmt.Errorf("tee: SEV-SNP evidence: the dstack guest agent's socket went away")
	}
	b, err := a.Attest(context.Background(), reportData)
	if err != nil {
		return nil, nil, err
	}
	att, err := ParseDstackAttestation(b)
	if err != nil {
		return nil, nil, fmt.Errorf("tee: guest agent %s: /Attest: %w", a.Redacted(), err)
	}
	if att.MrConfig == "" {
		return nil, nil, fmt.Errorf("tee: guest agent %s: /Attest: the SEV-SNP attestation carries no mr_config (the MrConfigV3 document HOST_DATA binds): the app cannot be bound to the report", a.Redacted())
	}
	raw, err = dstackSNPReport(att)
	return raw, []byte(att.MrConfig), err
}

// dstackSNPReport joins a dstack attestation's SEV-SNP report and its
// certificate table, as the guest interface returns them.
func dstackSNPReport(att *DstackAttestation) ([]byte, error) {
	if len(att.SNPReport) != abi.ReportSize {
		return nil, fmt.Errorf("tee: dstack attestation: SEV-SNP report of %d bytes, want %d", len(att.SNPReport), abi.ReportSize)
	}
	if len(att.SNPCertChain) > 1 {
		return nil, fmt.Errorf("tee: dstack attestation: %d certificate blobs, want one certificate table", len(att.SNPCertChain))
	}
	raw := bytes.Clone(att.SNPReport)
	if len(att.SNPCertChain) == 1 {
		raw = append(raw, att.SNPCertChain[0]...)
	}
	return raw, nil
}

// parse decodes evidence into go-sev-guest's attestation.
func (s *SNP) parse(ev Evidence) (*spb.Attestation, error) {
	report, ok := ev.Files[SNPReportSuffix]
	if !ok {
		return nil, fmt.Errorf("tee: SEV-SNP evidence has no %s", SNPReportSuffix)
	}
	if len(report) != abi.ReportSize {
		return nil, fmt.Errorf("tee: SEV-SNP report is %d bytes, want %d", len(report), abi.ReportSize)
	}
	r, err := abi.ReportToProto(report)
	if err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP report: %w", err)
	}
	certs := new(abi.CertTable)
	if err := certs.Unmarshal(ev.Files[SNPCertsSuffix]); err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP certificate table (%s): %w", SNPCertsSuffix, err)
	}
	return &spb.Attestation{Report: r, CertificateChain: certs.Proto()}, nil
}

// Describe implements Kind: snp-measurement, snp-policy (hex and the flags
// that matter), snp-tcb (reported TCB), snp-vmpl, snp-host-data (32 bytes
// the host set at launch; dstack's MrConfigV3 hash) and snp-signer.
func (s *SNP) Describe(ev Evidence) ([]Line, error) {
	att, err := s.parse(ev)
	if err != nil {
		return nil, err
	}
	return s.lines(att, ev.Source)
}

// ReportData implements Kind: the report's REPORT_DATA, unverified.
func (s *SNP) ReportData(ev Evidence) ([]byte, error) {
	report, ok := ev.Files[SNPReportSuffix]
	if !ok {
		return nil, fmt.Errorf("tee: SEV-SNP evidence has no %s", SNPReportSuffix)
	}
	r, err := abi.ReportToProto(report)
	if err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP report: %w", err)
	}
	return r.GetReportData(), nil
}

func (s *SNP) lines(att *spb.Attestation, source string) ([]Line, error) {
	r := att.GetReport()
	pol, err := abi.ParseSnpPolicy(r.GetPolicy())
	if err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP guest policy %#x: %w", r.GetPolicy(), err)
	}
	signer := "unknown"
	if info, err := abi.ParseSignerInfo(r.GetSignerInfo()); err == nil {
		signer = strings.ToLower(info.SigningKey.String())
	}
	var lines []Line
	if source != "" {
		lines = append(lines, Line{"snp-report-source", source})
	}
	return append(lines,
		Line{"snp-measurement", hex.EncodeToString(r.GetMeasurement())},
		Line{"snp-policy", fmt.Sprintf("%#x debug=%s smt=%s migrate-ma=%s single-socket=%s", r.GetPolicy(),
			onOff(pol.Debug), onOff(pol.SMT), onOff(pol.MigrateMA), onOff(pol.SingleSocket))},
		Line{"snp-tcb", tcbString(kds.DecomposeTCBVersion(kds.TCBVersion(r.GetReportedTcb())))},
		Line{"snp-vmpl", strconv.FormatUint(uint64(r.GetVmpl()), 10)},
		Line{"snp-host-data", hex.EncodeToString(r.GetHostData())},
		Line{"snp-signer", signer},
	), nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// TCB is an SEV-SNP TCB version by its security patch levels.
type TCB struct {
	BL    uint8 `json:"bl"`
	TEE   uint8 `json:"tee"`
	SNP   uint8 `json:"snp"`
	Ucode uint8 `json:"ucode"`
}

func tcbString(p kds.TCBParts) string {
	return fmt.Sprintf("bl=%d tee=%d snp=%d ucode=%d", p.BlSpl, p.TeeSpl, p.SnpSpl, p.UcodeSpl)
}

// SNPPolicy is the "sev-snp" section of a policy file.
type SNPPolicy struct {
	// Measurements lists the accepted launch MEASUREMENTs (hex, 48 bytes);
	// empty: the guest image is not checked (a caveat).
	Measurements []string `json:"measurements"`
	// MinTCB is the lowest accepted reported TCB; absent: not checked (a
	// caveat).
	MinTCB *TCB `json:"min_tcb"`
	// RefuseSMT refuses guests whose policy allows SMT (shown otherwise).
	RefuseSMT bool `json:"refuse_smt"`
	// RefuseMigrationAgent refuses guests whose policy allows a migration
	// agent (shown otherwise).
	RefuseMigrationAgent bool `json:"refuse_migration_agent"`
	// Dstack pins a dstack app: its compose hash and app id must be in the
	// MrConfigV3 document the report's HOST_DATA binds (the evidence must
	// carry one); os_image_hash is refused (not in the document).
	Dstack *DstackPolicy `json:"dstack,omitempty"`
}

// Verify implements Kind. Offline unless opts.Online: the VCEK/VLEK
// certificate must chain to the AMD ARK and ASK/ASVK embedded in
// go-sev-guest (the ARK/ASK in the evidence are not trusted), the report's
// signature must verify under it, the report must carry reportData, the
// guest policy must not allow debugging, and the policy's measurements and
// minimum TCB must hold. The reported TCB must equal the certificate's.
func (s *SNP) Verify(ev Evidence, reportData [64]byte, policy json.RawMessage, opts VerifyOptions) (Claims, error) {
	var p SNPPolicy
	if len(policy) > 0 && string(policy) != "null" {
		if err := decodeStrict(policy, &p); err != nil {
			return Claims{}, fmt.Errorf("tee: sev-snp policy: %w", err)
		}
		if errs := checkSNPPolicyValues(&p); len(errs) > 0 {
			return Claims{}, fmt.Errorf("tee: sev-snp policy: %w", errors.Join(errs...))
		}
	}
	att, err := s.parse(ev)
	if err != nil {
		return Claims{}, err
	}
	vopts := &verify.Options{
		DisableCertFetching: !opts.Online,
		CheckRevocations:    opts.Online,
		Now:                 opts.now(),
		TrustedRoots:        s.roots,
	}
	if opts.Online {
		vopts.Getter = trust.DefaultHTTPSGetter()
	}
	if err := verify.SnpAttestation(att, vopts); err != nil {
		return Claims{}, fmt.Errorf("tee: SEV-SNP report signature or AMD certificate chain: %w", err)
	}
	r := att.GetReport()
	if !bytes.Equal(r.GetReportData(), reportData[:]) {
		return Claims{}, fmt.Errorf("tee: SEV-SNP %w: the report's REPORT_DATA %s… is not the expected %s…", ErrBinding,
			hex.EncodeToString(r.GetReportData()[:8]), hex.EncodeToString(reportData[:8]))
	}
	pol, err := abi.ParseSnpPolicy(r.GetPolicy())
	if err != nil {
		return Claims{}, fmt.Errorf("tee: SEV-SNP guest policy %#x: %w", r.GetPolicy(), err)
	}
	if pol.Debug {
		return Claims{}, fmt.Errorf("tee: SEV-SNP guest policy %#x allows debugging: the host can read the guest's memory", r.GetPolicy())
	}
	var caveats []string
	if !opts.Online {
		caveats = append(caveats, "AMD revocation list not checked (offline)")
	}
	if len(p.Measurements) > 0 {
		got := hex.EncodeToString(r.GetMeasurement())
		ok := false
		for _, m := range p.Measurements {
			ok = ok || strings.EqualFold(m, got)
		}
		if !ok {
			return Claims{}, fmt.Errorf("tee: SEV-SNP measurement %s is not in the policy's %d measurements", got, len(p.Measurements))
		}
	} else {
		caveats = append(caveats, "no policy measurement: guest image not checked")
	}
	vo := &validate.Options{
		GuestPolicy: abi.SnpPolicy{
			ABIMajor: 0, ABIMinor: 0,
			SMT: !p.RefuseSMT, MigrateMA: !p.RefuseMigrationAgent,
			CXLAllowed: true,
		},
		ReportData: reportData[:],
	}
	if p.MinTCB != nil {
		vo.MinimumTCB = kds.TCBParts{BlSpl: p.MinTCB.BL, TeeSpl: p.MinTCB.TEE, SnpSpl: p.MinTCB.SNP, UcodeSpl: p.MinTCB.Ucode}
	} else {
		caveats = append(caveats, "no policy minimum TCB: firmware level not checked")
	}
	if err := validate.SnpAttestation(att, vo); err != nil {
		return Claims{}, fmt.Errorf("tee: SEV-SNP report against the policy: %w", err)
	}
	mc, err := snpMrConfig(ev, r.GetHostData())
	if err != nil {
		return Claims{}, fmt.Errorf("tee: SEV-SNP HOST_DATA: %w", err)
	}
	if p.Dstack != nil {
		if mc == nil {
			return Claims{}, fmt.Errorf("tee: %w: the policy pins a dstack app (sev-snp.dstack), but the evidence carries no MrConfigV3 document (%s) for HOST_DATA to bind", ErrPolicy, DstackMrConfigSuffix)
		}
		if bad := checkDstackPolicy(p.Dstack, mc.Measured()); len(bad) > 0 {
			return Claims{}, fmt.Errorf("tee: %w: %s", ErrPolicy, strings.Join(bad, "; "))
		}
	}
	lines, err := s.lines(att, "")
	if err != nil {
		return Claims{}, err
	}
	return Claims{TEE: s.Name(), Lines: lines, Caveats: caveats}, nil
}

// snpPolicyFromClaims pins verified SEV-SNP claims: the snp-measurement and
// the snp-tcb line as minimum TCB.
func snpPolicyFromClaims(c Claims) (*SNPPolicy, error) {
	m := c.Get("snp-measurement")
	if m == "" {
		return nil, fmt.Errorf("tee: SEV-SNP claims without snp-measurement")
	}
	var t TCB
	if _, err := fmt.Sscanf(c.Get("snp-tcb"), "bl=%d tee=%d snp=%d ucode=%d", &t.BL, &t.TEE, &t.SNP, &t.Ucode); err != nil {
		return nil, fmt.Errorf("tee: SEV-SNP claims: snp-tcb %q: %w", c.Get("snp-tcb"), err)
	}
	return &SNPPolicy{Measurements: []string{m}, MinTCB: &t}, nil
}
