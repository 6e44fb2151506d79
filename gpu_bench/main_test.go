//go:build gpu

package gpu_bench

import (
	"testing"

	"github.com/teebench/teebench/internal/benchenv"
)

// TestMain prints the environment manifest and unit lines before any
// benchmark runs (see internal/benchenv).
func TestMain(m *testing.M) { benchenv.Main(m) }
