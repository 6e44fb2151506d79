// Package benchenv is the suite's environment manifest: what TEE, platform,
// CPU, memory, kernel and guest switches a result was measured on.
//
// Every benchmark package's TestMain calls Main, which prints the manifest as
// Go benchmark config lines (`key: value`, lower-case keys) before any
// benchmark runs, then a `Unit <u> better=higher|lower` line for every custom
// unit in Units, so that benchstat and the report know which direction is
// better. Exactly one key, `tee:`, separates the arms of a comparison;
// everything else is context. A value that cannot be read is left out,
// never guessed.
//
// # Confounders
//
// Besides the TEE, these config lines record what can make two arms differ
// (confounders.go); each is read from the file named and left out when that
// cannot be read:
//
//	cpufreq-driver, cpufreq-governor  sys/devices/system/cpu/cpu*/cpufreq/scaling_{driver,governor} (distinct values)
//	cpu-boost: on|off                 cpufreq/boost, intel_pstate/no_turbo or cpufreq/policy*/boost
//	smt: on|off, smt-control          sys/devices/system/cpu/smt/{active,control}
//	numa-balancing: off|on|...        proc/sys/kernel/numa_balancing
//	mitigations                       sys/devices/system/cpu/vulnerabilities/*: the vulnerable and the
//	                                  mitigated issues with the kernel's first clause, and how many are not affected
//	mitigation-switches               the mitigation switches on proc/cmdline (mitigations=, pti=, nosmt,
//	                                  spectre_v2= ...), "none" when it has none
//	cpu-affinity                      Cpus_allowed_list of proc/self/status (the process printing the manifest;
//	                                  the benchmarks inherit it)
//	irq-affinity-disk, -net           per disk (sys/block) and NIC (sys/class/net) backed by a device, the CPUs
//	                                  its interrupts go to: "vda:1 eth0:0-1" (proc/irq/N/effective_affinity_list)
//	swiotlb-param                     swiotlb= on the kernel command line (force, noforce, a slab count)
//	swiotlb-size                      the bounce-buffer pool, sys/kernel/debug/swiotlb/io_tlb_nslabs × 2 KiB
//	                                  (needs debugfs; a TDX guest bounces all virtio I/O through it)
//	cgroup-cpus, cgroup-mem           the container's limits: cgroup v2 cpu.max and memory.max, or v1
//	                                  cpu.cfs_quota_us / cpu.cfs_period_us and memory.limit_in_bytes; "max" = none
//
// # Per-run measurements
//
// What moves during a run is not a config line (a config line labels every
// result after it, and benchstat splits its tables on differing values).
// TakeSample reads the counters and RunInfoLines turns two samples, before
// and after a package, into run-info lines (runinfo.go, runsample.go):
//
//	# run steal: cpu_bench 0.42% (12 of 2856 ticks)        proc/stat steal column over all CPU time
//	# run steal-accounting: seen|never seen|off|not exported  whether a 0 above can be trusted
//	# run involuntary-ctxsw: cpu_bench 1840                getrusage RUSAGE_SELF + RUSAGE_CHILDREN
//	# run swiotlb-used: cpu_bench 12.0MiB of 64.0MiB at the end (high-water 30.0MiB)   debugfs io_tlb_used{,_hiwater}
//
// The runner (internal/runner) takes the samples around each package's
// test binaries. Before the first package it runs the noise check
// (NoiseCheck, noise.go: a CPU loop and a memory loop, 5 s in all, outside
// any measured region) and records the spread of each loop's sample times:
//
//	# run noise-cpu: 1.84% cv over 44 samples of 55.8ms (min 54.1ms, max 60.2ms)
//	# run noise-mem: 3.10% cv over 30 samples of 81.2ms (min 76.0ms, max 90.4ms)
//
// Under the build tag tdx, Main fails the run when the machine has no TDX
// guest interface (results must never be labelled tdx by mistake), and adds
// the TD's MRTD, attributes and TEE TCB SVN from a fresh quote.
package benchenv

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/teebench/teebench/internal/config"
	"github.com/teebench/teebench/internal/tee"
)

// KV is one manifest line.
type KV struct {
	Key, Value string
}

// Manifest is the ordered list of config lines describing this machine.
type Manifest []KV

// Get returns the value of key, or "" when absent.
func (m Manifest) Get(key string) string {
	for _, kv := range m {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// WriteTo prints the manifest as `key: value` lines.
func (m Manifest) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	for _, kv := range m {
		fmt.Fprintf(&buf, "%s: %s\n", kv.Key, kv.Value)
	}
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// Sys is the root of the files Collect reads; tests point it at a fixture
// tree. It holds /proc, /sys and /dev.
var Sys = "/"

func readTrim(path string) string {
	b, err := os.ReadFile(filepath.Join(Sys, path))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func exists(path string) bool {
	_, err := os.Stat(filepath.Join(Sys, path))
	return err == nil
}

// cpuinfo returns the first "model name" and the first "flags" line of
// /proc/cpuinfo, and the number of processors listed.
func cpuinfo() (model string, flags map[string]bool, n int) {
	flags = map[string]bool{}
	f, err := os.Open(filepath.Join(Sys, "proc/cpuinfo"))
	if err != nil {
		return "", flags, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	gotFlags := false
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			n++
		case "model name":
			if model == "" {
				model = v
			}
		case "flags":
			if !gotFlags {
				for _, fl := range strings.Fields(v) {
					flags[fl] = true
				}
				gotFlags = true
			}
		}
	}
	return model, flags, n
}

// DetectTEE returns the Name of the TEE this machine (files under Sys) is a
// guest of ("tdx", "sev-snp"), or "none": tee.Detected, which reads guest
// evidence (devices, the configfs-tsm provider, SEV_STATUS, the dstack
// agent's socket with TDX's CPU flag), never a CPU flag alone.
func DetectTEE() string {
	if k, _ := tee.Detected(Sys); k != nil {
		return k.Name()
	}
	return "none"
}

// guestSwitches are the guest kernel knobs that explain most of TDX's
// multi-thread scaling loss (IPIs and idle HLTs become TD exits). They are
// recorded when present as module parameters or on the kernel command line.
var guestSwitches = []string{"tdx_wake_q_batch", "tdx_pv_single_ipi", "guest_halt_poll_ns", "guest_halt_poll_allow_shrink"}

// Collect reads the manifest of this machine.
func Collect() Manifest {
	var m Manifest
	add := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			m = append(m, KV{k, strings.ReplaceAll(v, "\n", " ")})
		}
	}
	teeName := DetectTEE()
	add("tee", teeName)
	model, flags, ncpu := cpuinfo()
	platform := ""
	switch {
	case teeName != "none":
		platform = "cvm"
	case flags["hypervisor"]:
		platform = "vm"
	case len(flags) > 0:
		platform = "bare-metal"
	}
	add("platform", platform)
	add("dmi-vendor", readTrim("sys/class/dmi/id/sys_vendor"))
	add("dmi-product", readTrim("sys/class/dmi/id/product_name"))
	add("hypervisor-type", readTrim("sys/hypervisor/type"))
	add("cpu-model", model)
	if ncpu > 0 {
		add("vcpus", strconv.Itoa(ncpu))
	}
	add("gomaxprocs", strconv.Itoa(runtime.GOMAXPROCS(0)))
	add("mem-total", memTotal())
	add("kernel", kernel())
	add("numa-nodes", numaNodes())
	add("thp", bracketed(readTrim("sys/kernel/mm/transparent_hugepage/enabled")))
	add("clocksource", readTrim("sys/devices/system/clocksource/clocksource0/current_clocksource"))
	add("cpuidle-driver", readTrim("sys/devices/system/cpu/cpuidle/current_driver"))
	add("cpuidle-governor", readTrim("sys/devices/system/cpu/cpuidle/current_governor_ro"))
	if m.Get("cpuidle-governor") == "" {
		add("cpuidle-governor", readTrim("sys/devices/system/cpu/cpuidle/current_governor"))
	}
	cmdline := strings.Fields(readTrim("proc/cmdline"))
	for _, sw := range guestSwitches {
		add(strings.ReplaceAll(sw, "_", "-"), guestSwitch(sw, cmdline))
	}
	confounders(add, cmdline)
	// Lazy page acceptance (TDX, SEV-SNP): memory not yet accepted, and
	// the kernel's accept_memory= mode (absent: not on the command line,
	// so the kernel's default, lazy, where it supports unaccepted memory;
	// the kernel exposes the mode nowhere else).
	if b, ok := MemInfo("Unaccepted"); ok {
		add("mem-unaccepted", cmp.Or(GiB(b), "0"))
	}
	add("accept-memory", cmp.Or(cmdlineValue("accept_memory", cmdline), "absent"))
	add("go", runtime.Version())
	add("container-runtime", containerRuntime())
	add("container-image", config.Image())
	if p, err := config.CurrentProfile(); err == nil {
		add("profile", string(p))
	}
	return m
}

// containerRuntime names the container runtime this process runs in, from
// the marker file each leaves at the root ("" outside a container).
func containerRuntime() string {
	switch {
	case exists(".dockerenv"):
		return "docker"
	case exists("run/.containerenv"):
		return "podman"
	}
	cg := readTrim("proc/1/cgroup")
	for _, rt := range []string{"kubepods", "containerd", "docker", "lxc"} {
		if strings.Contains(cg, rt) {
			return rt
		}
	}
	return ""
}

// guestSwitch looks for name as a module parameter
// (/sys/module/*/parameters/name) or on the kernel command line (name,
// name=v or module.name=v).
func guestSwitch(name string, cmdline []string) string {
	matches, _ := filepath.Glob(filepath.Join(Sys, "sys/module/*/parameters", name))
	sort.Strings(matches)
	for _, p := range matches {
		if b, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	for _, tok := range cmdline {
		k, v, hasV := strings.Cut(tok, "=")
		if k == name || strings.HasSuffix(k, "."+name) {
			if !hasV {
				return "on"
			}
			return v
		}
	}
	return ""
}

// cmdlineValue returns the value of name=value on the kernel command line,
// or "".
func cmdlineValue(name string, cmdline []string) string {
	for _, tok := range cmdline {
		if k, v, ok := strings.Cut(tok, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func memTotal() string {
	b, _ := MemInfo("MemTotal")
	return GiB(b)
}

// MemInfo returns the /proc/meminfo field (e.g. "MemTotal", "Unaccepted")
// in bytes, and whether the kernel lists it. Unaccepted is the memory of a
// TDX or SEV-SNP guest that the kernel has not yet accepted from the host
// (lazy acceptance: each page is accepted on its first allocation, once
// per boot); kernels without unaccepted-memory support have no such line.
func MemInfo(field string) (n uint64, ok bool) {
	f, err := os.Open(filepath.Join(Sys, "proc/meminfo"))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 && fs[0] == field+":" {
			kib, err := strconv.ParseUint(fs[1], 10, 64)
			if err != nil {
				return 0, false
			}
			return kib << 10, true
		}
	}
	return 0, false
}

// GiB formats a byte count as a manifest value in GiB with one decimal
// ("23.5GiB"); 0 gives "", which leaves the key out.
func GiB(b uint64) string {
	if b == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64) + "GiB"
}

func kernel() string {
	r := readTrim("proc/sys/kernel/osrelease")
	return r
}

func numaNodes() string {
	matches, _ := filepath.Glob(filepath.Join(Sys, "sys/devices/system/node/node[0-9]*"))
	if len(matches) == 0 {
		return ""
	}
	return strconv.Itoa(len(matches))
}

// bracketed returns the selected word of a sysfs "a [b] c" list.
func bracketed(s string) string {
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i >= 0 && j > i {
		return s[i+1 : j]
	}
	return s
}

// Full is Collect plus, under a TEE's build tag (tee.Tagged), the guest's
// identity lines from fresh evidence (tee.Manifest). Under a TEE tag it
// fails on a machine that is not a guest of that TEE (tee.Check).
func Full() (Manifest, error) {
	if err := tee.Check(); err != nil {
		return nil, err
	}
	man := Collect()
	lines, err := tee.Manifest()
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		man = append(man, KV{l.Key, l.Value})
	}
	return man, nil
}

// Extra adds lines to the manifest; gpu_bench passes NVML's inventory.
type Extra func() Manifest

// Main validates the TEEBENCH_* variables, prints the manifest and the unit
// lines, and runs the tests. Every benchmark package's TestMain is
//
//	func TestMain(m *testing.M) { benchenv.Main(m) }
//
// It never returns.
func Main(m *testing.M, extra ...Extra) {
	if err := config.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "teebench:", err)
		os.Exit(2)
	}
	man, err := Full()
	if err != nil {
		fmt.Fprintln(os.Stderr, "teebench:", err)
		os.Exit(3)
	}
	extraN := 0
	for _, e := range extra {
		kvs := e()
		extraN += len(kvs)
		man = append(man, kvs...)
	}
	// Without these lines the results could not be told apart by tee:, so
	// a failed write stops the run.
	if _, err := man.WriteTo(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "teebench: writing the manifest:", err)
		os.Exit(3)
	}
	if err := WriteUnits(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "teebench: writing the unit lines:", err)
		os.Exit(3)
	}
	code := m.Run()
	// Keys that describe only this package's run must not label the next
	// package's results in a combined result file: an empty value deletes
	// a key in the Go benchmark format.
	scoped.Lock()
	for _, e := range man[len(man)-extraN:] {
		scoped.keys = appendNew(scoped.keys, e.Key)
	}
	for _, k := range scoped.keys {
		fmt.Printf("%s:\n", k)
	}
	scoped.Unlock()
	os.Exit(code)
}

// scoped holds the keys printed by Main's extras and by Scoped.
var scoped struct {
	sync.Mutex
	keys []string
}

// Scoped prints config lines that hold for the rest of this package's run
// only (say, the file system io_bench measured): Main clears them after the
// benchmarks, so that in a result file that combines packages they do not
// label the next package's results. It is the one way a benchmark package
// adds an environment line after TestMain.
func Scoped(kvs ...KV) {
	scoped.Lock()
	defer scoped.Unlock()
	for _, kv := range kvs {
		fmt.Printf("%s: %s\n", kv.Key, kv.Value)
		scoped.keys = appendNew(scoped.keys, kv.Key)
	}
}

func appendNew(keys []string, k string) []string {
	for _, have := range keys {
		if have == k {
			return keys
		}
	}
	return append(keys, k)
}
