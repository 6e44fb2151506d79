// Package catalog declares the suite's benchmark vocabulary once: the
// packages and what they measure, the fio jobs (their parameters and the
// report rows they give), the benchmark families' primary metrics, and the
// goals the cross-checks hold our implementations to against their
// reference tools. The benchmarks, the report and the scripts read these
// declarations instead of re-declaring them, so a new job or benchmark is
// added in one place and can never vanish from the report silently.
package catalog
