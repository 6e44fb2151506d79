package overhead

import (
	"math"

	"golang.org/x/perf/benchmath"
)

// CrossRatio is one figure measured by our implementation and by its
// reference tool, compared as the report's cross-check tables do.
type CrossRatio struct {
	// Ours and Ref summarise the two samples (median and its interval).
	Ours, Ref Cell
	// Ratio is median(ours) / median(ref); NaN when either sample is
	// empty or the reference median is 0.
	Ratio float64
	// Lo and Hi bound a 95% percentile-bootstrap interval of Ratio (the
	// overhead interval of Compare, mapped onto the ratio); both NaN when a
	// side has fewer than 6 samples.
	Lo, Hi float64
	// Delta is the Mann-Whitney comparison of the two samples (P, N).
	Delta Delta
}

// Cross compares ours with the reference tool's sample ref under the
// unit's assumption. With direction Higher, Compare's overhead is
// (ref − ours)/ref in percent, i.e. (1 − ratio)·100, so its bootstrap
// interval [lo, hi] is the ratio interval [1 − hi/100, 1 − lo/100].
func Cross(a benchmath.Assumption, ref, ours []float64) CrossRatio {
	cRef, cOurs, dl := Compare(a, ref, ours, Higher)
	cr := CrossRatio{Ours: cOurs, Ref: cRef, Delta: dl, Ratio: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if !dl.OK || cRef.Center == 0 {
		return cr
	}
	cr.Ratio = cOurs.Center / cRef.Center
	if !math.IsNaN(dl.Lo) && !math.IsNaN(dl.Hi) {
		cr.Lo, cr.Hi = 1-dl.Hi/100, 1-dl.Lo/100
	}
	return cr
}
