#!/usr/bin/env python3
"""Forward time of torchvision's ResNet-18, ResNet-50 and ViT-B/16 at batch 1, 224x224, on the
GPU, for comparing alphaflops' model-level predictions (core's zoo) with a real framework.

Prints one JSON object: {model: {dtype: {"median_ms", "p10_ms", "p90_ms", "reps"}}}. Each number
is the median of CUDA-event times of whole forwards after warm-up, in eager mode, cuDNN heuristics
(benchmark off), random weights (times do not depend on the values). `--graph` captures the
forward in a CUDA graph and times its replays instead (kernel time, no launch cost).
"""

import argparse
import json
import statistics
import sys

import torch
import torchvision

from timing_stats import quantile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", action="store_true", help="time CUDA-graph replays (kernel time)")
    use_graph = parser.parse_args().graph
    torch.backends.cudnn.benchmark = False
    out = {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cudnn": torch.backends.cudnn.version(),
        "timing": "CUDA-graph replay" if use_graph else "eager",
    }
    for name in ["resnet18", "resnet50", "vit_b_16"]:
        out[name] = {}
        for dtype in ["f32", "tf32", "bf16"]:
            torch.backends.cudnn.allow_tf32 = dtype == "tf32"
            torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
            dt = torch.bfloat16 if dtype == "bf16" else torch.float32
            model = getattr(torchvision.models, name)(weights=None).to("cuda", dt).eval()
            x = torch.zeros(1, 3, 224, 224, device="cuda", dtype=dt)
            times = []
            with torch.inference_mode():
                run = lambda: model(x)
                if use_graph:
                    side = torch.cuda.Stream()
                    side.wait_stream(torch.cuda.current_stream())
                    with torch.cuda.stream(side):
                        for _ in range(3):
                            model(x)
                    torch.cuda.current_stream().wait_stream(side)
                    g = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(g):
                        model(x)
                    run = g.replay
                for _ in range(10):
                    run()
                torch.cuda.synchronize()
                for _ in range(50):
                    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s.record()
                    run()
                    e.record()
                    e.synchronize()
                    times.append(s.elapsed_time(e))
            out[name][dtype] = {
                "median_ms": statistics.median(times),
                "p10_ms": quantile(times, 0.1),
                "p90_ms": quantile(times, 0.9),
                "reps": len(times),
            }
            print(name, dtype, out[name][dtype], file=sys.stderr)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
