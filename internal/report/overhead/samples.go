package overhead

import "strings"

// The percentile rule: a statistic over the requests of one run claims no
// more than its samples hold. A p99 from fewer than 100 requests is the
// slowest request or close to it; a p90 needs 10, a mean 10. Such a row
// shows "n too small" instead of a cost, and gets no verdict or headline.
const (
	MinP99Samples  = 100
	MinP90Samples  = 10
	MinMeanSamples = 10
)

// MinSamples is the number of requests per run a statistic of unit needs,
// 0 for a unit the rule does not cover: inter-token latency (itl-*), whose
// samples are the tokens of every request, not the requests.
func MinSamples(unit string) int {
	switch {
	case strings.HasPrefix(unit, "itl-"):
		return 0
	case strings.Contains(unit, "-p99-"):
		return MinP99Samples
	case strings.Contains(unit, "-p90-"):
		return MinP90Samples
	case strings.Contains(unit, "-mean-"):
		return MinMeanSamples
	}
	return 0
}
