//go:build gpu

package gpu_bench

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/teebench/teebench/internal/benchenv"
	"github.com/teebench/teebench/internal/gpuinfo"
)

// inventory is NVML's view of the machine, read once by TestMain; nil
// without NVML.
var inventory *gpuinfo.Inventory

// TestMain prints the environment manifest, with NVML's GPU inventory and
// CC state, and the unit lines before any benchmark runs (see
// internal/benchenv).
func TestMain(m *testing.M) { benchenv.Main(m, gpuManifest) }

// gpuManifest is the benchenv.Extra of this package: NVML's inventory as
// config lines, or none when NVML is unavailable.
func gpuManifest() benchenv.Manifest {
	inv, err := gpuinfo.Collect()
	if err != nil {
		if !errors.Is(err, gpuinfo.ErrNoNVML) {
			fmt.Fprintln(os.Stderr, "gpu_bench: NVML:", err)
		}
		return nil
	}
	inventory = inv
	return inv.Manifest()
}
