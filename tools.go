//go:build tools

package main

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/NVIDIA/go-nvml/pkg/nvml"
	_ "github.com/consensys/gnark-crypto/ecc"
	_ "github.com/consensys/gnark/backend/groth16"
	_ "github.com/consensys/gnark/backend/plonk"
	_ "github.com/consensys/gnark/frontend"
	_ "github.com/consensys/gnark/frontend/cs/r1cs"
	_ "github.com/consensys/gnark/frontend/cs/scs"
	_ "github.com/consensys/gnark/logger"
	_ "github.com/consensys/gnark/std/hash/sha2"
	_ "github.com/consensys/gnark/std/math/emulated"
	_ "github.com/consensys/gnark/std/math/uints"
	_ "github.com/consensys/gnark/test"
	_ "github.com/consensys/gnark/test/unsafekzg"
	_ "github.com/ebitengine/purego"
	_ "github.com/google/go-tdx-guest/abi"
	_ "github.com/google/go-tdx-guest/client"
	_ "github.com/google/go-tdx-guest/proto/tdx"
	_ "github.com/google/go-tdx-guest/testing"
	_ "github.com/google/go-tdx-guest/testing/testdata"
	_ "github.com/google/go-tdx-guest/verify"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/ulikunitz/xz/lzma"
	_ "golang.org/x/perf/benchfmt"
	_ "golang.org/x/perf/benchmath"
	_ "golang.org/x/perf/benchproc"
	_ "golang.org/x/perf/benchunit"
	_ "golang.org/x/perf/cmd/benchstat"
	_ "golang.org/x/sys/unix"
	_ "gonum.org/v1/plot"
	_ "gonum.org/v1/plot/plotter"
	_ "gonum.org/v1/plot/vg"
)

func main() {}
