"""ModelBenchmark (the performance guide's "Model Export Benchmarking"): what exporting a model costs
and what the file then costs to run, per optimization level: export seconds, file bytes, op counts,
peak export memory, and latency (median, p90) and memory in Node and in Chromium. Results go to
`output_dir` as JSON, a markdown table and PNG charts.

    from wasm_torch.benchmark import ModelBenchmark        # or benchmarks.python.benchmark_export
    benchmark = ModelBenchmark(output_dir="results/")
    results = benchmark.benchmark_model_export(model, "my_model", input_shape=(3, 224, 224),
                                               optimization_levels=["O2", "O3"])
    results["optimization_results"]["O3"]["export_time_sec"]

Latency is timed inside each engine (Model.benchmark: no bridge cost), on a shared machine: compare
levels within one run, not across runs.
"""
from __future__ import annotations

import json
import statistics
import tempfile
import tracemalloc
import warnings
from pathlib import Path

import torch

from .export import export_to_wasm
from .runtime import WASMRuntime

# run_comprehensive_benchmark's models: one of each kind the reference zoo covers, small enough
# for a minute or two (torchvision's, random weights).
REFERENCE_MODELS = {
    "mlp": (lambda: torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)), (784,)),
    "resnet18": (lambda: _torchvision("resnet18"), (3, 224, 224)),
    "mobilenet_v2": (lambda: _torchvision("mobilenet_v2"), (3, 224, 224)),
}


def _torchvision(name):
    import torchvision
    return getattr(torchvision.models, name)()


class ModelBenchmark:
    def __init__(self, output_dir="results/", engines=("node", "chromium"), threads: int = 1, iterations: int = 20,
                 warmup: int = 3, memory_layout: str = "nhwc"):
        self.output_dir = Path(output_dir)
        self.engines, self.threads = tuple(engines), threads
        self.iterations, self.warmup, self.memory_layout = iterations, warmup, memory_layout
        self.results: dict = {}

    def benchmark_model_export(self, model: torch.nn.Module, model_name: str, input_shape=None,
                               optimization_levels=("O2", "O3"), example_input=None) -> dict:
        """Exports `model` at each level and runs the file in every engine. input_shape leaves out
        the batch (the guide's (3, 224, 224)): the example is torch.randn(1, *input_shape); or give
        example_input. Returns (and records) {"model_name", "input_shape",
        "optimization_results": {level: {"export_time_sec", "kernel_tuning_sec" (O3's part of it),
        "kernel_choices" (what O3's tuning changed), "file_bytes", "parameter_bytes", "ops",
        "op_count", "peak_export_memory_bytes", "verification_relative_error",
        "runtime": {engine: {"median_ms", "p90_ms", "weight_bytes", "arena_bytes", "file_bytes"}}}}}."""
        if example_input is None:
            if input_shape is None:
                raise ValueError("give input_shape (without the batch) or example_input")
            torch.manual_seed(0)
            example_input = torch.randn(1, *input_shape)
        model = model.eval()
        results = {"model_name": model_name, "input_shape": list(example_input.shape[1:]), "optimization_results": {}}
        with tempfile.TemporaryDirectory() as tmp:
            for level in optimization_levels:
                path = Path(tmp) / f"{model_name}-{level}.wtm"
                tracemalloc.start()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    report = export_to_wasm(model, path, example_input, optimization_level=level,
                                            memory_layout=self.memory_layout)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                entry = {"export_time_sec": report.export_seconds, "kernel_tuning_sec": report.tuning_seconds,
                         "kernel_choices": [str(c) for c in report.kernel_choices if c.chosen],
                         "file_bytes": report.file_bytes,
                         "parameter_bytes": report.parameter_bytes, "ops": report.ops,
                         "op_count": sum(report.ops.values()), "peak_export_memory_bytes": peak,
                         "verification_relative_error": max((e.relative for e in report.verification), default=0.0),
                         "runtime": {}}
                for engine in self.engines:
                    with WASMRuntime(engine, threads=self.threads) as runtime:
                        loaded = runtime.load_model(path)
                        times = loaded.benchmark(example_input, iterations=self.iterations, warmup=self.warmup)
                        entry["runtime"][engine] = {"median_ms": statistics.median(times),
                                                    "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))],
                                                    **loaded.memory}
                results["optimization_results"][level] = entry
        self.results[model_name] = results
        self.write()
        return results

    def run_comprehensive_benchmark(self, models=None, optimization_levels=("O2", "O3")) -> dict:
        """benchmark_model_export over REFERENCE_MODELS (or `models`: name -> (factory, input shape))."""
        for name, (factory, shape) in (models or REFERENCE_MODELS).items():
            self.benchmark_model_export(factory(), name, input_shape=shape, optimization_levels=optimization_levels)
        return self.results

    def write(self) -> None:
        """results.json, results.md and a PNG chart per measure (export seconds, latency per engine)."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        (self.output_dir / "results.json").write_text(json.dumps(self.results, indent=1))
        (self.output_dir / "results.md").write_text(self.markdown())
        self._charts()

    def markdown(self) -> str:
        engines = [f"{e} median (p90) ms" for e in self.engines]
        lines = ["| model | level | export s | file bytes | ops | peak export MB | " + " | ".join(engines) + " |",
                 "|---|---|---:|---:|---:|---:|" + "---:|" * len(engines)]
        for name, result in self.results.items():
            for level, r in result["optimization_results"].items():
                times = [f"{r['runtime'][e]['median_ms']:.3g} ({r['runtime'][e]['p90_ms']:.3g})" for e in self.engines]
                lines.append(f"| {name} | {level} | {r['export_time_sec']:.2f} | {r['file_bytes']} | {r['op_count']} | "
                             f"{r['peak_export_memory_bytes'] / 2**20:.1f} | " + " | ".join(times) + " |")
        return "\n".join(lines) + "\n"

    def _charts(self) -> None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        measures = [("export_time_sec", "export seconds", lambda r: r["export_time_sec"])]
        measures += [(f"latency_{e}", f"{e} median ms", lambda r, e=e: r["runtime"][e]["median_ms"]) for e in self.engines]
        for key, label, value in measures:
            figure, axes = plt.subplots(figsize=(6, 3.5))
            names = list(self.results)
            levels = sorted({level for r in self.results.values() for level in r["optimization_results"]})
            width = 0.8 / max(len(levels), 1)
            for k, level in enumerate(levels):
                heights = [value(self.results[n]["optimization_results"][level])
                           if level in self.results[n]["optimization_results"] else 0 for n in names]
                axes.bar([i + k * width for i in range(len(names))], heights, width, label=level)
            axes.set_xticks([i + width * (len(levels) - 1) / 2 for i in range(len(names))], names)
            axes.set_ylabel(label)
            axes.legend()
            figure.tight_layout()
            figure.savefig(self.output_dir / f"{key}.png")
            plt.close(figure)
