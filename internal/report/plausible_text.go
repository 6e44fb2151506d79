package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/teebench/teebench/internal/report/overhead"
)

// implausible returns the row's verdict when its slowdown exceeds its
// area's bound, "" otherwise (no bound, no slowdown).
func implausible(area string, slowdown float64) string {
	b, ok := overhead.Bounds[area]
	if !ok || !overhead.Finite(slowdown) || slowdown <= b.Factor {
		return ""
	}
	return fmt.Sprintf("implausible — check the arm's configuration (%s > bound %s for %s)", slowText(Num(slowdown)), boundText(b.Factor), area)
}

// boundText renders a bound: "5×".
func boundText(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) + "×" }

// boundsText is the one sentence of the method paragraph that lists the
// bounds and their sources.
func boundsText() string {
	var parts []string
	for _, a := range slices.Sorted(maps.Keys(overhead.Bounds)) {
		parts = append(parts, fmt.Sprintf("%s %s", a, boundText(overhead.Bounds[a].Factor)))
	}
	return "A row slower than its area's plausibility bound (TEE/base time ×: " + strings.Join(parts, ", ") +
		"; each over twice the worst published slowdown of the area) is marked *implausible — check the arm's configuration* instead of a verdict."
}
