"""The performance guide's `benchmarks.python.benchmark_export` (from the repository root): the
ModelBenchmark of the installed package (wasm_torch.benchmark).

    python benchmarks/python/benchmark_export.py [output_dir]   # run_comprehensive_benchmark()
"""
import sys

from wasm_torch.benchmark import REFERENCE_MODELS, ModelBenchmark  # noqa: F401 (re-exported)

if __name__ == "__main__":
    ModelBenchmark(output_dir=sys.argv[1] if len(sys.argv) > 1 else "results/").run_comprehensive_benchmark()
