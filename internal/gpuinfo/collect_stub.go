//go:build !(gpu && cgo)

package gpuinfo

import "fmt"

// Collect reads NVML only in builds with the tag gpu and cgo enabled; this
// build has neither both, so it reports ErrNoNVML.
func Collect() (*Inventory, error) {
	return nil, fmt.Errorf("%w: this build has no NVML (needs -tags gpu and CGO_ENABLED=1)", ErrNoNVML)
}
