package report

// This file is a stand-in for the overhead chart that chart.go provides on
// the chart branch (OverheadPoint and renderer.overheadChart, with the same
// signatures); it is deleted when the branches are merged. Until then the
// report calls it and it draws nothing.

// OverheadPoint is one bar of an area's overhead chart: a row's TEE cost in
// percent ("+ = worse") with its 95% interval, and the published overhead
// (NaN when none).
type OverheadPoint struct {
	Label        string
	Cost, Lo, Hi float64
	Published    float64
}

// overheadChart draws the TEE cost of an area's rows; this stand-in draws
// nothing.
func (r *renderer) overheadChart(area string, pts []OverheadPoint) {}
