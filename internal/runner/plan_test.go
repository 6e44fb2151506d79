package runner

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/catalog"
	"github.com/teebench/teebench/internal/config"
)

// TestPlanFromHistory: an earlier run's duration lines of the same profile
// give the estimate (scaled to -count) and the deadline; another
// profile's lines do not.
func TestPlanFromHistory(t *testing.T) {
	dir := t.TempDir()
	lines := "tee: none\n" + benchenv.RunInfoLine("duration", "cpu_bench 120.0s count=2 profile=quick") + "\n" +
		benchenv.RunInfoLine("duration", "io_bench 50.0s count=1 profile=smoke") + "\n" +
		benchenv.RunInfoLine("duration", `io_bench 5.0s count=1 profile=quick bench="Fio" benchtime="1x"`) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	cpu, _ := catalog.Lookup("cpu_bench")
	io, _ := catalog.Lookup("io_bench")
	o := Options{Profile: config.Quick, Count: 3, OutDir: dir, Packages: []catalog.Package{cpu, io}}
	plan := Plan(o)
	if plan[0].Estimate != 180*time.Second || plan[0].Source != "measured in old.txt" || plan[0].Deadline != MinDeadline {
		t.Errorf("cpu_bench: %+v, want 3 min measured in old.txt, deadline %s", plan[0], MinDeadline)
	}
	if want := 3 * io.Measured["quick"]; plan[1].Estimate != want || plan[1].Deadline != (DeadlineFactor*want).Round(time.Minute) {
		t.Errorf("io_bench: %+v, want the catalog's %s", plan[1], want)
	}
	o.Profile = config.Report
	if p := Plan(o); p[0].Estimate != 0 || p[0].Deadline != NoEstimateDeadline || TotalEstimate(p) != 0 {
		t.Errorf("report profile without a measured run: %+v", p[0])
	}
	o.Deadline = time.Hour
	if p := Plan(o); p[0].Deadline != time.Hour {
		t.Errorf("TEEBENCH_DEADLINE: deadline %s", p[0].Deadline)
	}
}

// TestREADMEEstimate: the README's quick-profile estimate is the plan's.
func TestREADMEEstimate(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`quick profile, about (\d+) minutes on 2 cores`).FindSubmatch(b)
	if m == nil {
		t.Fatal("README lacks the quick profile's estimate")
	}
	o := Options{Profile: config.Quick, Count: 1, OutDir: t.TempDir()}
	for _, p := range catalog.Packages {
		if p.Tag == "" {
			o.Packages = append(o.Packages, p)
		}
	}
	if got, _ := strconv.Atoi(string(m[1])); got != minutes(TotalEstimate(Plan(o))) {
		t.Errorf("README says about %d minutes, the plan %d", got, minutes(TotalEstimate(Plan(o))))
	}
}
