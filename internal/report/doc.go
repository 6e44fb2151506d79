// Package report renders the suite's report from Go benchmark result files:
// the answer first (a summary table, one row per area), then the published
// Performance Report's sections in its order, with benchstat's statistics
// (median, 95% confidence interval, Mann-Whitney p), the TEE cost of each
// TEE arm against its baseline, the published TEE overhead for each
// comparable row with a verdict, charts, and the environments of the arms.
//
// The command scripts/report is a thin main around internal/report/cli's
// Command:
//
//	go run ./scripts/report [-o report.md] baseline.txt tee.txt [more.txt ...]
//	go run ./scripts/report -o report.md base=a.txt tdx=runs/tdx/      # label=file, glob or directory
//	go run ./scripts/report -o report.md run.txt                       # one arm: absolute figures
//	go run ./scripts/report -format json base.txt tee.txt              # the report as data (Document)
//	go run ./scripts/report -pr [-threshold 5%] [-fail-on-regression] base.txt head.txt
//
// # Layers
//
// The report is cut as golang.org/x/perf is (benchfmt → benchmath →
// benchstat's tables → cmd/benchstat), each package importing only those
// above it in this list:
//
//   - internal/report/results, the data: reads result files (benchfmt, the
//     manifest's `key: value` lines, `# run` lines, `.skips.tsv`) into a
//     Dataset and groups them into arms.
//   - internal/report/overhead, the statistics: medians and 95% intervals,
//     Mann-Whitney p, the TEE cost and slowdown, the go/reference ratio,
//     verdicts against the published overheads, plausibility bounds and
//     confounders.
//   - internal/report (this package), the tables: the sections
//     (section_*.go), the summary and the environments build Table and
//     Headline values and lay the report out as a document model
//     (internal/report/blocks: per section, in order, headings, banners,
//     paragraphs, tables whose cells carry their numbers, footnotes and
//     chart references); document.go makes the JSON Document of the same
//     Tables, with the model as its outline (a metric table named by its
//     index in Tables, not repeated), chart.go the SVG or PNG charts (drawn by
//     internal/report/chart, which knows figures, not benchmarks). It
//     writes no Markdown: block structure is data, and the text inside a
//     block is CommonMark inline markup (emit.go appends the blocks; a
//     test holds the package's string literals to it). Its API is data
//     in, document out: Build and DocumentOf take a results.Dataset.
//   - internal/report/markdown, the renderer: writes a blocks.Doc as
//     Markdown (and tables for the PR comment). It imports only
//     internal/report/blocks, so another format is another such package.
//   - internal/report/prcomment, the pull-request comment of a base-vs-head
//     pair (WritePRComment), a renderer over the layers above that uses
//     this package's value formatting and markdown's tables.
//   - internal/report/cli, the command: flags and files; it calls Build
//     and markdown.Write, or DocumentOf for -format json.
//
// # First screen
//
// The summary (summary.go): under the title, the banners that change how
// the figures read (one arm: how to get a TEE number; fewer than
// overhead.MinVerdictN runs: what is withheld; unattested arms: the fix), then one
// row per area — Storage, Network, CPU, Memory, zk, GPU, LLM, Mechanisms —
// with the headline figure, base, TEE, TEE cost [95% CI], the "TEE/base
// time ×" slowdown factor, the published overhead and the verdict, or
// "not measured (why)". A headline comes from the reference tool (fio, ab,
// 7-Zip, the C STREAM triad) when it ran in every arm, else from the Go
// implementation; when both ran and their intervals do not overlap the
// row says "engines disagree" and shows both. The method paragraph
// follows the table.
//
// # Sign convention
//
// One sign convention, "+ = worse", in every table and the JSON: a
// positive overhead is a TEE cost. Throughput rows (better=higher in the
// result file's Unit line, benchfmt's UnitMetadataMap with benchstat's
// defaults) use (base − TEE)/base, time and cost rows (TEE − base)/base;
// overhead.Slowdown gives base/TEE and TEE/base, so equal slowdowns read equal. The
// 95% interval of the overhead is a percentile bootstrap of the ratio of
// medians (overhead.BootstrapN resamples per arm, fixed seed), given with at least
// overhead.MinVerdictN samples per arm; "~" marks a difference the Mann-Whitney U
// test does not find significant at alpha 0.05.
//
// # Tables
//
// Data first: each section (one file per section, section_*.go) names its
// benchmarks, units, row labels and published-overhead pairs; metricTable
// turns them into Table values, laid out as table blocks of the document
// model (Table.block: header, cells with their numbers, footnotes) or,
// with the summary's Headline rows, the arms' environments, files and
// evidence, written as a Document (-format json). A table on a reference tool carries the Go
// implementation's cost and the ratio ours/reference against the goal
// scripts/crosscheck holds it to (internal/catalog) beside each row. The
// fio jobs come from internal/catalog, the published figures from
// internal/published (one embedded table; verdicts use the printed
// overhead columns). A benchmark no section knows is listed in the
// appendix "rows in no section" with a warning.
//
// # Arms
//
// Arms (results.Arms): the one grouping rule of the report, `report -arms` and
// scripts/compare.sh. Files are grouped by their `tee:` config value, or
// by `label=path` arguments (a file, a glob or a directory of *.txt);
// files of one tee value from different testbeds (results.TestbedKeys) are
// separate arms ("tdx#2"); when every unlabelled file falls into one arm,
// each file is an arm of its own. The same content given twice is refused.
// The first arm is the baseline; another baseline arm (tee none) is shown
// as the noise floor.
//
// # Evidence
//
// Evidence (evidence.go): a TEE arm whose files do not all carry evidence
// that verifies (attest.StateVerified) is labelled "unattested" in the
// summary, headings and table headers (its label, the token -arms prints,
// stays), and gets no verdict against published overheads unless
// Options.AllowUnattested (-allow-unattested), which a banner states.
//
// # Verdicts
//
// Verdicts (overhead.Verdict) are drawn on overheads only, against the printed
// published pairs: "consistent" when the published overhead lies inside
// our interval widened by max(overhead.ToleranceAbs points,
// overhead.ToleranceRel of the
// published figure), "smaller overhead here", "larger overhead here",
// "not comparable: <reason>" (another method, another model, or a pair
// that ran on another TEE than the arm's `tee:`: "published pair ran on
// SEV-SNP"; tee.go), or "too few samples" below overhead.MinVerdictN. The storage
// pair follows the baseline's `platform:`, the LLM pair the model and the
// arms' `gpu:`. Published absolute figures come from other hardware and are
// listed in an appendix, never in a verdict. Rows whose error rate exceeds
// -max-error-rate (TEEBENCH_MAX_ERROR_RATE, default 0.01) are marked and
// give no verdict; each arm's skipped or failed benchmarks are listed from
// the R.skips.tsv file beside each result file unless the summary's
// not-measured rows already say them.
//
// # Flags
//
// Flags (internal/report/cli): -o writes the Markdown to a file and the charts (gonum.org/v1/plot)
// next to it; -charts puts the charts elsewhere; -chart-format png switches
// from SVG; -strict fails on malformed result lines, which are otherwise
// skipped, reported on stderr and listed in the report (go test interleaves
// "--- FAIL" output with a benchmark line when a benchmark fails, and the
// results measured before it must not be lost; a line over 64 KiB is such a
// line, named by its own number). The scaling-efficiency formula is
// internal/scaling's.
package report
