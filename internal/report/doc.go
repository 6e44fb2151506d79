// Package report renders the suite's report from Go benchmark result files:
// the published Performance Report's tables, in its order, with benchstat's
// statistics (median, 95% confidence interval, Mann-Whitney p), the
// overhead of each TEE arm against its own baseline in the report's
// convention, the published TEE overhead for each comparable row with a
// verdict, charts, and the environments of the arms side by side.
//
// The command scripts/report is a thin main around Command:
//
//	go run ./scripts/report [-o report.md] baseline.txt tee.txt [more.txt ...]
//	go run ./scripts/report -o report.md base=a.txt tdx=runs/tdx/      # label=file, glob or directory
//	go run ./scripts/report -o report.md run.txt                       # one arm: absolute figures
//	go run ./scripts/report -format json base.txt tee.txt              # the tables as data
//	go run ./scripts/report -pr [-threshold 5%] [-fail-on-regression] base.txt head.txt
//
// Data first: each section (one file per section, section_*.go) names its
// benchmarks, units, row labels and published-overhead pairs; metricTable
// turns them into Table values (rows of benchmark + unit, per-arm summary,
// overhead with CI and p, published overhead, verdict), which are rendered
// as Markdown, as JSON (-format json) or summarised in the TL;DR. The PR
// comment (-pr, WritePR) compares two arms over every benchmark and unit.
// The last section, "Why" (section_why.go), sets macro rows of
// the sections before it beside the mechanism benchmarks that explain them
// (VM exits, page first touch, queue-depth-1 I/O, TLS handshakes, GPU small
// copies and loads, quotes), each with its own overhead, and computes the
// gateway's predicted TLS ceiling (vCPUs ÷ server CPU time per handshake)
// beside the measured TLS-proxy QPS.
//
// Arms are grouped by the file-level config key `tee:` that every benchmark
// package prints (internal/benchenv), or by `label=path` arguments (a file,
// a glob or a directory of *.txt). Files of one arm are pooled only within
// one testbed (TestbedKeys); others become arms "label#2" ... The first
// arm is the baseline; a second baseline arm (tee none) is shown as the
// noise floor. Overheads of every other arm are computed against it:
//
//   - throughput (better=higher): (off - on) / off, so a positive overhead
//     means the TEE is slower;
//   - latency and cost (better=lower): (on - off) / off.
//
// The direction of a row comes from the result files' `Unit … better=`
// lines (benchfmt's UnitMetadataMap, with benchstat's defaults), never
// from the row. Both are benchstat's delta (new/old - 1) of the medians,
// negated for throughput; "~" marks a delta the Mann-Whitney U test does not
// find significant at alpha 0.05, with the point estimate kept beside it.
// The 95% interval of the overhead is a percentile bootstrap of the ratio
// of medians (BootstrapN resamples per arm, fixed seed), given with at
// least MinVerdictN samples per arm.
//
// Verdicts (Verdict) are drawn on overheads only, against the published
// pairs of METHODS.md §9 (PubOverhead): "consistent" when the published
// overhead lies inside our interval, "smaller overhead here", "larger
// overhead here", "not comparable: <reason>" (another method, another
// model), or "too few samples" below MinVerdictN. The storage pair follows
// the baseline's `platform:`. Published absolute figures
// (PublishedFigures) come from other hardware and are listed in an appendix
// beside the rows with the same parameters, never in a verdict. Rows whose
// error rate exceeds -max-error-rate (TEEBENCH_MAX_ERROR_RATE, default 0.01)
// are marked and give no headline; each arm's skipped or failed benchmarks
// are listed from the R.skips.tsv file beside each result file.
//
// Flags: -o writes the Markdown to a file and the charts (gonum.org/v1/plot)
// next to it; -charts puts the charts elsewhere; -chart-format png switches
// from SVG; -strict fails on malformed result lines, which are otherwise
// skipped, reported on stderr and listed in the report (go test interleaves
// "--- FAIL" output with a benchmark line when a benchmark fails, and the
// results measured before it must not be lost; a line over 64 KiB is such a
// line, named by its own number). The scaling-efficiency formula is
// internal/scaling's.
package report
