package cpu_bench

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/benchname"
)

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
// SEAMCALL by the host on the fault); in an SEV-SNP guest the host's
// nested fault also checks and assigns the page in the RMP. So mode=first
// grows while mode=second should not. Acceptance of the page
// (TDG.MEM.PAGE.ACCEPT in a TD; on SNP a page-state change through the GHCB
// and PVALIDATE) is paid only on the first allocation of that memory since
// boot: most pages a benchmark touches were accepted long before. The
// names are the same under -tags tdx and -tags snp. When /proc/meminfo shows
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
