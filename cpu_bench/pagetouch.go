package cpu_bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/config"
	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on amd64 (a PMD).
const hugePage = 2 << 20

// touchRegion is the size of the anonymous mapping one BenchmarkPageTouch
// op touches: 64 MiB smoke, 256 MiB quick, 1 GiB report.
func touchRegion() int { return config.Pick(64<<20, 256<<20, 1<<30) }

// A mapping is an anonymous private mapping whose pages are all of one
// size: mem is its page-aligned part (2 MiB-aligned for huge pages), all
// the whole mapping for munmap.
type mapping struct {
	all, mem []byte
}

// mapAnon maps size bytes of anonymous memory backed by pages of pageSize:
// 4 KiB with MADV_NOHUGEPAGE (so THP=always cannot change the page size),
// 2 MiB with MADV_HUGEPAGE on a 2 MiB-aligned range. Nothing is touched.
func mapAnon(size, pageSize int) (*mapping, error) {
	extra := 0
	if pageSize == hugePage {
		extra = hugePage // room to align the start
	}
	all, err := unix.Mmap(-1, 0, size+extra, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("mmap %d bytes: %w", size+extra, err)
	}
	m := &mapping{all: all, mem: all[:size]}
	advice := unix.MADV_NOHUGEPAGE
	if pageSize == hugePage {
		base := uintptr(unsafe.Pointer(&all[0]))
		off := int((base+hugePage-1)&^(hugePage-1) - base)
		m.mem = all[off : off+size]
		advice = unix.MADV_HUGEPAGE
	}
	if err := unix.Madvise(m.mem, advice); err != nil {
		m.unmap()
		return nil, fmt.Errorf("madvise(%d): %w", advice, err)
	}
	return m, nil
}

func (m *mapping) unmap() error {
	if err := unix.Munmap(m.all); err != nil {
		return fmt.Errorf("munmap: %w", err)
	}
	return nil
}

// touch writes one byte in every page of mem. A write (not a read, which
// would map the shared zero page) makes the kernel allocate and zero the
// page on first touch.
func touch(mem []byte, pageSize int) {
	for i := 0; i < len(mem); i += pageSize {
		mem[i] = 1
	}
}

// smapsField returns the named field (Rss, AnonHugePages ...) in bytes of
// the mapping of this process that contains addr, from /proc/self/smaps.
func smapsField(addr uintptr, field string) (uint64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, fmt.Errorf("smaps: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fs[0], "-"); ok && !strings.HasSuffix(fs[0], ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uint64(addr) >= a && uint64(addr) < b
				continue
			}
		}
		if in && fs[0] == field+":" && len(fs) >= 2 {
			kib, err := strconv.ParseUint(fs[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("smaps %s: %w", field, err)
			}
			return kib << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("smaps: %w", err)
	}
	return 0, fmt.Errorf("smaps: no %s for a mapping at %#x", field, addr)
}

// benchUnaccepted is page=4KiB/mode=unaccepted: it skips unless
// /proc/meminfo (under benchenv.Sys) lists unaccepted memory, then touches
// min(Unaccepted, MemAvailable/2, 4 x region) once per op and reports
// ns/page and accepted-B/op.
func benchUnaccepted(b *testing.B, region int) {
	un, ok := benchenv.MemInfo("Unaccepted")
	switch {
	case !ok:
		b.Skip("the kernel has no unaccepted memory (no Unaccepted: line in /proc/meminfo)")
	case un == 0:
		b.Skip("no unaccepted memory left (Unaccepted: 0 kB): all of it was accepted since boot")
	}
	avail, _ := benchenv.MemInfo("MemAvailable")
	size := int(min(un, avail/2, uint64(4*region))) &^ (hugePage - 1)
	if size == 0 {
		b.Skipf("too little memory available to allocate (Unaccepted: %d kB, MemAvailable: %d kB)", un>>10, avail>>10)
	}
	var accepted uint64
	benchTouch(b, size, 4<<10, false, &accepted)
	b.ReportMetric(float64(accepted)/float64(b.N), "accepted-B/op")
}

// benchTouch runs b.N ops of touching every page of a mapping of size
// bytes of pageSize pages and reports ns/page. mode=first maps a fresh
// region for each op (mmap and munmap outside the timer); mode=second
// (second true) maps and touches one region outside the timer, then times
// b.N further passes over it. With accepted non-nil it adds the drop of
// /proc/meminfo's Unaccepted: over each timed touch to it.
func benchTouch(b *testing.B, size, pageSize int, second bool, accepted *uint64) {
	pages := size / pageSize
	b.StopTimer()
	b.ResetTimer()
	if second {
		m, err := mapAnon(size, pageSize)
		if err != nil {
			b.Fatal(err)
		}
		defer m.unmap()
		touch(m.mem, pageSize)
		if pageSize == hugePage {
			if err := checkHuge(m); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for range b.N {
			touch(m.mem, pageSize)
		}
		b.StopTimer()
	} else {
		for i := range b.N {
			m, err := mapAnon(size, pageSize)
			if err != nil {
				b.Fatal(err)
			}
			var before uint64
			if accepted != nil {
				before, _ = benchenv.MemInfo("Unaccepted")
			}
			b.StartTimer()
			touch(m.mem, pageSize)
			b.StopTimer()
			if accepted != nil {
				after, _ := benchenv.MemInfo("Unaccepted")
				*accepted += before - min(after, before)
			}
			if i == 0 && pageSize == hugePage {
				if err := checkHuge(m); err != nil {
					m.unmap()
					b.Fatal(err)
				}
			}
			if err := m.unmap(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*pages), "ns/page")
}

// checkHuge fails when fewer than 90% of m's bytes are in huge pages.
func checkHuge(m *mapping) error {
	addr := uintptr(unsafe.Pointer(&m.mem[0]))
	huge, err := smapsField(addr, "AnonHugePages")
	if err != nil {
		return err
	}
	if huge < uint64(len(m.mem))/10*9 {
		return fmt.Errorf("page=2MiB: only %d of %d MiB got transparent huge pages (THP defrag %q; memory too fragmented?); not reporting 4 KiB faults as 2 MiB ones",
			huge>>20, len(m.mem)>>20, readSys("/sys/kernel/mm/transparent_hugepage/defrag"))
	}
	return nil
}

func readSys(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}
