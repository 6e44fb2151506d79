package benchenv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Sample is a snapshot of the counters behind the per-run measurements
// (steal time, involuntary context switches, swiotlb use). Take one before
// and one after a package and give both to RunInfoLines; they are run-info
// lines, never config lines, because they change from run to run.
type Sample struct {
	// CPU holds the aggregate "cpu" line of /proc/stat in USER_HZ ticks
	// (user, nice, system, idle, iowait, irq, softirq, steal); CPUOK is
	// false when it could not be read. Steal is the time the hypervisor
	// ran something else while a vCPU of this guest wanted to run.
	CPU   [8]uint64
	CPUOK bool
	// StealColumn is whether /proc/stat has the steal column at all.
	StealColumn bool
	// NoStealAcc is whether the kernel command line turns steal-time
	// accounting off (no-steal-acc: the column then always reads 0).
	NoStealAcc bool
	// Nivcsw is the involuntary context switches of this process and of
	// its children that have been waited for (getrusage RUSAGE_SELF +
	// RUSAGE_CHILDREN): a runner that starts each package as a child and
	// waits for it sees the package's switches in the difference.
	Nivcsw   int64
	NivcswOK bool
	// Swiotlb pool size, use and high-water mark in bytes, from debugfs
	// (/sys/kernel/debug/swiotlb; needs debugfs mounted and root).
	// SwiotlbOK is false when the pool and its use cannot be read;
	// HiwaterOK when the kernel (6.6 and later) has no high-water file.
	SwiotlbTotal, SwiotlbUsed, SwiotlbHiwater uint64
	SwiotlbOK, HiwaterOK                      bool
}

// getrusage is syscall.Getrusage; tests replace it.
var getrusage = syscall.Getrusage

// TakeSample reads the counters now. What cannot be read is marked absent
// in the Sample, never guessed.
func TakeSample() Sample {
	var s Sample
	s.CPU, s.StealColumn, s.CPUOK = procStatCPU()
	for _, tok := range strings.Fields(readTrim("proc/cmdline")) {
		if tok == "--" {
			break
		}
		if tok == "no-steal-acc" {
			s.NoStealAcc = true
		}
	}
	var self, kids syscall.Rusage
	if getrusage(syscall.RUSAGE_SELF, &self) == nil && getrusage(syscall.RUSAGE_CHILDREN, &kids) == nil {
		s.Nivcsw = int64(self.Nivcsw) + int64(kids.Nivcsw)
		s.NivcswOK = true
	}
	total, ok1 := readUint("sys/kernel/debug/swiotlb/io_tlb_nslabs")
	used, ok2 := readUint("sys/kernel/debug/swiotlb/io_tlb_used")
	if ok1 && ok2 && total > 0 {
		s.SwiotlbTotal, s.SwiotlbUsed, s.SwiotlbOK = total*swiotlbSlab, used*swiotlbSlab, true
		if hw, ok := readUint("sys/kernel/debug/swiotlb/io_tlb_used_hiwater"); ok {
			s.SwiotlbHiwater, s.HiwaterOK = hw*swiotlbSlab, true
		}
	}
	return s
}

// procStatCPU reads the aggregate "cpu" line of /proc/stat.
func procStatCPU() (v [8]uint64, stealColumn, ok bool) {
	f, err := os.Open(filepath.Join(Sys, "proc/stat"))
	if err != nil {
		return v, false, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 5 || fs[0] != "cpu" {
			continue
		}
		for i, x := range fs[1:] {
			if i == len(v) {
				break
			}
			n, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				return v, false, false
			}
			v[i] = n
		}
		return v, len(fs) > 8, true
	}
	return v, false, false
}

// RunInfoLines formats what changed between before and after (taken around
// the package pkg, "" for the whole run) as run-info lines
// (RunInfoLine), each only when both samples could read it; the package
// comes first, as in the runner's duration line:
//
//	# run steal: cpu_bench 0.42% (12 of 2856 ticks)
//	# run steal-accounting: seen (the kernel has counted steal time since boot)
//	# run involuntary-ctxsw: cpu_bench 1840
//	# run swiotlb-used: cpu_bench 12.0MiB of 64.0MiB at the end (high-water 30.0MiB)
//
// steal is steal time over all CPU time of all CPUs in the interval.
// steal-accounting says whether a 0 can be trusted: "seen" when the
// cumulative counter is above 0, "off (no-steal-acc)" when the kernel
// command line disables it, otherwise "never seen" (the hypervisor may not
// export steal time, and then the column reads 0 whatever the host does).
// A runner that starts each package as a child process takes before just
// before starting it and after once it has been waited for, so that the
// child's context switches are in RUSAGE_CHILDREN and a build is not.
func RunInfoLines(pkg string, before, after Sample) []string {
	prefix := ""
	if pkg != "" {
		prefix = pkg + " "
	}
	var lines []string
	if before.CPUOK && after.CPUOK && after.StealColumn {
		var total uint64
		for i := range after.CPU {
			if after.CPU[i] >= before.CPU[i] {
				total += after.CPU[i] - before.CPU[i]
			}
		}
		steal := uint64(0)
		if after.CPU[7] >= before.CPU[7] {
			steal = after.CPU[7] - before.CPU[7]
		}
		if total > 0 {
			lines = append(lines, RunInfoLine("steal",
				fmt.Sprintf("%s%.2f%% (%d of %d ticks)", prefix, 100*float64(steal)/float64(total), steal, total)))
		}
	}
	if after.CPUOK {
		acc := "never seen (the hypervisor may not export steal time: 0 then means unknown)"
		switch {
		case !after.StealColumn:
			acc = "not exported (/proc/stat has no steal column)"
		case after.NoStealAcc:
			acc = "off (no-steal-acc on the kernel command line)"
		case after.CPU[7] > 0:
			acc = "seen (the kernel has counted steal time since boot)"
		}
		lines = append(lines, RunInfoLine("steal-accounting", acc))
	}
	if before.NivcswOK && after.NivcswOK && after.Nivcsw >= before.Nivcsw {
		lines = append(lines, RunInfoLine("involuntary-ctxsw", fmt.Sprintf("%s%d", prefix, after.Nivcsw-before.Nivcsw)))
	}
	if after.SwiotlbOK {
		v := fmt.Sprintf("%s%s of %s at the end", prefix, MiB(after.SwiotlbUsed), MiB(after.SwiotlbTotal))
		if after.HiwaterOK {
			v += fmt.Sprintf(" (high-water %s)", MiB(after.SwiotlbHiwater))
		}
		lines = append(lines, RunInfoLine("swiotlb-used", v))
	}
	return lines
}

// StealPercent returns the percentage in a steal run-info value
// ("cpu_bench 0.42% (12 of 2856 ticks)" or "0.42% (...)" gives 0.42): the
// first field that ends in '%'.
func StealPercent(value string) (float64, bool) {
	for _, f := range strings.Fields(value) {
		if p, ok := strings.CutSuffix(f, "%"); ok {
			v, err := strconv.ParseFloat(p, 64)
			return v, err == nil
		}
	}
	return 0, false
}
