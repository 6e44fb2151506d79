package cpu_bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/benchname"
	"github.com/teebench/teebench/internal/config"
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

// BenchmarkPageTouch measures the cost of a page's first touch, the work
// behind the first use of memory in a TD, and the cost of touching it again
// once it is resident (the control). One op = one anonymous mapping of the
// profile's region (64 MiB smoke, 256 MiB quick, 1 GiB report). mode=first:
// each op maps a fresh region, touches every page once, unmaps it; only the
// touches are timed. mode=second: one region is mapped and touched outside
// the timer, and each op touches every page again. ns/page is the timed
// time per page touched.
//
//	page=4KiB  MADV_NOHUGEPAGE: one fault, one 4 KiB page zeroed per page.
//	page=2MiB  MADV_HUGEPAGE (transparent huge pages): one fault, one 2 MiB
//	           page zeroed per page. Skipped when THP is never; a run that
//	           does not get huge pages for most of the region fails, rather
//	           than report 4 KiB faults as 2 MiB ones.
//
// In a TD a first touch also maps a private page in the secure EPT (a
// SEAMCALL by the host on the fault), so mode=first grows while
// mode=second should not. Acceptance of the page (TDG.MEM.PAGE.ACCEPT) is
// paid only on the first allocation of that memory since boot: most pages
// a benchmark touches were accepted long before. When /proc/meminfo shows
// Unaccepted memory, page=4KiB/mode=unaccepted maps up to half the free
// memory (at most the region x 4) and touches it once, and reports
// accepted-B/op, how much memory the kernel accepted during the timed
// touches (Unaccepted: before - after, 4 KiB resolution); that figure, not
// the name, says whether acceptance was measured (memory accepted by the
// first run stays accepted, so later runs find less or none, and skip when
// none is left).
func BenchmarkPageTouch(b *testing.B) {
	region := touchRegion()
	thp := readSys("/sys/kernel/mm/transparent_hugepage/enabled")
	for _, ps := range []int{4 << 10, hugePage} {
		for _, mode := range []string{"first", "second"} {
			b.Run(fmt.Sprintf("page=%s/mode=%s", benchname.Size(int64(ps)), mode), func(b *testing.B) {
				if ps == hugePage && strings.Contains(thp, "[never]") {
					b.Skip("transparent huge pages are off (transparent_hugepage/enabled: never)")
				}
				benchTouch(b, region, ps, mode == "second", nil)
			})
		}
	}
	b.Run("page=4KiB/mode=unaccepted", func(b *testing.B) { benchUnaccepted(b, region) })
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

// TestTouchMakesResident checks that touch makes every page of a 4 KiB
// mapping resident (Rss = size), that a fresh mapping has none, and that a
// huge-page mapping gets huge pages where THP is on.
func TestTouchMakesResident(t *testing.T) {
	const size = 8 << 20
	for _, ps := range []int{4 << 10, hugePage} {
		if ps == hugePage && strings.Contains(readSys("/sys/kernel/mm/transparent_hugepage/enabled"), "[never]") {
			continue
		}
		m, err := mapAnon(size, ps)
		if err != nil {
			t.Fatal(err)
		}
		addr := uintptr(unsafe.Pointer(&m.mem[0]))
		if ps == hugePage && addr%hugePage != 0 {
			t.Errorf("huge-page mapping at %#x is not 2 MiB aligned", addr)
		}
		// The kernel may merge the new mapping with a neighbouring
		// anonymous one, whose resident pages then count in the same smaps
		// entry: a fresh mapping must not be mostly resident, which a
		// pre-faulted (populated) one would be.
		if rss, err := smapsField(addr, "Rss"); err != nil || rss > size/8 {
			t.Errorf("page %d: Rss before touching = %d, %v; want (almost) none of %d", ps, rss, err, size)
		}
		touch(m.mem, ps)
		rss, err := smapsField(addr, "Rss")
		if err != nil {
			t.Fatal(err)
		}
		if rss < size {
			t.Errorf("page %d: Rss after touching = %d, want >= %d", ps, rss, size)
		}
		huge, err := smapsField(addr, "AnonHugePages")
		if err != nil {
			t.Fatal(err)
		}
		if ps == 4<<10 && huge != 0 {
			t.Errorf("MADV_NOHUGEPAGE mapping has %d bytes of huge pages", huge)
		}
		if ps == hugePage {
			if err := checkHuge(m); err != nil {
				t.Error(err)
			}
		}
		if err := m.unmap(); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeMeminfo points benchenv at a /proc/meminfo with the given content
// for the rest of the test.
func fakeMeminfo(t *testing.T, content string) {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(root+"/proc", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+"/proc/meminfo", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	old := benchenv.Sys
	benchenv.Sys = root
	t.Cleanup(func() { benchenv.Sys = old })
}

// mode=unaccepted skips without unaccepted memory, and with some (from a
// fixture /proc/meminfo: the count does not change, so accepted-B/op is 0)
// touches min(Unaccepted, MemAvailable/2) and reports ns/page.
func TestUnacceptedCase(t *testing.T) {
	for _, tc := range []struct {
		meminfo string
		skip    bool
	}{
		{"MemAvailable: 1048576 kB\n", true},
		{"MemAvailable: 1048576 kB\nUnaccepted: 0 kB\n", true},
		{"MemAvailable: 2048 kB\nUnaccepted: 1048576 kB\n", true}, // half of 2 MiB rounds to 0
		{"MemAvailable: 1048576 kB\nUnaccepted: 4096 kB\n", false},
	} {
		fakeMeminfo(t, tc.meminfo)
		var res testing.BenchmarkResult
		var skipped, failed bool
		res = testing.Benchmark(func(b *testing.B) {
			defer func() { skipped, failed = b.Skipped(), b.Failed() }()
			benchUnaccepted(b, 64<<20)
		})
		if failed || skipped != tc.skip {
			t.Errorf("%q: failed=%v skipped=%v, want skipped=%v", tc.meminfo, failed, skipped, tc.skip)
		}
		if !tc.skip {
			if res.Extra["ns/page"] <= 0 {
				t.Errorf("%q: ns/page = %v", tc.meminfo, res.Extra["ns/page"])
			}
			if v, ok := res.Extra["accepted-B/op"]; !ok || v != 0 {
				t.Errorf("%q: accepted-B/op = %v (reported %v), want 0 from a fixed fixture", tc.meminfo, v, ok)
			}
		}
	}
}
