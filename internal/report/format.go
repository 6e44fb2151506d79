package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"
)

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
	}
	scaled := benchunit.Scale(v, benchunit.ClassOf(unit))
	switch {
	case unit == "B/s" || unit == "B":
		return scaled + unit
	case unit == "sec/op" || unit == "sec":
		return scaled + "s"
	case strings.HasSuffix(unit, "-sec"):
		return scaled + "s " + strings.TrimSuffix(unit, "-sec")
	case strings.HasSuffix(unit, "-sec/op"):
		return scaled + "s " + strings.TrimSuffix(unit, "-sec/op") + "/op"
	}
	return scaled + " " + unit
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

// formatCell renders an arm's summary: "33.1k IOPS ±2%", or "–" when the
// arm did not measure it.
func formatCell(c Cell, unit string) string {
	if c.N == 0 {
		return "–"
	}
	return FormatValue(c.Center, unit) + " ±" + c.PctRangeString()
}

// numOf reads the leading number of a name part such as "8", "64MiB" or
// "1k", with binary suffixes, for sorting; non-numbers sort last.
func numOf(s string) float64 {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return math.Inf(1)
	}
	switch strings.ToLower(strings.TrimSuffix(s[i:], "B")) {
	case "k", "ki":
		v *= 1 << 10
	case "m", "mi":
		v *= 1 << 20
	case "g", "gi":
		v *= 1 << 30
	}
	return v
}

// pct formats a ratio as a percentage with two decimals.
func pct(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", r*100)
}
