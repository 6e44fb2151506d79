// Package benchname formats the values that go into sub-benchmark names
// (`size=64MiB`), so every package spells a size the same way and
// benchstat's projections (`/size`) line up across packages.
package benchname

import "fmt"

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
