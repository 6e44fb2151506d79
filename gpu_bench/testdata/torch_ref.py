#!/usr/bin/env python3
"""Times the figures of gpu_bench with PyTorch on the same GPU and prints
each Go figure next to torch's, with the ratio go/torch.

Used by run_on_gpu.sh:
    python3 torch_ref.py --go go.txt --json torch.json
With --torch-json FILE it reads torch's figures from FILE instead of
measuring (to check the comparison without a GPU).

Conventions match gpu_bench: copy bandwidth = size / time (d2d counts the
bytes once), timed with CUDA events around back-to-back copies on one
stream after a warm-up; pinned copies non_blocking, pageable ones blocking.
GEMM TOPS = 2 n^3 / time for A (n x k) times B^T with B stored (n x k), as
gpu_bench's TN cublasGemmEx: int8 via torch._int_mm (int32 out), fp16 and
bf16 via torch.mm (same-dtype out, fp32 accumulation).
"""
import argparse
import json
import re
import sys
import time

SIZES = {"4KiB": 4 << 10, "64KiB": 64 << 10, "1MiB": 1 << 20, "64MiB": 64 << 20, "1GiB": 1 << 30}


def timed(torch, fn, target_s=0.5, max_iters=100000):
    """Runs fn once to warm up, then enough times to fill about target_s,
    and returns seconds per call measured with CUDA events."""
    fn()
    torch.cuda.synchronize()
    n = 1
    while True:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(n):
            fn()
        end.record()
        end.synchronize()
        s = start.elapsed_time(end) / 1e3
        if s >= target_s or n >= max_iters:
            return s / n
        n = min(max_iters, max(n * 2, int(n * target_s / max(s, 1e-6) * 1.2)))


def measure(sizes):
    import torch

    res = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0)}
    dev = torch.device("cuda:0")
    for label, n in sizes.items():
        d1 = torch.empty(n, dtype=torch.uint8, device=dev)
        d2 = torch.empty(n, dtype=torch.uint8, device=dev)
        pageable = torch.randint(0, 256, (n,), dtype=torch.uint8)
        try:
            pinned = torch.empty(n, dtype=torch.uint8).pin_memory()
            pinned.copy_(pageable)
        except RuntimeError as e:  # CC mode: pinned host memory unsupported
            pinned = None
            res[f"Copy/dir=h2d/mem=pinned/size={label}"] = {"skip": str(e)[:120]}
            res[f"Copy/dir=d2h/mem=pinned/size={label}"] = {"skip": str(e)[:120]}
        cases = [("h2d", "pageable", lambda: d1.copy_(pageable)),
                 ("d2h", "pageable", lambda: pageable.copy_(d1)),
                 ("d2d", "device", lambda: d2.copy_(d1))]
        if pinned is not None:
            cases += [("h2d", "pinned", lambda: d1.copy_(pinned, non_blocking=True)),
                      ("d2h", "pinned", lambda: pinned.copy_(d1, non_blocking=True))]
        for d, mem, fn in cases:
            key = f"Copy/dir={d}/mem={mem}/size={label}"
            try:
                res[key] = {"B/s": n / timed(torch, fn, target_s=0.3)}
            except RuntimeError as e:
                res[key] = {"skip": str(e)[:120]}
        del d1, d2, pageable, pinned
        torch.cuda.empty_cache()

    for n in (4096, 8192):
        for dt in ("int8", "fp16", "bf16"):
            if dt == "int8":
                a = torch.randint(-128, 128, (n, n), dtype=torch.int8, device=dev)
                b = torch.randint(-128, 128, (n, n), dtype=torch.int8, device=dev)
                fn = lambda: torch._int_mm(a, b.t())
            else:
                t = torch.float16 if dt == "fp16" else torch.bfloat16
                a = torch.rand(n, n, device=dev, dtype=torch.float32).mul_(2).sub_(1).to(t)
                b = torch.rand(n, n, device=dev, dtype=torch.float32).mul_(2).sub_(1).to(t)
                fn = lambda: torch.mm(a, b.t())
            key = f"GEMM/dtype={dt}/n={n}"
            try:
                res[key] = {"TOPS": 2 * n**3 / timed(torch, fn, target_s=1.0) / 1e12}
            except RuntimeError as e:
                res[key] = {"skip": str(e)[:120]}
            del a, b
    x = torch.zeros(1, device=dev)
    s = timed(torch, lambda: x.add_(1), target_s=0.5)
    res["Launch/sync=false"] = {"ns/op": s * 1e9, "note": "x.add_(1): includes Python and ATen dispatch"}
    return res


LINE = re.compile(r"^Benchmark(\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$")


def parse_go(text):
    """Parses Go benchmark result lines into {name: {unit: value}}."""
    out = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if not m:
            continue
        fields = m.group(3).split()
        vals = {}
        for v, u in zip(fields[0::2], fields[1::2]):
            try:
                vals[u] = float(v)
            except ValueError:
                pass
        out[m.group(1)] = vals
    return out


def unit_of(name):
    if name.startswith("Copy/"):
        return "B/s"
    if name.startswith("GEMM/"):
        return "TOPS"
    return "ns/op"


def sort_key(name):
    """Orders by benchmark, then dtype/dir/mem, then size or n as numbers."""
    parts = name.split("/")
    num = 0
    for p in parts:
        k, _, v = p.partition("=")
        if k == "size":
            num = SIZES.get(v, 0)
        elif k == "n":
            num = int(v)
    return (parts[0], [p for p in parts[1:] if not p.startswith(("size=", "n="))], num)


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "B/s":
        return f"{v / 1e9:.2f} GB/s"
    if unit == "TOPS":
        return f"{v:.1f} TOPS"
    return f"{v / 1e3:.2f} us"


def compare(go, ref):
    names = sorted(set(go) | {k for k, v in ref.items() if isinstance(v, dict)}, key=sort_key)
    rows = [("benchmark", "go", "torch", "go/torch")]
    for n in names:
        u = unit_of(n)
        g = go.get(n, {}).get(u)
        r = ref.get(n, {})
        t = r.get(u) if isinstance(r, dict) else None
        ratio = f"{g / t:.3f}" if g and t else ("torch: skipped" if isinstance(r, dict) and "skip" in r else "-")
        rows.append((n, fmt(g, u), fmt(t, u), ratio))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (x + 2) for x in w) + "|")
    lines.append("")
    lines.append("go/torch > 1: Go faster for B/s and TOPS; for Launch (ns/op) < 1 means Go's launch is cheaper.")
    return "\n".join(lines)


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--go", required=True, help="gpu_bench output (go test -bench)")
    p.add_argument("--json", help="write torch's figures here")
    p.add_argument("--torch-json", help="read torch's figures from here instead of measuring")
    a = p.parse_args(argv)
    go = parse_go(open(a.go).read())
    if not go:
        print(f"no benchmark results in {a.go}", file=sys.stderr)
    if a.torch_json:
        ref = json.load(open(a.torch_json))
    else:
        t0 = time.time()
        try:
            ref = measure(SIZES)
        except ImportError as e:  # still show the Go figures
            print(f"no torch here ({e}): Go figures only", file=sys.stderr)
            print(compare(go, {}))
            return 1
        print(f"torch {ref['torch']} (CUDA {ref['cuda']}) on {ref['device']}: measured in {time.time() - t0:.0f}s")
        if a.json:
            json.dump(ref, open(a.json, "w"), indent=1)
    print(compare(go, ref))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
