"""A model's O2 file against its O3 file, alternated in one Chromium page: what O3's kernel tuning
gains, closer than make bench's O2 / O3 columns (here both files take turns every 20 forwards on
one runtime).

    .venv/bin/python benchmarks/o2_o3.py MODEL THREADS [ROUNDS] [O3_FILE]

MODEL's files are those bench.py exported (build/bench/MODEL.wtm and MODEL.O3.wtm, or O3_FILE);
prints each file's median ms (p10) and O2 / O3 (above 1: O3 is faster)."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from alternate import alternated, print_ratio  # noqa: E402
from models import build  # noqa: E402

from wasm_torch import WASMRuntime  # noqa: E402

WORK = HERE.parent / "build" / "bench"


def main():
    name, threads = sys.argv[1], int(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    files = {"O2": WORK / f"{name}.wtm", "O3": Path(sys.argv[4]) if len(sys.argv) > 4 else WORK / f"{name}.O3.wtm"}
    _, inputs = build(name)
    with WASMRuntime("chromium", threads=threads) as runtime:
        models = {level: runtime.load_model(path) for level, path in files.items()}
        try:
            times = alternated(models, inputs, rounds)
        finally:
            for model in models.values():
                model.close()
    print_ratio(times, "O2", "O3")


if __name__ == "__main__":
    main()
