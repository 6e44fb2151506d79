package overhead

import "math"

// Finite reports whether v is a number: neither NaN nor infinite (a
// median or an overhead that is not has no interval and no verdict).
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
