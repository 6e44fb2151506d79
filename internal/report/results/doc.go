// Package results is the data layer of the report: it reads result files
// (the Go benchmark format, through golang.org/x/perf/benchfmt, with the
// suite's manifest lines, `# run` lines and `.skips.tsv` side files) into
// a Dataset, and groups them into arms, the one grouping rule every tool
// that compares result files uses (Arms).
//
// A Dataset holds, per benchmark (ID) and unit, each arm's samples, the
// arms' manifests and run information, the TEE each arm claims, the
// benchmarks it skipped, and what could not be read (Malformed,
// Warnings). It computes nothing: the statistics are in
// internal/report/overhead, the report's tables and renderers in
// internal/report.
//
// Like benchfmt, results knows benchmark names and units but not what
// they mean; internal/catalog holds the suite's vocabulary.
package results
