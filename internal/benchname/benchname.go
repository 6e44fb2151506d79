// Package benchname formats the values that go into sub-benchmark names
// (`size=64MiB`), so every package spells a size the same way and
// benchstat's projections (`/size`) line up across packages.
package benchname

import (
	"fmt"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Size formats a byte count with the largest binary unit that divides it
// exactly: 4096 → "4KiB", 64<<20 → "64MiB", 1<<30 → "1GiB", 100 → "100B".
func Size(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%dB", n)
}

// Param is one sub-benchmark name part: key=value, or a positional part
// with an empty Key.
type Param struct {
	Key, Value string
}

// Parse splits a benchmark name (as benchfmt reads it, with or without the
// -GOMAXPROCS suffix) into its base name without "Benchmark" and its
// sub-benchmark parts: the one parser of benchmark names (the report's
// rows, internal/scaling's thread series).
func Parse(name benchfmt.Name) (base string, params []Param) {
	b, parts := name.Parts()
	for _, p := range parts {
		if len(p) == 0 || p[0] == '-' { // GOMAXPROCS suffix
			continue
		}
		s := strings.TrimPrefix(string(p), "/")
		if k, v, ok := strings.Cut(s, "="); ok {
			params = append(params, Param{k, v})
		} else {
			params = append(params, Param{"", s})
		}
	}
	return string(b), params
}
