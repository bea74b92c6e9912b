"""PyTorch eager timing in its own process, its thread count set before torch loads (OMP for the pip
build's oneDNN/MKL, OpenBLAS for a Debian build).
Usage: torch_runner.py MODEL THREADS ITERATIONS WARMUP [REPEAT] -> {"times_ms": [...]}, each sample the mean
of REPEAT back-to-back runs."""
import json
import os
import sys
import time

os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = sys.argv[2]
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from models import build  # noqa: E402

name, threads, iterations, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 1
torch.set_num_threads(threads)
model, inputs = build(name)
times = []
with torch.no_grad():
    for i in range(warmup + iterations):
        start = time.perf_counter()
        for _ in range(repeat):
            model(*inputs)
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1e3 / repeat)
print(json.dumps({"times_ms": times}))
