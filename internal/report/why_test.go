package report

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// whySection returns the Why section of a rendered report.
func whySection(t *testing.T, report string) string {
	t.Helper()
	_, rest, ok := strings.Cut(report, "## IX. Why")
	if !ok {
		t.Fatalf("no Why section in the report")
	}
	sec, _, _ := strings.Cut(rest, "\n## ")
	return sec
}

// rawValue returns the value of a benchmark and unit in a real result
// file (one line per benchmark): the fixture's baseline median, since the
// jitter factors' median is 1.
func rawValue(t *testing.T, path, bench, unit string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || !strings.HasPrefix(fs[0], "Benchmark"+bench+"-") {
			continue
		}
		for i := 2; i+1 < len(fs); i += 2 {
			if fs[i+1] == unit {
				v, err := strconv.ParseFloat(fs[i], 64)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
		}
	}
	t.Fatalf("%s: no %s %s", path, bench, unit)
	return 0
}

// TestWhyTwoArms checks the Why section on the two-arm derived fixture:
// each macro row sits beside its mechanism rows, every mechanism row shows
// the injected overhead (+20.00% throughput, +25.00% latency and cost), the
// absent GPU and quote benchmarks are named, and the predicted TLS ceiling
// is vCPUs x 1e9 / server-cpu-ns/handshake of the real run.
func TestWhyTwoArms(t *testing.T) {
	got, _ := render(t, derived)
	why := whySection(t, got)
	for _, tc := range []struct {
		bench string
		want  []string
	}{
		{"Fio/job=lat_qd1_read/engine=fio lat-mean-sec", []string{"| QD1 4K random read ↓ |", "| +25.00% [", "| none (context) |"}},
		{"Fio/job=lat_qd1_write/engine=fio cpu-sec/op", []string{"| QD1 4K random write ↓", "| +25.00% ["}},
		{"PageTouch/page=4KiB/mode=first sec/page", []string{"| First touch of a page ↓", "| +25.00% ["}},
		{"Exit/op=cpuid-hypervisor-leaf sec/op", []string{"| CPUID hypervisor leaf (exits in a TD; an SNP guest answers it from its CPUID page) ↓", "| +25.00% ["}},
		{"Exit/op=getpid sec/op", []string{"| getpid (syscall, control) ↓", "| +25.00% ["}},
		{"TLSHandshake/kex=x25519mlkem768/cert=ecdsa-p256/resume=off handshakes/s", []string{"| Full handshake ↑", "| +20.00% ["}},
		{"TLSHandshake/kex=x25519mlkem768/cert=ecdsa-p256/resume=off server-cpu-sec/handshake", []string{"| +25.00% ["}},
		{"TLSHandshake/kex=x25519mlkem768/cert=ecdsa-p256/resume=on handshakes/s", []string{"Resumed handshake (control)", "| +20.00% ["}},
		{"PageTouch/page=4KiB/mode=second sec/page", []string{"| +25.00% ["}},
	} {
		l := rowLine(t, why, tc.bench)
		for _, w := range tc.want {
			if !strings.Contains(l, w) {
				t.Errorf("Why row %s lacks %q:\n%s", tc.bench, w, l)
			}
		}
	}
	// Macro rows are not repeated as rows: one line with their costs; a
	// mechanism row an earlier table showed is listed, not repeated.
	for _, bench := range []string{"`Fio/job=read_latency/engine=go lat-mean-sec`", "`Gateway/path=tls-proxy/keepalive=off/c=200/client=go req/s`", "`MemLatency/size=1GiB sec/op`", "`Fio/job=lat_qd1_read/engine=go lat-mean-sec`"} {
		if strings.Contains(why, "| "+bench+" |") {
			t.Errorf("Why section repeats the row %s", bench)
		}
	}
	for _, w := range []string{
		"### Storage latency and IOPS", "### Gateway TLS",
		"*Macro, as in the sections above:* Avg read latency (4K QD4) (engine=go) ↓ +900.00% [+888.1, +912.1]; Avg read latency (4K QD4) (engine=fio) ↓ +25.00% [+23.5, +26.5];",
		"*Mechanisms shown above:* Memory latency (size=64MiB) ↓ +25.00% [+23.5, +26.5];",
		"loopback, which crosses no NIC and no bounce buffer",
		"GPU mechanisms: not measured here (no GPU",
		"Quote: not measured here",
	} {
		if !strings.Contains(why, w) {
			t.Errorf("Why section lacks %q", w)
		}
	}
	// The ceiling: vCPUs (2, the manifest) x 1e9 / the real run's
	// server-cpu-ns/handshake; the TEE arm's CPU time is x1.25.
	cpu := rawValue(t, "testdata/mech-run.txt", "TLSHandshake/kex=x25519mlkem768/cert=ecdsa-p256/resume=off", "server-cpu-ns/handshake")
	base, tee := 2*1e9/cpu, 2*1e9/(cpu*1.25)
	want := "| predicted ceiling = vCPUs ÷ CPU per handshake | " + FormatValue(base, "handshakes/s") + " | " + FormatValue(tee, "handshakes/s") + " |"
	if !strings.Contains(why, want) {
		t.Errorf("Why section lacks the ceiling line %q:\n%s", want, why)
	}
	if !strings.Contains(why, "vCPUs × 1e9 ÷ `server-cpu-ns/handshake`") {
		t.Errorf("Why section does not say how the ceiling is computed")
	}
}

// TestWhyOneArm checks that a one-arm report gives the mechanism figures
// as measured, without overhead.
func TestWhyOneArm(t *testing.T) {
	got, _ := render(t, derived[:1])
	why := whySection(t, got)
	if strings.Contains(why, "| TEE cost ") {
		t.Errorf("one-arm Why section shows an overhead column")
	}
	for _, w := range []string{"One arm: the mechanism figures as measured, no overhead.", "| Full handshake ↑", "| predicted ceiling = vCPUs ÷ CPU per handshake |"} {
		if !strings.Contains(why, w) {
			t.Errorf("one-arm Why section lacks %q", w)
		}
	}
}

// TestWhyGPUAndQuote checks that the spec's GPU and quote rows match the
// names gpu_bench and cpu_bench (tag tdx) give their benchmarks. No GPU or
// TD ran here: the values are made up (6 samples per arm, TEE arm x1.25 for
// times, x0.8 for rates); only the names and the wiring are under test.
func TestWhyGPUAndQuote(t *testing.T) {
	lines := []struct{ name, unit string }{
		{"CopyLatency/dir=h2d/mem=pageable/size=4KiB", "ns/op"},
		{"CopyLatency/dir=d2h/mem=pageable/size=4KiB", "ns/op"},
		{"CopyLatency/dir=h2d/mem=pinned/size=4KiB", "ns/op"},
		{"CopyStreams/streams=1/dirs=h2d/mem=pinned/size=64MiB", "B/s"},
		{"CopyStreams/streams=2/dirs=h2d+h2d/mem=pinned/size=64MiB", "B/s"},
		{"Launch/sync=true", "ns/op"},
		{"Quote", "ns/op"},
	}
	dir := t.TempDir()
	var files []string
	for arm, tee := range []string{"none", "tdx"} {
		var b strings.Builder
		b.WriteString("tee: " + tee + "\nvcpus: 2\n")
		for s := 0; s < 6; s++ {
			f := 1 + float64(s)/1000
			for _, l := range lines {
				v := 1000 * f
				if arm == 1 && l.unit == "ns/op" {
					v *= 1.25
				} else if arm == 1 {
					v *= 0.8
				}
				b.WriteString("Benchmark" + l.name + "-2\t10\t" + strconv.FormatFloat(v, 'g', -1, 64) + " " + l.unit + "\n")
			}
			v := 1e9 * f
			if arm == 1 {
				v *= 1.25
			}
			b.WriteString("BenchmarkLoad/size=1GiB-2\t1\t" + strconv.FormatFloat(v, 'g', -1, 64) + " ns/op\t" + strconv.FormatFloat(float64(1<<30)*1e9/v, 'g', -1, 64) + " B/s\n")
		}
		p := dir + "/" + tee + ".txt"
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	got, _ := render(t, files)
	why := whySection(t, got)
	for _, tc := range []struct{ bench, want string }{
		{"CopyLatency/dir=h2d/mem=pageable/size=4KiB sec/op", "| 4 KiB copy (dir=h2d) ↓"},
		{"CopyLatency/dir=d2h/mem=pageable/size=4KiB sec/op", "| +25.00% ["},
		{"CopyStreams/streams=2/dirs=h2d+h2d/mem=pinned/size=64MiB B/s", "| Copy, two streams (dirs=h2d+h2d mem=pinned size=64MiB) ↑"},
		{"CopyStreams/streams=1/dirs=h2d/mem=pinned/size=64MiB B/s", "| +20.00% ["},
		{"Load/size=1GiB sec/op", "| +25.00% ["},
		{"Load/size=1GiB B/s", "| +20.00% ["},
		{"Launch/sync=true sec/op", "| Kernel launch (sync=true)"},
		{"Quote sec/op", "| +25.00% ["},
	} {
		if l := rowLine(t, why, tc.bench); !strings.Contains(l, tc.want) {
			t.Errorf("Why row %s lacks %q:\n%s", tc.bench, tc.want, l)
		}
	}
	if strings.Contains(why, "mem=pinned/size=4KiB") {
		t.Error("the pinned small copy is not one of the LLM group's rows (pageable only)")
	}
	for _, w := range []string{"GPU mechanisms: not measured here", "Quote: not measured here", "### Gateway TLS"} {
		if strings.Contains(why, w) {
			t.Errorf("Why section has %q:\n%s", w, why)
		}
	}
	// A group with no row at all is named in one line.
	for _, w := range []string{"### Attestation", "*Mechanism rows: not measured here (`go test -run '^$' -bench TLSHandshake ./net_bench` fills them).*"} {
		if !strings.Contains(why, w) {
			t.Errorf("Why section lacks %q:\n%s", w, why)
		}
	}
}

// writeArms writes one result file per TEE value in tees (6 samples per
// benchmark and arm, each later arm's times x1.25) with the ns/op
// benchmarks in names, and returns their paths. The values are made up:
// only names and wiring are under test.
func writeArms(t *testing.T, tees []string, names ...[]string) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for arm, tee := range tees {
		var b strings.Builder
		b.WriteString("tee: " + tee + "\nvcpus: 2\n")
		for s := 0; s < 6; s++ {
			for _, n := range names[arm] {
				v := 1000 * (1 + float64(s)/1000)
				if arm > 0 {
					v *= 1.25
				}
				b.WriteString("Benchmark" + n + "-2\t10\t" + strconv.FormatFloat(v, 'g', -1, 64) + " ns/op\n")
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("arm%d.txt", arm))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

// TestWhyExitsBothTEEs: the Why section words the exit rows for TDX and
// SEV-SNP alike: a PCI config read exits in every VM kind, the CPUID leaf
// only in a TD (an SNP guest answers it from its CPUID page), first touch
// names both TEEs' page work, and the missing quote row names both TEEs'
// build tags as internal/tee declares them.
func TestWhyExitsBothTEEs(t *testing.T) {
	exits := []string{"Exit/op=pci-config-read", "Exit/op=cpuid-hypervisor-leaf", "Exit/op=getpid"}
	got, _ := render(t, writeArms(t, []string{"none", "sev-snp"}, exits, exits))
	why := whySection(t, got)
	for _, tc := range []struct{ bench, want string }{
		{"Exit/op=pci-config-read sec/op", "| PCI config read (exits to the host in every VM kind) ↓"},
		{"Exit/op=cpuid-hypervisor-leaf sec/op", "| CPUID hypervisor leaf (exits in a TD; an SNP guest answers it from its CPUID page) ↓"},
		{"Exit/op=getpid sec/op", "| getpid (syscall, control) ↓"},
	} {
		if l := rowLine(t, why, tc.bench); !strings.Contains(l, tc.want) || !strings.Contains(l, "| +25.00% [") {
			t.Errorf("Why row %s lacks %q or its cost:\n%s", tc.bench, tc.want, l)
		}
	}
	for _, w := range []string{
		"secure-EPT work in a TD, PVALIDATE/RMP work in an SNP guest",
		"a #VC and a VMGEXIT in an SNP guest",
		"an SNP guest answers from its CPUID page without an exit",
		"Quote: not measured here (`BenchmarkQuote` needs the TEE's build tag inside that guest: `-tags tdx` in the TDX guest, `-tags snp` in the SEV-SNP guest)",
	} {
		if !strings.Contains(why, w) {
			t.Errorf("Why section lacks %q", w)
		}
	}
	if strings.Contains(got, "`-tags tdx` and a TD") {
		t.Error("the quote row still asks for a TD only")
	}
}
