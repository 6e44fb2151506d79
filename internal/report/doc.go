// Package report renders the suite's Markdown report from Go benchmark result
// files: the published Performance Report's tables, in its order, with
// benchstat's statistics (median, 95% confidence interval, Mann-Whitney p),
// the overhead of the TEE arm in the report's own convention, the published
// figure for each comparable row with a verdict, charts, and the environments
// of the arms side by side.
//
// The command scripts/report is a thin main around Command:
//
//	go run ./scripts/report [-o report.md] baseline.txt tee.txt [more.txt ...]
//	go run ./scripts/report -o report.md base=a.txt tdx=b.txt
//	go run ./scripts/report -o report.md run.txt          # one arm: absolute figures
//
// Arms are grouped by the file-level config key `tee:` that every benchmark
// package prints (internal/benchenv), or by `label=path` arguments. The first
// arm named on the command line is the baseline; overheads of every other arm
// are computed against it:
//
//   - throughput (better=higher): (off - on) / off, so a positive overhead
//     means the TEE is slower;
//   - latency and cost (better=lower): (on - off) / off.
//
// Both are benchstat's delta (new/old - 1) of the medians, negated for
// throughput, and both are shown as "~" when the Mann-Whitney U test does not
// reject equality at alpha 0.05 (benchmath.DefaultThresholds).
//
// Flags: -o writes the Markdown to a file and the charts (gonum.org/v1/plot)
// next to it; -charts puts the charts elsewhere; -chart-format png switches
// from SVG; -strict fails on malformed result lines, which are otherwise
// skipped, reported on stderr and listed in the report (go test interleaves
// "--- FAIL" output with a benchmark line when a benchmark fails, and the
// results measured before it must not be lost).
//
// Published figures (PublishedFigures) are the report's numbers with their
// source; Verdict says for each whether our figure is within our 95% CI,
// differs, or is not comparable (another profile, other or unnamed
// hardware, another method). The scaling-efficiency formula is
// internal/scaling's.
package report
