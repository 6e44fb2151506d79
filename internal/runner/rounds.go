package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/teebench/teebench/internal/catalog"
)

// Group is one part of a rounds plan (Session.Rounds): the runs of one
// package that measure a figure two ways (scripts/crosscheck: a Go
// implementation and its reference tool), run one after the other in
// every round so that both see the same machine state.
type Group struct {
	// Name names the group in messages; Pkg is the package it runs.
	Name, Pkg string
	// Runs are the group's invocations of Pkg's test binary, in the order
	// of odd rounds.
	Runs []catalog.Run
	// FixedOrder keeps the order of every round (the group's benchmark
	// alternates its two sides itself); otherwise even rounds run Runs
	// backwards with TEEBENCH_ORDER=reverse (RoundEnv).
	FixedOrder bool
	// IsRef tells a reference row by its benchmark name. A group whose
	// reference wrote no row in round 1 is not run again (the reference
	// is absent here: more rounds would measure one side only).
	IsRef func(name string) bool
}

// Reversed reports whether round (from 1) runs a group that alternates
// in reverse: even rounds do, so that what one side leaves behind (the
// host still writing back a write job's data) falls on each side in turn.
func Reversed(round int) bool { return round%2 == 0 }

// RoundEnv is the environment of an invocation in a round run forward or
// in reverse: TEEBENCH_ORDER, which the benchmark packages read to put
// the reference's sub-benchmarks first.
func RoundEnv(reverse bool) []string {
	if reverse {
		return []string{"TEEBENCH_ORDER=reverse"}
	}
	return []string{"TEEBENCH_ORDER=forward"}
}

// RoundRun is one invocation of a rounds plan and what it produced.
type RoundRun struct {
	Round, Rounds int
	Group         Group
	Run           catalog.Run
	Reverse       bool
	Outcome       Outcome
	// Refs is how many of its rows are the reference's (Group.IsRef).
	Refs int
	Took time.Duration
}

// Err describes a run that failed or ran past its deadline, nil
// otherwise.
func (rr RoundRun) Err() error {
	o := rr.Outcome
	if o.Code == 0 && !o.Deadline {
		return nil
	}
	at := ""
	if o.Deadline {
		at = " (stopped at its deadline)"
	}
	return fmt.Errorf("%s.test -test.bench %q: exit status %d%s", rr.Group.Pkg, rr.Run.Bench, o.Code, at)
}

// RoundsResult is what a rounds plan left to say.
type RoundsResult struct {
	// Dropped names each group not run after round 1, with why.
	Dropped []string
	// Interrupted is true when ctx ended the plan early.
	Interrupted bool
}

// Rounds runs the groups rounds times, every group's runs one after the
// other in each round, and passes each invocation's outcome to each.
// Interruption (ctx done: the caller's SIGINT or SIGTERM) stops the
// running invocation's process group and every process below this one
// (Stop), keeps the rows already written and starts nothing more.
func (s *Session) Rounds(ctx context.Context, groups []Group, rounds int, each func(RoundRun)) RoundsResult {
	var res RoundsResult
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			s.Stop()
		case <-stopped:
		}
	}()
	dropped := map[string]bool{}
	for r := 1; r <= rounds && ctx.Err() == nil; r++ {
		for _, g := range groups {
			if dropped[g.Name] || ctx.Err() != nil {
				continue
			}
			reverse := Reversed(r) && !g.FixedOrder
			runs := g.Runs
			if reverse {
				runs = slices.Clone(runs) // a group of two runs: the reference's first
				slices.Reverse(runs)
			}
			refs := 0
			for _, run := range runs {
				t0 := time.Now()
				rr := RoundRun{Round: r, Rounds: rounds, Group: g, Run: run, Reverse: reverse}
				rr.Outcome = s.invoke(g.Pkg, run, RoundEnv(reverse))
				rr.Took = time.Since(t0)
				for _, name := range rr.Outcome.Rows {
					if g.IsRef != nil && g.IsRef(name) {
						rr.Refs++
					}
				}
				refs += rr.Refs
				if each != nil {
					each(rr)
				}
			}
			if r == 1 && refs == 0 && g.IsRef != nil && ctx.Err() == nil {
				dropped[g.Name] = true
				res.Dropped = append(res.Dropped, fmt.Sprintf("%s: the reference measured nothing in round 1; not run again", g.Name))
			}
		}
	}
	res.Interrupted = ctx.Err() != nil
	return res
}

// CreateResult creates a run's result file, never overwriting one: path
// when it is given (an error when it exists), else
// dir/<prefix><host>-<tee>-<UTC time>.txt, or that name with -1, -2 ...
// when it is taken (ClaimName). The directory is created as needed.
func CreateResult(path, dir, prefix, tee string) (*os.File, error) {
	if path != "" {
		dir = filepath.Dir(path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("result directory: %w", err)
	}
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, fmt.Errorf("result file: %w", err)
		}
		return f, nil
	}
	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	return ClaimName(dir, fmt.Sprintf("%s%s-%s-%s", prefix, host, tee, time.Now().UTC().Format("20060102T150405Z")))
}
