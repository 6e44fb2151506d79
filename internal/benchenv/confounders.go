package benchenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// confounders adds the manifest lines for what, besides the TEE, can make
// two arms differ: CPU frequency policy, SMT, NUMA balancing, the kernel's
// speculative-execution mitigations, where the test process and the disk
// and network interrupts run, the swiotlb bounce-buffer pool and the
// container's CPU and memory limits. Each key is added only when its files
// can be read (see the package doc for the list).
func confounders(add func(k, v string), cmdline []string) {
	add("cpufreq-driver", distinctGlob("sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_driver"))
	add("cpufreq-governor", distinctGlob("sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor"))
	add("cpu-boost", cpuBoost())
	add("smt", onOff01(readTrim("sys/devices/system/cpu/smt/active")))
	add("smt-control", readTrim("sys/devices/system/cpu/smt/control"))
	add("numa-balancing", numaBalancing(readTrim("proc/sys/kernel/numa_balancing")))
	add("mitigations", mitigations())
	if exists("proc/cmdline") {
		add("mitigation-switches", mitigationSwitches(cmdline))
	}
	add("cpu-affinity", statusField("proc/self/status", "Cpus_allowed_list"))
	add("irq-affinity-disk", irqAffinity("sys/block"))
	add("irq-affinity-net", irqAffinity("sys/class/net"))
	add("swiotlb-param", cmdlineValue("swiotlb", cmdline))
	if n, ok := readUint("sys/kernel/debug/swiotlb/io_tlb_nslabs"); ok && n > 0 {
		add("swiotlb-size", MiB(n*swiotlbSlab))
	}
	cpus, mem := cgroupLimits()
	add("cgroup-cpus", cpus)
	add("cgroup-mem", mem)
}

// swiotlbSlab is the size of one swiotlb slab in bytes (IO_TLB_SHIFT = 11 in
// the kernel): debugfs counts the pool and its use in slabs.
const swiotlbSlab = 2048

// MiB formats a byte count in MiB with one decimal ("64.0MiB").
func MiB(b uint64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + "MiB"
}

func readUint(path string) (uint64, bool) {
	s := readTrim(path)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// distinctGlob returns the distinct trimmed contents of the files matching
// pattern under Sys, sorted and comma-separated ("" when none can be read).
func distinctGlob(pattern string) string {
	matches, _ := filepath.Glob(filepath.Join(Sys, pattern))
	seen := map[string]bool{}
	var vals []string
	for _, p := range matches {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v != "" && !seen[v] {
			seen[v] = true
			vals = append(vals, v)
		}
	}
	sort.Strings(vals)
	return strings.Join(vals, ",")
}

// cpuBoost reads whether the CPU may run above its base clock (turbo,
// core performance boost): cpufreq/boost (acpi-cpufreq, amd-pstate),
// intel_pstate/no_turbo (inverted), or the per-policy boost files of newer
// amd-pstate kernels.
func cpuBoost() string {
	if v := onOff01(readTrim("sys/devices/system/cpu/cpufreq/boost")); v != "" {
		return v
	}
	switch readTrim("sys/devices/system/cpu/intel_pstate/no_turbo") {
	case "0":
		return "on"
	case "1":
		return "off"
	}
	var vals []string
	for _, v := range strings.Split(distinctGlob("sys/devices/system/cpu/cpufreq/policy[0-9]*/boost"), ",") {
		if w := onOff01(v); w != "" {
			vals = append(vals, w)
		}
	}
	return strings.Join(vals, ",")
}

// onOff01 names a sysfs 0/1 flag; anything else is "".
func onOff01(v string) string {
	switch v {
	case "1":
		return "on"
	case "0":
		return "off"
	}
	return ""
}

// numaBalancing names kernel.numa_balancing: 0 off, 1 on (NUMA_BALANCING_NORMAL),
// 2 memory-tiering, 3 both; other values are kept as read.
func numaBalancing(v string) string {
	switch v {
	case "0":
		return "off"
	case "1":
		return "on"
	case "2":
		return "memory-tiering"
	case "3":
		return "on+memory-tiering"
	}
	return v
}

// mitigations summarises /sys/devices/system/cpu/vulnerabilities/*: the
// vulnerable and the mitigated issues by name, each with the kernel's first
// clause (the mitigation in use, or why it is vulnerable), and how many are
// not affected, e.g. "vulnerable spec_store_bypass; mitigated meltdown (PTI),
// spectre_v2 (Retpolines); 17 not affected".
func mitigations() string {
	dir := filepath.Join(Sys, "sys/devices/system/cpu/vulnerabilities")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var vulnerable, mitigated, unknown []string
	notAffected := 0
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		s = strings.TrimPrefix(s, "KVM: ") // itlb_multihit
		first, _, _ := strings.Cut(s, ";")
		detail := func(prefix string) string {
			d := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(first, prefix), ":"))
			if d == "" {
				return e.Name()
			}
			return e.Name() + " (" + d + ")"
		}
		switch {
		case s == "Not affected":
			notAffected++
		case strings.HasPrefix(s, "Mitigation"):
			mitigated = append(mitigated, detail("Mitigation"))
		case strings.HasPrefix(s, "Vulnerable"):
			vulnerable = append(vulnerable, detail("Vulnerable"))
		case s != "":
			unknown = append(unknown, e.Name()+" ("+first+")")
		}
	}
	var parts []string
	if len(vulnerable) > 0 {
		parts = append(parts, "vulnerable "+strings.Join(vulnerable, ", "))
	}
	if len(mitigated) > 0 {
		parts = append(parts, "mitigated "+strings.Join(mitigated, ", "))
	}
	if len(unknown) > 0 {
		parts = append(parts, "other "+strings.Join(unknown, ", "))
	}
	if notAffected > 0 || len(parts) > 0 {
		parts = append(parts, fmt.Sprintf("%d not affected", notAffected))
	}
	return strings.Join(parts, "; ")
}

// mitigationParams are the kernel command-line switches that turn
// speculative-execution mitigations (or SMT, which several of them need
// off) on or off (the kernel's admin-guide/kernel-parameters).
var mitigationParams = map[string]bool{
	"mitigations": true, "nospectre_v1": true, "nospectre_v2": true, "spectre_v2": true,
	"spectre_v2_user": true, "spectre_bhi": true, "nospectre_bhb": true,
	"spec_store_bypass_disable": true, "nospec_store_bypass_disable": true, "ssbd": true,
	"pti": true, "nopti": true, "kpti": true, "l1tf": true, "l1d_flush": true, "mds": true,
	"tsx": true, "tsx_async_abort": true, "mmio_stale_data": true, "retbleed": true,
	"srbds": true, "gather_data_sampling": true, "reg_file_data_sampling": true,
	"spec_rstack_overflow": true, "indirect_target_selection": true, "tsa": true,
	"vmscape": true, "nosmt": true, "noibrs": true, "noibpb": true, "kvm.nx_huge_pages": true,
}

// mitigationSwitches returns the mitigation switches on the kernel command
// line as written ("mitigations=off pti=on"), or "none".
func mitigationSwitches(cmdline []string) string {
	var got []string
	for _, tok := range cmdline {
		if tok == "--" {
			break // the rest goes to init
		}
		k, _, _ := strings.Cut(tok, "=")
		if mitigationParams[k] {
			got = append(got, tok)
		}
	}
	if len(got) == 0 {
		return "none"
	}
	return strings.Join(got, " ")
}

// statusField returns a field of a /proc/<pid>/status file.
func statusField(path, field string) string {
	b, err := os.ReadFile(filepath.Join(Sys, path))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// irqAffinity lists, for every device under class (sys/block or
// sys/class/net) that is backed by hardware, the CPUs its interrupts are
// delivered to: "vda:1 nvme0n1:0-7". A device's interrupts are the MSI
// vectors (msi_irqs/) or the legacy line (irq) of the nearest device in its
// sysfs path that has them (the PCI function of a virtio or NVMe device);
// the CPUs are the union of each interrupt's effective_affinity_list
// (smp_affinity_list when the kernel has no effective list). Virtual
// devices (loop, zram, lo, bridges) have no device link and are left out.
func irqAffinity(class string) string {
	ents, err := os.ReadDir(filepath.Join(Sys, class))
	if err != nil {
		return ""
	}
	devices := filepath.Join(Sys, "sys/devices")
	var out []string
	for _, e := range ents {
		dev, err := filepath.EvalSymlinks(filepath.Join(Sys, class, e.Name(), "device"))
		if err != nil {
			continue
		}
		irqs := deviceIRQs(dev, devices)
		if len(irqs) == 0 {
			continue
		}
		cpus := map[int]bool{}
		for _, irq := range irqs {
			l := readTrim(filepath.Join("proc/irq", irq, "effective_affinity_list"))
			if l == "" {
				l = readTrim(filepath.Join("proc/irq", irq, "smp_affinity_list"))
			}
			for _, c := range parseCPUList(l) {
				cpus[c] = true
			}
		}
		if len(cpus) > 0 {
			out = append(out, e.Name()+":"+formatCPUList(cpus))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// deviceIRQs walks from dev up to (not past) root and returns the interrupt
// numbers of the first directory that lists MSI vectors or a legacy line.
func deviceIRQs(dev, root string) []string {
	rootAbs, err := filepath.EvalSymlinks(root)
	if err != nil {
		rootAbs = root
	}
	for d := dev; strings.HasPrefix(d, rootAbs+string(filepath.Separator)); d = filepath.Dir(d) {
		if ents, err := os.ReadDir(filepath.Join(d, "msi_irqs")); err == nil && len(ents) > 0 {
			irqs := make([]string, 0, len(ents))
			for _, e := range ents {
				irqs = append(irqs, e.Name())
			}
			return irqs
		}
		if b, err := os.ReadFile(filepath.Join(d, "irq")); err == nil {
			if v := strings.TrimSpace(string(b)); v != "" && v != "0" {
				return []string{v}
			}
		}
	}
	return nil
}

// parseCPUList parses a kernel CPU list ("0-3,8,10-11").
func parseCPUList(s string) []int {
	var cpus []int
	for _, part := range strings.Split(strings.TrimSpace(s), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				continue
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// formatCPUList writes a CPU set in the kernel's list form ("0-3,8").
func formatCPUList(set map[int]bool) string {
	cpus := make([]int, 0, len(set))
	for c := range set {
		cpus = append(cpus, c)
	}
	sort.Ints(cpus)
	var parts []string
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(cpus[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", cpus[i], cpus[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// cgroupLimits returns the CPU limit (in CPUs, "1.50", or "max") and the
// memory limit ("2.0GiB" or "max") of this process's cgroup, from cgroup v2
// (cpu.max, memory.max) or v1 (cpu.cfs_quota_us / cpu.cfs_period_us,
// memory.limit_in_bytes). The cgroup is the one /proc/self/cgroup names,
// looked up under /sys/fs/cgroup; inside a container with its own cgroup
// namespace that path is "/" and the container's cgroup is the mount's
// root, so the root is tried when the named path is not there.
func cgroupLimits() (cpus, mem string) {
	paths := map[string]string{} // controller ("" for v2) -> path
	b, err := os.ReadFile(filepath.Join(Sys, "proc/self/cgroup"))
	if err != nil {
		return "", ""
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[0] == "0" && f[1] == "" {
			paths[""] = f[2]
			continue
		}
		for _, c := range strings.Split(f[1], ",") {
			paths[c] = f[2]
		}
	}
	find := func(mounts []string, path, file string) string {
		for _, m := range mounts {
			for _, p := range []string{path, "/"} {
				if v := readTrim(filepath.Join("sys/fs/cgroup", m, p, file)); v != "" {
					return v
				}
			}
		}
		return ""
	}
	if p, ok := paths[""]; ok && exists("sys/fs/cgroup/cgroup.controllers") {
		// cgroup v2 (unified).
		cpus = cpuMax(find([]string{""}, p, "cpu.max"))
		if v := find([]string{""}, p, "memory.max"); v == "max" {
			mem = "max"
		} else if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			mem = GiB(n)
		}
		return cpus, mem
	}
	// cgroup v1: each controller has its own hierarchy.
	cpuMounts := []string{"cpu", "cpu,cpuacct", "cpuacct,cpu"}
	if p, ok := paths["cpu"]; ok {
		quota := find(cpuMounts, p, "cpu.cfs_quota_us")
		period := find(cpuMounts, p, "cpu.cfs_period_us")
		if quota == "-1" {
			cpus = "max"
		} else if quota != "" {
			cpus = cpuMax(quota + " " + period)
		}
	}
	if p, ok := paths["memory"]; ok {
		if n, err := strconv.ParseUint(find([]string{"memory"}, p, "memory.limit_in_bytes"), 10, 64); err == nil {
			// No limit is PAGE_COUNTER_MAX pages: just under 2^63 bytes.
			if n >= 1<<62 {
				mem = "max"
			} else {
				mem = GiB(n)
			}
		}
	}
	return cpus, mem
}

// cpuMax turns "quota period" (cgroup v2 cpu.max) into a CPU count with
// two decimals, or "max".
func cpuMax(v string) string {
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	if f[0] == "max" {
		return "max"
	}
	if len(f) != 2 {
		return ""
	}
	q, err1 := strconv.ParseFloat(f[0], 64)
	p, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return ""
	}
	return strconv.FormatFloat(q/p, 'f', 2, 64)
}
