package runner

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/catalog"
)

// PlanItem is one package of a run's plan.
type PlanItem struct {
	Pkg catalog.Package
	// Estimate is how long the package should take at the run's -count, 0
	// when no duration of it has been measured; Source says where the
	// measured duration comes from.
	Estimate time.Duration
	Source   string
	// Deadline bounds the package.
	Deadline time.Duration
}

// Plan returns the run's plan: each package with its estimate (from the
// newest earlier run of the same profile in OutDir that recorded the
// package's duration, else catalog's measured durations) and its deadline.
func Plan(o Options) []PlanItem {
	hist := history(o.OutDir, string(o.Profile))
	var plan []PlanItem
	for _, p := range o.Packages {
		it := PlanItem{Pkg: p}
		if h, ok := hist[p.Name]; ok {
			it.Estimate = h.perCount * time.Duration(o.Count)
			it.Source = "measured in " + h.file
		} else if d, ok := p.Measured[string(o.Profile)]; ok {
			it.Estimate = d * time.Duration(o.Count)
			it.Source = "measured: " + catalog.DurationSource
		}
		switch {
		case o.Deadline > 0:
			it.Deadline = o.Deadline
		case it.Estimate > 0:
			it.Deadline = max(MinDeadline, DeadlineFactor*it.Estimate).Round(time.Minute)
		default:
			it.Deadline = NoEstimateDeadline
		}
		plan = append(plan, it)
	}
	return plan
}

// TotalEstimate sums the plan's estimates (0 when one is unknown).
func TotalEstimate(plan []PlanItem) time.Duration {
	var t time.Duration
	for _, it := range plan {
		if it.Estimate == 0 {
			return 0
		}
		t += it.Estimate
	}
	return t
}

// minutes formats d as whole minutes, at least 1.
func minutes(d time.Duration) int { return max(1, int(d.Minutes()+0.5)) }

func (r *runState) printPlan() {
	o := r.o
	tags := o.TagsFlag()
	if tags == "" {
		tags = "none"
	}
	pre := ""
	if o.BinDir != "" {
		pre = " prebuilt=" + o.BinDir
	}
	rounds := ""
	if o.Rounds > 1 {
		rounds = fmt.Sprintf(" rounds=%d", o.Rounds)
	}
	r.logf("plan: profile=%s count=%d%s tags=%s%s -> %s", o.Profile, o.Count, rounds, tags, pre, r.out.Name())
	for _, it := range r.plan {
		est := "no measured duration"
		if it.Estimate > 0 {
			est = fmt.Sprintf("~%d min (%s)", minutes(it.Estimate), it.Source)
		}
		r.logf("  %-10s %s; deadline %s", it.Pkg.Name, est, it.Deadline)
	}
	if t := TotalEstimate(r.plan); t > 0 {
		r.logf("  total      ~%d min, plus building the test binaries (estimates from measured runs; a TD or a smaller machine takes longer)", minutes(t*time.Duration(o.Rounds)))
	} else {
		r.logf("  total      unknown (a package has no measured duration at this profile; each run records them for the next plan)")
	}
}

// measured is a package's duration per -count from an earlier run.
type measured struct {
	perCount time.Duration
	file     string
}

// history reads the `# run duration:` lines of the newest result files in
// dir (at most 20) for profile.
func history(dir, profile string) map[string]measured {
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	type fileTime struct {
		path string
		t    time.Time
	}
	var ft []fileTime
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			ft = append(ft, fileTime{f, st.ModTime()})
		}
	}
	slices.SortFunc(ft, func(a, b fileTime) int { return b.t.Compare(a.t) })
	out := map[string]measured{}
	for i, f := range ft {
		if i == 20 {
			break
		}
		for pkg, m := range durations(f.path, profile) {
			if _, ok := out[pkg]; !ok {
				out[pkg] = m
			}
		}
	}
	return out
}

// durations reads one result file's duration lines of profile.
func durations(path, profile string) map[string]measured {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]measured{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		k, v, ok := benchenv.ParseRunInfo(sc.Text())
		if !ok || k != "duration" {
			continue
		}
		// "<pkg> <seconds>s count=<n> profile=<p>"; a run of part of the
		// package adds its bench= and benchtime= and is no estimate.
		fs := strings.Fields(v)
		if len(fs) != 4 || fs[3] != "profile="+profile {
			continue
		}
		d, err1 := time.ParseDuration(fs[1])
		n, err2 := strconv.Atoi(strings.TrimPrefix(fs[2], "count="))
		if err1 != nil || err2 != nil || n < 1 {
			continue
		}
		out[fs[0]] = measured{perCount: d / time.Duration(n), file: filepath.Base(path)}
	}
	return out
}
