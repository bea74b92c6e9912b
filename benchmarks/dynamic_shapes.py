"""What dynamic shapes cost: the real all-MiniLM-L6-v2 exported twice, with static shapes and with
a dynamic batch and sequence length, run side by side in the same engine and process.

  steady   forward at one shape, dynamic file / static file (the dynamic one copies its inputs
           once more and looks its plan up)
  first    the first forward at a new shape (binding, preparing every op, planning the arena) /
           a steady forward at that shape
Ratios only (the machine is shared): `python benchmarks/dynamic_shapes.py [node|chromium|native]`."""
import statistics
import sys
import warnings
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from models import build  # noqa: E402

from wasm_torch import WASMRuntime, export_to_wasm  # noqa: E402

WORK = HERE.parent / "build" / "bench"
LENGTHS = [8, 32, 128]


def tile(x: torch.Tensor, length: int) -> torch.Tensor:
    return x.index_select(1, torch.arange(length) % x.shape[1])


def main(engine: str = "node") -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    model, inputs = build("minilm")
    names = ["input_ids", "attention_mask"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_to_wasm(model, WORK / "minilm.dynamic.wtm", dict(zip(names, inputs)),
                       dynamic_axes={n: {0: "batch", 1: "seq"} for n in names})
        statics = {}
        for length in LENGTHS:
            feed = tuple(tile(x, length) for x in inputs)
            statics[length] = WORK / f"minilm.static{length}.wtm"
            export_to_wasm(model, statics[length], dict(zip(names, feed)))
    print(f"{engine}, 1 thread, all-MiniLM-L6-v2, batch {inputs[0].shape[0]}")
    print("| seq | steady: dynamic / static (median of 30) | first forward at the shape / steady |")
    print("|---|---|---|")
    with WASMRuntime(engine, threads=1) as rt:
        dynamic = rt.load_model(WORK / "minilm.dynamic.wtm")
        for length in LENGTHS:
            feed = tuple(tile(x, length) for x in inputs)
            first = dynamic.benchmark(*feed, iterations=1, warmup=0)[0]
            static = rt.load_model(statics[length])
            steady_static, steady_dynamic = [], []
            for _ in range(3):  # interleaved rounds
                steady_static += static.benchmark(*feed, iterations=10, warmup=2)
                steady_dynamic += dynamic.benchmark(*feed, iterations=10, warmup=2)
            static.close()
            steady = statistics.median(steady_dynamic)
            print(f"| {length} | {steady / statistics.median(steady_static):.3f} | {first / steady:.2f} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
