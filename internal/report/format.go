package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"

	"github.com/teebench/teebench/internal/report/overhead"
)

// bareUnits are the units the scaled number names by itself: "93.25µs",
// "1.169GiB/s".
var bareUnits = []string{"sec/op", "sec", "B/s", "B"}

// unitSuffixes are the unit suffixes the scaled number stands for: a unit
// that ends in one is written as the number and the rest of its name
// ("76.75µs lat-mean" for lat-mean-sec, "3.130Mi compress" for
// compress-B/s).
var unitSuffixes = []string{"-sec", "-B/s", "-B"}

// FormatValue renders a tidied value (benchfmt turns ns into sec and MB/s
// into B/s) scaled as benchstat does (golang.org/x/perf/benchunit: three
// significant digits or more, SI or binary prefix by the unit's class):
// times as "93.25µs", byte rates as "1.169GiB/s", other units as
// "80.95k IOPS", error rates in percent.
func FormatValue(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64) + " " + unit
	}
	switch {
	case unit == "errors/op":
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case strings.HasSuffix(unit, "-%"):
		return trimf(v, 4) + "% " + strings.TrimSuffix(unit, "-%")
	case strings.HasSuffix(unit, "ratio"):
		return trimf(v, 4) + " " + unit
	case slices.Contains(bareUnits, unit):
		return NumText(v, unit)
	case strings.HasPrefix(unit, "sec/"):
		return NumText(v, unit) + "/" + strings.TrimPrefix(unit, "sec/")
	}
	for _, suf := range unitSuffixes {
		if name, ok := strings.CutSuffix(unit, suf); ok {
			return NumText(v, unit) + " " + name
		}
	}
	if timeUnit(unit) { // cpu-sec/op, server-cpu-sec/handshake
		num, den, _ := strings.Cut(unit, "/")
		return NumText(v, unit) + " " + strings.TrimSuffix(num, "-sec") + "/" + den
	}
	return NumText(v, unit) + " " + unit
}

// trimf formats v with sig significant digits and no exponent.
func trimf(v float64, sig int) string {
	if v == 0 {
		return "0"
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e21 || math.Abs(v) < 1e-12 {
		return strconv.FormatFloat(v, 'g', sig, 64)
	}
	mag := int(math.Floor(math.Log10(math.Abs(v)))) + 1
	dec := sig - mag
	if dec < 0 {
		dec = 0
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// tableCell renders an arm's summary in a report table, without the unit
// name (the row names its unit): "80.95k ±1%", the median alone below
// MinVerdictN samples (no interval: the report's banner says so once), or
// "–" when the arm did not measure it.
func tableCell(c overhead.Cell, unit string) string {
	if c.N == 0 {
		return "–"
	}
	if c.N < overhead.MinVerdictN {
		return NumText(c.Center, unit)
	}
	return NumText(c.Center, unit) + " ±" + c.PctRangeString()
}

// pct formats a ratio as a percentage with two decimals.
func pct(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", r*100)
}

// NumText renders a value without its unit name, the unit being in the
// row or column header (benchstat style), but with what the number is:
// "80.95k" (IOPS), "93.25µs" (any time unit: sec/op, lat-mean-sec,
// sec/page, server-cpu-sec/handshake), "1.169GiB/s" (any byte rate),
// "196B", "77.95%" (a percent unit, errors/op), "0.9952" (a ratio, never
// with an SI prefix).
func NumText(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	switch {
	case unit == "errors/op":
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case strings.HasSuffix(unit, "-%"):
		return trimf(v, 4) + "%"
	case strings.HasSuffix(unit, "ratio") || unit == "efficiency":
		return trimf(v, 4)
	case timeUnit(unit):
		return benchunit.Scale(v, benchunit.Decimal) + "s"
	case unit == "B/s" || strings.HasSuffix(unit, "-B/s"):
		return benchunit.Scale(v, benchunit.Binary) + "B/s"
	case unit == "B" || strings.HasSuffix(unit, "-B"):
		return benchunit.Scale(v, benchunit.Binary) + "B"
	}
	return benchunit.Scale(v, benchunit.ClassOf(unit))
}

// timeUnit reports whether a tidied unit measures seconds: sec, sec/op,
// lat-mean-sec, sec/page, server-cpu-sec/handshake.
func timeUnit(unit string) bool {
	num, _, _ := strings.Cut(unit, "/")
	return num == "sec" || strings.HasSuffix(num, "-sec")
}

// formatOverhead renders a Delta as the report's overhead cell:
// "+6.85% [+5.1, +8.0] (p=0.002 n=6)" with the bootstrap interval when both
// arms have 6 samples; a difference the test does not find significant
// keeps its point estimate after the "~" (benchstat's mark), with the
// reason when the sample is too small for any test.
func formatOverhead(dl overhead.Delta) string {
	if !dl.OK {
		return "–"
	}
	if math.IsNaN(dl.Overhead) || math.IsInf(dl.Overhead, 0) {
		return fmt.Sprintf("? (%s)", dl.Comparison)
	}
	s := fmt.Sprintf("%+.2f%%", dl.Overhead)
	if !math.IsNaN(dl.Lo) {
		s += fmt.Sprintf(" [%+.1f, %+.1f]", dl.Lo, dl.Hi)
	}
	if dl.Significant {
		return fmt.Sprintf("%s (%s)", s, dl.Comparison)
	}
	note := ""
	if dl.N1 < overhead.MinTestN || dl.N2 < overhead.MinTestN {
		note = fmt.Sprintf("; too few runs for a significance test, need ≥ %d per arm", overhead.MinTestN)
	}
	return fmt.Sprintf("~ %s (%s%s)", s, dl.Comparison, note)
}

// formatPct renders a published overhead: "+40.3%".
func formatPct(v float64) string {
	return fmt.Sprintf("%+.1f%%", v)
}
