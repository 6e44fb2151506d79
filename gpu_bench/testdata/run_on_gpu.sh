#!/usr/bin/env bash
# run_on_gpu.sh: run gpu_bench on a GPU machine and compare every figure with
# PyTorch on the same card. Prepared so that one call does everything
# (under 8 minutes on an H100/H200).
#
# Build the test binary on any machine (needs cgo for NVML, no CUDA toolkit):
#   go test -c -tags gpu -o gpu_bench.test ./gpu_bench
# then, on the GPU machine, from the repository root:
#   gpu_bench/testdata/run_on_gpu.sh [./gpu_bench.test]
# Results go to $OUT (or a temp dir): go.txt (Go benchmark format, with the
# manifest lines), torch.json, compare.md, nvidia-smi.txt, and mech.txt (the
# mechanism benchmarks, which torch has no counterpart for).
set -uo pipefail

BIN=${1:-./gpu_bench.test}
OUT=${OUT:-$(mktemp -d)}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
echo "results in $OUT"

{ nvidia-smi; nvidia-smi conf-compute -f; nvidia-smi conf-compute -grs; } >"$OUT/nvidia-smi.txt" 2>&1
head -20 "$OUT/nvidia-smi.txt"

# cuBLAS: use the loader path if it has one, else the one PyTorch installed
# (the nvidia-cublas-cu12 wheel, or torch/lib).
if ! /sbin/ldconfig -p 2>/dev/null | grep -Eq 'libcublas\.so\.1[23]'; then
  dir=$(python3 - <<'PY'
import glob, os
cands = []
try:
    import nvidia.cublas
    cands += [os.path.join(p, "lib") for p in nvidia.cublas.__path__]
except Exception:
    pass
try:
    import torch
    cands.append(os.path.join(os.path.dirname(torch.__file__), "lib"))
except Exception:
    pass
for d in cands:
    if glob.glob(os.path.join(d, "libcublas.so.1[23]")):
        print(d)
        break
PY
)
  if [ -n "$dir" ]; then
    export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "cuBLAS from $dir"
  else
    echo "no libcublas.so.12/13 found: BenchmarkGEMM will skip" >&2
  fi
fi

# The Go benchmarks torch is compared with: 1 s per case (about 2 minutes).
"$BIN" -test.run '^$' -test.bench '^Benchmark(Copy|GEMM|Launch)$' -test.benchtime 1s -test.count 1 -test.v 2>&1 | tee "$OUT/go.txt" |
  grep -E '^(Benchmark|gpu|--- (SKIP|FAIL)|    .*_test.go|FAIL|PASS|ok)'
go_rc=${PIPESTATUS[0]}

# The same figures with torch (about 1 minute), and the ratios.
timeout 300 python3 "$HERE/torch_ref.py" --go "$OUT/go.txt" --json "$OUT/torch.json" | tee "$OUT/compare.md"
py_rc=${PIPESTATUS[0]}

# The mechanism benchmarks: 4 KiB copy latency, two streams at once vs one,
# and the model-load time at the report profile's sizes (1, 4, 16 GiB, each
# skipped when free device or host memory is short), 3 runs each (about 2
# minutes). Summarise with: go tool benchstat "$OUT/mech.txt"
TEEBENCH_PROFILE=report "$BIN" -test.run '^$' -test.bench '^Benchmark(CopyLatency|CopyStreams|Load)$' -test.count 3 -test.v 2>&1 |
  tee "$OUT/mech.txt" | grep -E '^(Benchmark.*/|--- (SKIP|FAIL)|    .*_test.go|FAIL|PASS|ok)'
mech_rc=${PIPESTATUS[0]}

echo "gpu_bench exit $go_rc, torch_ref exit $py_rc, mechanisms exit $mech_rc; results in $OUT"
[ "$go_rc" = 0 ] && [ "$py_rc" = 0 ] && [ "$mech_rc" = 0 ]
