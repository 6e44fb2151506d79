package overhead

// Bound is the plausibility bound of an area: the largest slowdown (TEE/base
// time ×, the report's slowdown factor) a TEE can be expected to cost there.
// A row slower than that is not a TEE cost but a misconfigured arm (the
// wrong CPU count, a throttled container, a debug build, another disk), so
// it gets "implausible — check the arm's configuration" instead of a
// verdict.
type Bound struct {
	// Factor is the bound, as a slowdown factor.
	Factor float64
	// Source is the largest published overhead of the area, which Factor
	// is set well above (TestBoundsAbovePublished checks every published
	// overhead of the area against it).
	Source string
}

// Bounds are the plausibility bounds per area, each set at more than twice
// the worst slowdown published for it (internal/published). Areas without
// a published TEE overhead (Network, GPU, Mechanisms: a VM exit in a TD
// legitimately costs many times a plain VM's) have no bound.
var Bounds = map[string]Bound{
	AreaStorage: {100, "§II write latency +3,879.2% (39.8×), TDX-Lab VM → CVM"},
	AreaCPU:     {5, "§VIII 7-Zip 1 thread: compress 5.11 → 2.57 MB/s (1.99×), total rating +38.3% (1.62×)"},
	AreaScaling: {5, "§VIII 7-Zip 1 thread: compress 5.11 → 2.57 MB/s (1.99×)"},
	AreaMemory:  {15, "§IV hash speed +80.5% (5.13×), CPU → TEE GPU"},
	AreaZK:      {15, "§IV proof time +412.8% (5.13×), CPU → TEE GPU"},
	AreaLLM:     {4, "§VII TTFT +25.7% (1.26×)"},
}
