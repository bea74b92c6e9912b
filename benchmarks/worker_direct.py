"""The default worker mode against `worker: false`, alternated in one Chromium: a closer look than
`make bench` at one model's worker / direct ratio (bench.py samples each runner in turn, and a host
stall there lands on one runner; here both modes take turns every 20 forwards).

    .venv/bin/python benchmarks/worker_direct.py MODEL THREADS [ROUNDS]

MODEL is a file bench.py exported (build/bench/MODEL.wtm); prints each mode's median ms (p10) and
worker / direct."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from alternate import alternated, print_ratio  # noqa: E402
from models import build  # noqa: E402

from wasm_torch import WASMRuntime  # noqa: E402


def main():
    name, threads = sys.argv[1], int(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    _, inputs = build(name)
    runtimes = {"direct": WASMRuntime("chromium", threads=threads),
                "worker": WASMRuntime("chromium", threads=threads, worker=True)}
    models = {mode: rt.load_model(HERE.parent / "build" / "bench" / f"{name}.wtm") for mode, rt in runtimes.items()}
    try:
        times = alternated(models, inputs, rounds)
    finally:
        for model in models.values():
            model.close()
        for rt in runtimes.values():
            rt.close()
    print_ratio(times, "worker", "direct")


if __name__ == "__main__":
    main()
