// Package overhead is the statistics layer of the report: what a TEE
// costs, computed from the samples of a results.Dataset.
//
// One sign convention everywhere: an Overhead is "+ = worse", the TEE
// cost in percent (for throughput (base−TEE)/base, for time and cost
// (TEE−base)/base, the direction a Dir gives), and Slowdown is the
// "TEE/base time ×" factor. Compare and StatOf summarise each arm's
// samples (median and benchmath's 95% confidence interval), test the
// difference (Mann-Whitney U) and bootstrap the overhead's interval
// (OverheadCI); CrossRatio does the same for a Go implementation against
// its reference tool.
//
// Verdict holds a measured overhead against a published one
// (PubOverhead, from internal/published) with the documented tolerance
// band (ToleranceAbs, ToleranceRel); MinVerdictN, MinTestN and the
// percentile rule (MinSamples) say when a sample is too small for a test,
// an interval or a verdict. Bounds are the plausibility bounds per area,
// and Confounders the manifest differences besides the TEE that break or
// move an area's overheads (docs/methods.md §0 for the arithmetic, §9 for
// the published figures).
//
// Above it, internal/report builds the report's tables and renders them.
package overhead
