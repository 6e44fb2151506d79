package benchenv

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// fakeRoot builds a /proc + /sys tree with the given files (later trees
// win).
func fakeRoot(t *testing.T, trees ...map[string]string) {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{}
	for _, tree := range trees {
		for p, c := range tree {
			files[p] = c
		}
	}
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := Sys
	Sys = root
	t.Cleanup(func() { Sys = old })
}

func cpuinfo2(model, flags string) string {
	return "processor\t: 0\nmodel name\t: " + model + "\nflags\t\t: fpu " + flags + " sse2\n\n" +
		"processor\t: 1\nmodel name\t: " + model + "\nflags\t\t: fpu " + flags + " sse2\n"
}

func TestCollectTDXGuest(t *testing.T) {
	// The guest interfaces of internal/tee's TDX guest fixture, with this
	// machine's other files.
	fakeRoot(t, teeFixture(t, "tdx-guest", "dev/", "sys/kernel/config/"), map[string]string{
		"proc/cpuinfo":              cpuinfo2("Intel(R) Xeon(R) Platinum 8581C", "hypervisor"),
		"proc/meminfo":              "MemTotal:       32871536 kB\nMemFree:        30000000 kB\nUnaccepted:      1048576 kB\n",
		"proc/sys/kernel/osrelease": "6.8.0-1015-gcp\n",
		"proc/cmdline":              "BOOT_IMAGE=/vmlinuz ro tdx_pv_single_ipi=1 foo.tdx_wake_q_batch=16 accept_memory=lazy\n",
		"sys/devices/system/clocksource/clocksource0/current_clocksource": "tsc\n",
		"sys/devices/system/node/node0/x":                                 "",
		"sys/kernel/mm/transparent_hugepage/enabled":                      "always [madvise] never\n",
		"sys/class/dmi/id/sys_vendor":                                     "Google\n",
	})
	m := Collect()
	want := map[string]string{
		"tee": "tdx", "platform": "cvm", "cpu-model": "Intel(R) Xeon(R) Platinum 8581C",
		"vcpus": "2", "mem-total": "31.3GiB", "kernel": "6.8.0-1015-gcp", "numa-nodes": "1",
		"thp": "madvise", "dmi-vendor": "Google", "tdx-pv-single-ipi": "1", "tdx-wake-q-batch": "16",
		"mem-unaccepted": "1.0GiB", "accept-memory": "lazy", "clocksource": "tsc",
	}
	for k, v := range want {
		if got := m.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// Values that cannot be read are left out, never guessed.
	for _, k := range []string{"dmi-product", "cpuidle-driver", "guest-halt-poll-ns"} {
		if got := m.Get(k); got != "" {
			t.Errorf("%s = %q, want it absent", k, got)
		}
	}
	if m[0].Key != "tee" {
		t.Errorf("first key = %q, want tee", m[0].Key)
	}
}

// A kernel without unaccepted memory has no Unaccepted: line (no
// mem-unaccepted key); one with none left says 0; accept_memory= missing
// from the command line says absent.
func TestUnacceptedMemory(t *testing.T) {
	for _, tc := range []struct {
		meminfo, want string
	}{
		{"MemTotal: 1024 kB\n", ""},
		{"MemTotal: 1024 kB\nUnaccepted:            0 kB\n", "0"},
		{"MemTotal: 1024 kB\nUnaccepted:      2097152 kB\n", "2.0GiB"},
	} {
		fakeRoot(t, map[string]string{"proc/meminfo": tc.meminfo, "proc/cmdline": "ro quiet\n"})
		m := Collect()
		if got := m.Get("mem-unaccepted"); got != tc.want {
			t.Errorf("%q: mem-unaccepted = %q, want %q", tc.meminfo, got, tc.want)
		}
		if got := m.Get("accept-memory"); got != "absent" {
			t.Errorf("accept-memory = %q, want absent", got)
		}
	}
	if b, ok := MemInfo("MemFree"); ok || b != 0 {
		t.Errorf("MemInfo(MemFree) on a file without it = %d, %v", b, ok)
	}
}

// TestDetectTEE: the tee and platform lines come from internal/tee's
// detection (its fixture trees: guest evidence, never a CPU flag alone).
// An SEV-SNP-capable host shows the sev_snp flag (which once made it
// "sev-snp"): it is bare metal with no TEE; a TDX guest's CPU flag alone,
// without a device, configfs-tsm or the dstack agent, is a VM with no TEE
// (it cannot be attested).
func TestDetectTEE(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		tee   string
		plat  string
	}{
		{"bare metal", map[string]string{"proc/cpuinfo": cpuinfo2("AMD EPYC 9654", "svm")}, "none", "bare-metal"},
		{"vm", map[string]string{"proc/cpuinfo": cpuinfo2("AMD EPYC", "hypervisor")}, "none", "vm"},
		{"snp host", teeFixture(t, "snp-host"), "none", "bare-metal"},
		{"snp guest", teeFixture(t, "snp-guest"), "sev-snp", "cvm"},
		{"snp guest, device only", teeFixture(t, "snp-guest-ioctl"), "sev-snp", "cvm"},
		{"azure cvm", teeFixture(t, "azure-cvm"), "none", "vm"},
		{"tdx guest", teeFixture(t, "tdx-guest"), "tdx", "cvm"},
		{"tdx guest's cpu flags alone", teeFixture(t, "tdx-guest", "proc/"), "none", "vm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeRoot(t, tc.files)
			m := Collect()
			if got := m.Get("tee"); got != tc.tee {
				t.Errorf("tee = %q, want %q", got, tc.tee)
			}
			if got := m.Get("platform"); got != tc.plat {
				t.Errorf("platform = %q, want %q", got, tc.plat)
			}
		})
	}
}

// teeFixture returns the files of internal/tee's detection fixture name
// (testdata/<name> there) whose paths start with one of prefixes (all when
// none is given).
func teeFixture(t *testing.T, name string, prefixes ...string) map[string]string {
	t.Helper()
	dir := filepath.Join("..", "tee", "testdata", name)
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		keep := len(prefixes) == 0
		for _, pre := range prefixes {
			keep = keep || strings.HasPrefix(rel, pre)
		}
		if keep {
			b, err := os.ReadFile(p)
			files[rel] = string(b)
			return err
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("fixture %s: %v (%d files)", name, err, len(files))
	}
	return files
}

// TestManifestIsBenchfmtConfig checks that the printed manifest and unit
// lines are read by benchfmt as file config and unit metadata, and that the
// declared directions reach GetBetter (benchstat knows none of them itself).
func TestManifestIsBenchfmtConfig(t *testing.T) {
	var buf bytes.Buffer
	Collect().WriteTo(&buf)
	WriteUnits(&buf)
	buf.WriteString("BenchmarkX-2 10 100 ns/op 5 req/s 7 lat-p99-ns 3 MIPS 1 errors/op\n")
	res, r := readLastResult(t, &buf)
	if got := string(res.GetConfig("tee")); got == "" {
		t.Errorf("tee config missing from result; config %v", res.Config)
	}
	units := r.Units()
	for unit, want := range map[string]int{"req/s": 1, "MIPS": 1, "lat-p99-sec": -1, "errors/op": -1} {
		if got := units.GetBetter(unit); got != want {
			t.Errorf("GetBetter(%q) = %d, want %d", unit, got, want)
		}
	}
}

func TestUnitsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, u := range Units {
		if u.Name == "" || strings.ContainsAny(u.Name, " \t") {
			t.Errorf("bad unit name %q", u.Name)
		}
		if seen[u.Name] {
			t.Errorf("unit %q declared twice", u.Name)
		}
		seen[u.Name] = true
		if u.Better != "" && u.Better != "higher" && u.Better != "lower" {
			t.Errorf("unit %q: better=%q", u.Name, u.Better)
		}
	}
}

// TestContainer: in the image the manifest says which runtime and image.
func TestContainer(t *testing.T) {
	fakeRoot(t, map[string]string{"proc/cpuinfo": cpuinfo2("Intel Xeon", "hypervisor"), ".dockerenv": ""})
	t.Setenv("TEEBENCH_IMAGE", "ghcr.io/x/teebench@sha256:0123")
	m := Collect()
	if m.Get("container-runtime") != "docker" || m.Get("container-image") != "ghcr.io/x/teebench@sha256:0123" {
		t.Errorf("container-runtime %q, container-image %q", m.Get("container-runtime"), m.Get("container-image"))
	}
	fakeRoot(t, map[string]string{"proc/cpuinfo": cpuinfo2("Intel Xeon", "hypervisor"), "proc/1/cgroup": "0::/\n"})
	t.Setenv("TEEBENCH_IMAGE", "")
	if m := Collect(); m.Get("container-runtime") != "" || m.Get("container-image") != "" {
		t.Errorf("outside a container: %v", m)
	}
}

// readLastResult reads buf with benchfmt, failing on a syntax error or when
// there is no result, and returns the last result and the reader (for its
// units).
func readLastResult(t *testing.T, buf *bytes.Buffer) (*benchfmt.Result, *benchfmt.Reader) {
	t.Helper()
	r := benchfmt.NewReader(buf, "manifest")
	var res *benchfmt.Result
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v", rec)
		case *benchfmt.Result:
			res = rec.Clone()
		}
	}
	if res == nil {
		t.Fatal("no result read")
	}
	return res, r
}
