// Package prcomment renders a base-vs-head comparison of two result files
// as a pull request's comment (`report -pr`, scripts/compare.sh -md): one
// row per benchmark whose primary metric (internal/catalog) changed
// significantly over a threshold, in the report's "+ = worse" convention
// with a "head/base time ×" column, a geomean per package, and the full
// table (every benchmark and unit) written apart as the CI artifact. The
// comment stays within DefaultPRChars characters, cut only at row
// boundaries with every <details> closed.
//
// It is a renderer over internal/report/results (the data) and
// internal/report/overhead (the statistics), using internal/report's
// Markdown table and value formatting; internal/report/cli calls it.
package prcomment
