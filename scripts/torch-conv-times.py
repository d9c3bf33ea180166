#!/usr/bin/env python3
"""Times configurations with PyTorch, for `cargo xtask measure --backend cmd:...`.

Reads a configs CSV on stdin (h,w,c_in,c_out,k1,k2, optional batch and stride; other columns
pass through), times one forward per row and writes the rows back on stdout with time_ms
(median), p10_ms, p90_ms and reps. Convolutions use torch.nn.functional.conv2d with the same
padding as xtask's in-process backends ("same" at stride 1, the extra row of an even kernel
after; k//2 on each side at larger strides); dense rows (w = 1, k = 1, stride 1, batch 1) run
as a matmul x[h, c_in] @ W[c_in, c_out], as in the paper's dense sweeps.

    cargo xtask measure --backend "cmd:python3 scripts/torch-conv-times.py --dtype bf16" \\
        --configs grid.csv --out grid-bf16.csv

--dtype: f32 (TF32 off for cuDNN and matmul), tf32 (PyTorch's default for convolutions),
bf16. Timing: CUDA events around each call on a GPU, perf_counter on a CPU; cuDNN picks its
algorithm by heuristics (benchmark mode off), like the cudarc backend. --graph captures 1-20
back-to-back calls in a CUDA graph and times its replays per call: the kernel's own time, as
`cargo xtask measure --backend cuda --timing graph`.
"""

import argparse
import csv
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from timing_stats import quantile


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dtype", choices=["f32", "tf32", "bf16"], default="f32")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--min-reps", type=int, default=10)
    p.add_argument("--max-reps", type=int, default=200)
    p.add_argument("--target-s", type=float, default=0.1, help="keep repeating until this much timed")
    p.add_argument("--graph", action="store_true", help="time CUDA-graph replays (kernel time)")
    return p.parse_args()


def timer(device):
    if device.startswith("cuda"):
        def run(f):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            f()
            end.record()
            end.synchronize()
            return start.elapsed_time(end)
    else:
        def run(f):
            t0 = time.perf_counter()
            f()
            return (time.perf_counter() - t0) * 1e3
    return run


def graphed(f, n):
    """A CUDA graph of n back-to-back calls of f, warmed up; returns its replay."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        f()
    torch.cuda.current_stream().wait_stream(side)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(n):
            f()
    g.replay()
    torch.cuda.synchronize()
    return g.replay


def make_call(row, dtype, device):
    def num(key, default=None):
        v = row.get(key)
        if v is None or v == "":
            if default is None:
                raise SystemExit(f"torch-conv-times: a row has no `{key}` column: {row}")
            return default
        try:
            return int(v)
        except ValueError:
            raise SystemExit(f"torch-conv-times: `{key}` = {v!r} is not a whole number in row {row}")

    h, w, c_in, c_out, k1, k2 = (num(k) for k in ("h", "w", "c_in", "c_out", "k1", "k2"))
    batch, stride = num("batch", 1), num("stride", 1)
    opts = dict(device=device, dtype=dtype)
    if w == 1 and k1 == 1 and k2 == 1 and stride == 1 and batch == 1:
        x = torch.zeros(h, c_in, **opts)
        wt = torch.zeros(c_in, c_out, **opts)
        return lambda: torch.matmul(x, wt)
    x = torch.zeros(batch, c_in, h, w, **opts)
    wt = torch.zeros(c_out, c_in, k1, k2, **opts)
    if stride == 1:
        (t, b), (l, r) = (((k - 1) // 2, (k - 1) - (k - 1) // 2) for k in (k1, k2))
        if (t, l) == (b, r):
            return lambda: F.conv2d(x, wt, padding=(t, l))
        # An even kernel: pad once here, so the timed call is the convolution alone.
        xp = F.pad(x, (l, r, t, b))
        return lambda: F.conv2d(xp, wt)
    return lambda: F.conv2d(x, wt, stride=stride, padding=(k1 // 2, k2 // 2))


def main():
    a = parse_args()
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = a.dtype == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = a.dtype == "tf32"
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    run = timer(a.device)
    reader = csv.DictReader(sys.stdin)
    header = list(reader.fieldnames or [])
    out_cols = ["time_ms", "p10_ms", "p90_ms", "reps"]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([c for c in header if c not in out_cols] + out_cols)
    with torch.inference_mode():
        for row in reader:
            f = make_call(row, dtype, a.device)
            for _ in range(a.warmup):
                f()
            per = 1
            if a.graph:
                per = max(1, min(20, math.ceil(1.0 / max(run(f), 1e-3))))
                f = graphed(f, per)
            times, total = [], 0.0
            while len(times) < a.min_reps or (len(times) < a.max_reps and total < a.target_s * 1e3):
                ms = run(f)
                total += ms
                times.append(ms / per)
            stats = [statistics.median(times), quantile(times, 0.1), quantile(times, 0.9)]
            writer.writerow([row[c] for c in header if c not in out_cols] + [f"{v:.6g}" for v in stats] + [len(times)])


if __name__ == "__main__":
    main()
