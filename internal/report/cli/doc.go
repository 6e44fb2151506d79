// Package cli is the report command, the top layer of the report: it
// parses the flags and the result-file arguments, reads the files with
// internal/report/results, has internal/report make the Markdown report
// and its charts, the JSON document (-format json) or the pull-request
// comment (-pr), and writes them to -o or to stdout. -arms prints the arms
// the files are grouped into (the rule scripts/compare.sh and
// scripts/bench.sh use). The usage text and flags are Command's;
// internal/report's package doc is the manual.
//
// scripts/report is a thin main around Command; scripts/compare,
// scripts/fleet and internal/runner call it in-process.
package cli
