"""ModelBenchmark: the guide's export benchmarking and its regression-test example, as written."""
import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.python...


def _reference_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 10)).eval()


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_guides_export_benchmarking_snippet(in_tmp):
    from benchmarks.python.benchmark_export import ModelBenchmark

    # Run comprehensive benchmark (here over one small model: the default set takes minutes)
    benchmark = ModelBenchmark(output_dir="results/")
    benchmark.run_comprehensive_benchmark(models={"tiny": (_reference_model, (3, 16, 16))})

    # Custom model benchmark
    results = benchmark.benchmark_model_export(
        model=_reference_model(),
        model_name="custom_model",
        input_shape=(3, 16, 16),
        optimization_levels=["O2", "O3"]
    )
    for level in ("O2", "O3"):
        r = results["optimization_results"][level]
        assert r["export_time_sec"] > 0 and r["file_bytes"] > 0 and r["op_count"] == sum(r["ops"].values())
        assert r["peak_export_memory_bytes"] > 0 and r["verification_relative_error"] < 1e-4
        for engine in ("node", "chromium"):
            assert 0 < r["runtime"][engine]["median_ms"] <= r["runtime"][engine]["p90_ms"]
            assert r["runtime"][engine]["arena_bytes"] > 0 and r["runtime"][engine]["weight_bytes"] > 0
    written = json.loads((in_tmp / "results" / "results.json").read_text())
    assert set(written) == {"tiny", "custom_model"}
    assert "| custom_model | O3 |" in (in_tmp / "results" / "results.md").read_text()
    for chart in ("export_time_sec.png", "latency_node.png", "latency_chromium.png"):
        assert (in_tmp / "results" / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_guides_regression_test_example(in_tmp):
    """The guide's "Automated Performance Regression Detection", its baseline the same run's O2 export
    (its 150 ms figure is another machine's): O3's passes may cost at most as much again as O2's export,
    besides its kernel tuning (which times the model on the runtime)."""
    from benchmarks.python.benchmark_export import ModelBenchmark
    reference_model = _reference_model()

    benchmark = ModelBenchmark(engines=("node",))
    results = benchmark.benchmark_model_export(
        model=reference_model,
        model_name="regression_test",
        input_shape=(3, 16, 16)
    )

    # Check against baseline
    baseline_time = 2 * results["optimization_results"]["O2"]["export_time_sec"] + \
        results["optimization_results"]["O3"]["kernel_tuning_sec"]
    actual_time = results["optimization_results"]["O3"]["export_time_sec"]

    assert actual_time < baseline_time * 1.1, \
        f"Export time regression: {actual_time:.3f}s vs {baseline_time:.3f}s baseline"


def test_installed_name_is_the_same_class():
    from benchmarks.python.benchmark_export import ModelBenchmark as FromBenchmarks
    from wasm_torch.benchmark import ModelBenchmark
    assert FromBenchmarks is ModelBenchmark


def test_input_is_required():
    from wasm_torch.benchmark import ModelBenchmark
    with pytest.raises(ValueError, match="input_shape"):
        ModelBenchmark().benchmark_model_export(_reference_model(), "m")
