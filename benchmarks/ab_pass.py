"""What one optimization pass is worth: each model is exported twice, as by default (O2, NHWC) and
without the pass (to_nhwc: in NCHW), and both files run alternately on the same runtime (same
page, same thread count), so the machine's noise falls on both alike. Prints the median latencies
and their ratio.

    .venv/bin/python benchmarks/ab_pass.py pack_linear_weights mlp bert_base_style --threads 2
    .venv/bin/python benchmarks/ab_pass.py to_nhwc resnet18 mobilenet_v2
"""
import argparse
import statistics
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from models import NAMES, build  # noqa: E402

from wasm_torch import WASMRuntime, export_to_wasm, optimize  # noqa: E402

WORK = HERE.parent / "build" / "bench"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drop", choices=sorted(optimize.LEVELS["O2"] + ["to_nhwc"]), help="the pass to measure")
    parser.add_argument("models", nargs="+", choices=NAMES)
    parser.add_argument("--engine", default="chromium", choices=["chromium", "node", "native"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    optimize.LEVELS["O2-without"] = [p for p in optimize.LEVELS["O2"] if p != args.drop]
    layouts = {"O2-without": "nchw" if args.drop == "to_nhwc" else "nhwc", "O2": "nhwc"}
    WORK.mkdir(parents=True, exist_ok=True)
    with WASMRuntime(args.engine, threads=args.threads) as rt:
        for name in args.models:
            model, inputs = build(name)
            loaded = {}
            for level in ("O2-without", "O2"):
                path = WORK / f"{name}.{level}.wtm"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    export_to_wasm(model, path, inputs, optimization_level=level, memory_layout=layouts[level],
                                   verify=False)
                loaded[level] = rt.load_model(path)
            probe = statistics.median(loaded["O2"].benchmark(*inputs, iterations=3, warmup=2))
            iterations, warmup = max(3, int(200 / probe)), max(2, int(600 / probe))  # V8 tiers fast models up
            times = {level: [] for level in loaded}
            for r in range(args.rounds):
                for level, m in loaded.items():
                    times[level] += m.benchmark(*inputs, iterations=iterations, warmup=warmup if r == 0 else 1)
            without, with_pass = (statistics.median(times[k]) for k in ("O2-without", "O2"))
            print(f"{name} ({rt.info()['variant']}, {args.threads}t): without {args.drop} {without:.3f} ms, "
                  f"with {with_pass:.3f} ms, ratio {with_pass / without:.3f}", flush=True)
            for m in loaded.values():
                m.close()


if __name__ == "__main__":
    main()
