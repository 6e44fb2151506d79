package catalog

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryBenchmarkHasAFamily scans the repository's test files for
// Benchmark functions: each must have a declared family, so that a new
// benchmark cannot be counted on an undeclared (fallback) metric.
func TestEveryBenchmarkHasAFamily(t *testing.T) {
	re := regexp.MustCompile(`(?m)^func Benchmark([A-Za-z0-9_]+)\(`)
	found := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "results") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			found++
			if _, ok := FamilyOf(m[1]); !ok {
				t.Errorf("%s: Benchmark%s has no family in catalog.Families (declare its primary metric)", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Errorf("found %d Benchmark functions: the scan is broken", found)
	}
}

func TestPrimaryUnit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		units []string
		want  string
		ok    bool
	}{
		// Stream reports sec/op, B/s and best-B/s: one metric counts.
		{"Stream/kernel=copy/impl=go/threads=1", []string{"sec/op", "B/s", "best-B/s"}, "B/s", true},
		// A load generator's b.N time is never primary.
		{"Gateway/path=direct/keepalive=off/c=200/client=ab", []string{"sec/op", "lat-mean-sec", "req/s"}, "req/s", true},
		{"Gateway/path=direct/c=50/client=ab", []string{"sec/op", "lat-mean-sec"}, "", true},
		{"BenchmarkFio/job=read_iops/engine=go-4", []string{"sec/op", "B/s", "IOPS"}, "IOPS", true},
		{"Fio/job=rw_mix/engine=fio", []string{"sec/op", "IOPS", "read-IOPS", "write-IOPS"}, "read-IOPS", true},
		{"Fio/job=write_seq/engine=fio", []string{"sec/op", "IOPS", "B/s"}, "B/s", true},
		{"Fio/job=lat_qd1_read/engine=go", []string{"sec/op", "IOPS", "lat-mean-sec"}, "lat-mean-sec", true},
		{"GatewayRate/path=direct/rate=200", []string{"sec/op", "req/s", "lat-p99-sec"}, "lat-p99-sec", true},
		{"Wakeup/mech=futex", []string{"sec/op"}, "sec/op", true},
		// Undeclared: Go's sec/op, and ok says it was a fallback.
		{"NewThing/x=1", []string{"sec/op", "B/s"}, "sec/op", false},
	} {
		got, ok := PrimaryUnit(tc.name, tc.units)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PrimaryUnit(%q, %v) = %q, %v; want %q, %v", tc.name, tc.units, got, ok, tc.want, tc.ok)
		}
	}
}
