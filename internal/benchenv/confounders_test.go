package benchenv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// realFiles returns the files of testdata/dir (captured on a Firecracker
// VM) as fixture entries under prefix.
func realFiles(t *testing.T, dir, prefix string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata", dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[prefix+"/"+e.Name()] = string(b)
	}
	return out
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// symlink makes Sys/from a link to the relative target, as sysfs does.
func symlink(t *testing.T, from, target string) {
	t.Helper()
	p := filepath.Join(Sys, from)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func checkKeys(t *testing.T, m Manifest, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := m.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

// TestConfounders reads every confounder from a fixture tree shaped like a
// cgroup v2 host with a virtio disk (MSI vectors on its PCI function) and a
// NIC on a legacy interrupt line.
func TestConfounders(t *testing.T) {
	files := realFiles(t, "vulnerabilities", "sys/devices/system/cpu/vulnerabilities")
	for k, v := range map[string]string{
		"proc/cmdline": "BOOT_IMAGE=/vmlinuz ro mitigations=auto,nosmt spectre_v2=retpoline swiotlb=262144,force quiet -- pti=off\n",
		"sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": "performance\n",
		"sys/devices/system/cpu/cpu1/cpufreq/scaling_governor": "powersave\n",
		"sys/devices/system/cpu/cpu0/cpufreq/scaling_driver":   "intel_pstate\n",
		"sys/devices/system/cpu/cpu1/cpufreq/scaling_driver":   "intel_pstate\n",
		"sys/devices/system/cpu/intel_pstate/no_turbo":         "1\n",
		"sys/devices/system/cpu/smt/active":                    "1\n",
		"sys/devices/system/cpu/smt/control":                   "on\n",
		"proc/sys/kernel/numa_balancing":                       "1\n",
		"proc/self/status":                                     "Name:\tmanifest\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\nvoluntary_ctxt_switches:\t5\n",
		"sys/devices/pci0000:00/0000:00:02.0/msi_irqs/35":      "msix\n",
		"sys/devices/pci0000:00/0000:00:02.0/msi_irqs/36":      "msix\n",
		"sys/devices/pci0000:00/0000:00:02.0/virtio1/features": "",
		"sys/devices/pci0000:00/0000:00:03.0/irq":              "11\n",
		"sys/devices/pci0000:00/0000:00:03.0/virtio2/features": "",
		"sys/block/loop0/size":                                 "0\n",
		"sys/class/net/lo/mtu":                                 "65536\n",
		"proc/irq/35/effective_affinity_list":                  "1\n",
		"proc/irq/35/smp_affinity_list":                        "0-3\n",
		"proc/irq/36/effective_affinity_list":                  "3\n",
		"proc/irq/11/smp_affinity_list":                        "0-1\n",
		"sys/kernel/debug/swiotlb/io_tlb_nslabs":               "32768\n",
		"proc/self/cgroup":                                     "0::/user.slice/bench.scope\n",
		"sys/fs/cgroup/cgroup.controllers":                     "cpuset cpu io memory pids\n",
		"sys/fs/cgroup/user.slice/bench.scope/cpu.max":         "150000 100000\n",
		"sys/fs/cgroup/user.slice/bench.scope/memory.max":      "2147483648\n",
	} {
		files[k] = v
	}
	fakeRoot(t, files)
	symlink(t, "sys/block/vda/device", "../../devices/pci0000:00/0000:00:02.0/virtio1")
	symlink(t, "sys/class/net/eth0/device", "../../../devices/pci0000:00/0000:00:03.0/virtio2")
	m := Collect()
	checkKeys(t, m, map[string]string{
		"cpufreq-driver":      "intel_pstate",
		"cpufreq-governor":    "performance,powersave",
		"cpu-boost":           "off",
		"smt":                 "on",
		"smt-control":         "on",
		"numa-balancing":      "on",
		"mitigations":         "vulnerable spec_rstack_overflow (No microcode), spec_store_bypass; mitigated meltdown (PTI), spectre_v1 (usercopy/swapgs barriers and __user pointer sanitization), spectre_v2 (Retpolines); 14 not affected",
		"mitigation-switches": "mitigations=auto,nosmt spectre_v2=retpoline",
		"cpu-affinity":        "0-3",
		"irq-affinity-disk":   "vda:1,3",
		"irq-affinity-net":    "eth0:0-1",
		"swiotlb-param":       "262144,force",
		"swiotlb-size":        "64.0MiB",
		"cgroup-cpus":         "1.50",
		"cgroup-mem":          "2.0GiB",
		"mem-total":           "",
	})
}

// TestConfoundersAbsent: on a tree without any of the files no confounder
// key is printed (left out, never guessed), and a command line without a
// mitigation switch says none.
func TestConfoundersAbsent(t *testing.T) {
	fakeRoot(t, map[string]string{"proc/meminfo": "MemTotal: 2097152 kB\n"})
	m := Collect()
	for _, k := range []string{"cpufreq-driver", "cpufreq-governor", "cpu-boost", "smt", "smt-control",
		"numa-balancing", "mitigations", "mitigation-switches", "cpu-affinity", "irq-affinity-disk",
		"irq-affinity-net", "swiotlb-param", "swiotlb-size", "cgroup-cpus", "cgroup-mem"} {
		if v := m.Get(k); v != "" {
			t.Errorf("%s = %q, want it absent", k, v)
		}
	}
	if got := m.Get("mem-total"); got != "2.0GiB" {
		t.Errorf("mem-total = %q, want 2.0GiB", got)
	}
	fakeRoot(t, map[string]string{"proc/cmdline": "ro quiet -- mitigations=off\n"})
	if got := Collect().Get("mitigation-switches"); got != "none" {
		t.Errorf("mitigation-switches = %q, want none (arguments after -- go to init)", got)
	}
}

// TestCgroupV1: the hybrid hierarchy of the machine the fixture was taken
// on (memory in a named cgroup with no limit, cpu at the root with no
// quota), and a Docker v1 container (--cpus 1 --memory 2g) whose own
// cgroup is the mount's root.
func TestCgroupV1(t *testing.T) {
	fakeRoot(t, map[string]string{
		"proc/self/cgroup": readFixture(t, "proc-self-cgroup-v1"),
		"sys/fs/cgroup/memory/process_api/095b593c74fd82ef2016c11eac674f51/memory.limit_in_bytes": "9223372036854771712\n",
		"sys/fs/cgroup/memory/memory.limit_in_bytes":                                              "1073741824\n",
		"sys/fs/cgroup/cpu/cpu.cfs_quota_us":                                                      "-1\n",
		"sys/fs/cgroup/cpu/cpu.cfs_period_us":                                                     "100000\n",
		"sys/fs/cgroup/unified/cgroup.controllers":                                                "",
	})
	checkKeys(t, Collect(), map[string]string{"cgroup-cpus": "max", "cgroup-mem": "max"})

	fakeRoot(t, map[string]string{
		"proc/self/cgroup":                            "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n",
		"sys/fs/cgroup/memory/memory.limit_in_bytes":  "2147483648\n",
		"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":  "100000\n",
		"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
	})
	checkKeys(t, Collect(), map[string]string{"cgroup-cpus": "1.00", "cgroup-mem": "2.0GiB"})
}

func TestCPUBoost(t *testing.T) {
	for _, tc := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"sys/devices/system/cpu/cpufreq/boost": "1\n"}, "on"},
		{map[string]string{"sys/devices/system/cpu/cpufreq/boost": "0\n", "sys/devices/system/cpu/intel_pstate/no_turbo": "0\n"}, "off"},
		{map[string]string{"sys/devices/system/cpu/intel_pstate/no_turbo": "0\n"}, "on"},
		{map[string]string{"sys/devices/system/cpu/cpufreq/policy0/boost": "1\n", "sys/devices/system/cpu/cpufreq/policy1/boost": "0\n"}, "off,on"},
		{map[string]string{"sys/devices/system/cpu/cpufreq/boost": "x\n"}, ""},
	} {
		fakeRoot(t, tc.files)
		if got := Collect().Get("cpu-boost"); got != tc.want {
			t.Errorf("%v: cpu-boost = %q, want %q", tc.files, got, tc.want)
		}
	}
}

func TestCPUList(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0-3,8,10-11", "0-3,8,10-11"},
		{"3,1,2", "1-3"},
		{"5", "5"},
		{"", ""},
		{"0-1,x,4-2", "0-1"},
	} {
		set := map[int]bool{}
		for _, c := range parseCPUList(tc.in) {
			set[c] = true
		}
		if got := formatCPUList(set); got != tc.want {
			t.Errorf("%q -> %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestConfounderLinesParse: every line of this machine's manifest (values
// with colons, commas, parentheses) reaches benchfmt as the same config
// key and value.
func TestConfounderLinesParse(t *testing.T) {
	m := Collect()
	var buf bytes.Buffer
	m.WriteTo(&buf)
	buf.WriteString("BenchmarkX-2 1 1 ns/op\n")
	res, _ := readLastResult(t, &buf)
	for _, kv := range m {
		if got := string(res.GetConfig(kv.Key)); got != kv.Value {
			t.Errorf("config %s = %q, want %q", kv.Key, got, kv.Value)
		}
	}
}
