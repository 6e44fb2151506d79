package tee

import (
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-sev-guest/abi"
)

// TestSNPDetect reads the fixture trees under testdata (see
// testdata/README.md): only guest evidence makes an SEV-SNP guest.
func TestSNPDetect(t *testing.T) {
	cases := []struct {
		root      string
		guest     bool
		iface     string
		reasonHas string
	}{
		// An SNP-capable host: sev_snp CPU flag, /dev/sev, kvm_amd
		// sev_snp=Y. Not a guest, and the reason says why.
		{"snp-host", false, "", "the sev_snp CPU flag, /dev/sev, kvm_amd sev_snp=Y mark an SEV-SNP host, not a guest"},
		// A current guest kernel: SEV_STATUS in sysfs, configfs-tsm with
		// the sev_guest provider (preferred) and the device.
		{"snp-guest", true, "configfs-tsm", ""},
		// An older guest kernel: the device only.
		{"snp-guest-ioctl", true, "/dev/sev-guest", ""},
		// Azure's confidential VM: AMD on Hyper-V with a vTPM and none
		// of the guest interfaces.
		{"azure-cvm", false, "", "unattested: Azure vTPM/HCL path not supported"},
		// A TDX guest, whose configfs-tsm provider is tdx_guest.
		{"tdx-guest", false, "", "not an SEV-SNP guest"},
	}
	for _, c := range cases {
		t.Run(c.root, func(t *testing.T) {
			d := SEVSNP.Detect(filepath.Join("testdata", c.root))
			if d.Guest != c.guest || d.Interface != c.iface || !strings.Contains(d.Reason, c.reasonHas) {
				t.Errorf("Detect = %+v, want guest %v, interface %q, reason containing %q", d, c.guest, c.iface, c.reasonHas)
			}
			if d.Guest && d.Reason != "" {
				t.Errorf("an attestable guest has a reason: %q", d.Reason)
			}
			k, _ := Detected(filepath.Join("testdata", c.root))
			if (k == SEVSNP) != c.guest {
				t.Errorf("Detected = %v", k)
			}
		})
	}
}

// TestSNPDetectStatus: SEV_STATUS decides when the kernel shows it, and a
// guest without an interface is a guest that cannot be attested.
func TestSNPDetectStatus(t *testing.T) {
	tree := func(files map[string]string) string {
		root := t.TempDir()
		for p, body := range files {
			if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	// SEV-ES without SNP (bits 0 and 1): not an SNP guest, even with the
	// device present.
	d := SEVSNP.Detect(tree(map[string]string{"sys/devices/system/cpu/sev/sev_status": "3\n", "dev/sev-guest": ""}))
	if d.Guest || !strings.Contains(d.Reason, "SEV_STATUS 0x3 has no SEV-SNP bit") {
		t.Errorf("SEV-ES status: %+v", d)
	}
	// SNP bit set but no interface: a guest, unattested.
	d = SEVSNP.Detect(tree(map[string]string{"sys/devices/system/cpu/sev/sev_status": "7\n"}))
	if !d.Guest || d.Attestable() || !strings.HasPrefix(d.Reason, "unattested: SEV-SNP guest without an evidence interface") {
		t.Errorf("SNP status without interface: %+v", d)
	}
	// configfs-tsm without entries: the provider is read from a probe
	// entry, which is removed again.
	root := tree(map[string]string{"sys/kernel/config/tsm/report/.keep": ""})
	d = SEVSNP.Detect(root)
	if d.Guest {
		t.Errorf("empty configfs-tsm: %+v", d)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, tsmReports)); len(entries) != 1 {
		t.Errorf("probe entry left behind: %v", entries)
	}
}

// TestCheckGuest: the refusal a -tags snp build makes on a machine that is
// not an SEV-SNP guest names SEV-SNP and the reason.
func TestCheckGuest(t *testing.T) {
	for _, root := range []string{"snp-host", "azure-cvm", "tdx-guest"} {
		_, err := checkGuest(SEVSNP, filepath.Join("testdata", root))
		if err == nil {
			t.Errorf("%s: accepted", root)
			continue
		}
		for _, want := range []string{"-tags snp for SEV-SNP", "not", "refusing to label results tee: sev-snp"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", root, err, want)
			}
		}
	}
	if _, err := checkGuest(SEVSNP, filepath.Join("testdata", "snp-guest")); err != nil {
		t.Errorf("snp-guest: %v", err)
	}
}

// TestManifestFor: an attestable guest's manifest lines come from a fresh
// report; a guest without an interface gets an evidence line with the
// reason; a host is refused.
func TestManifestFor(t *testing.T) {
	rd := sha512.Sum512([]byte("teebench manifest"))
	g := newFakeGuest(t, map[[64]byte]abi.SnpPolicy{rd: {SMT: true}})
	lines, err := manifestFor(g.snp, filepath.Join("testdata", "snp-guest"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range lines {
		got[l.Key] = l.Value
	}
	if got["snp-measurement"] != hex.EncodeToString(measurement) || !strings.HasPrefix(got["snp-policy"], "0x30000 debug=off smt=on") || got["snp-tcb"] == "" {
		t.Errorf("lines %v", lines)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, sevSysfs), 0o755)
	os.WriteFile(filepath.Join(root, sevSysfs, "sev_status"), []byte("7\n"), 0o644)
	lines, err = manifestFor(SEVSNP, root)
	if err != nil || len(lines) != 1 || lines[0].Key != "snp-evidence" || !strings.HasPrefix(lines[0].Value, "unattested: ") {
		t.Errorf("guest without interface: %v %v", lines, err)
	}
	if _, err := manifestFor(SEVSNP, filepath.Join("testdata", "snp-host")); err == nil {
		t.Error("host accepted")
	}
}
