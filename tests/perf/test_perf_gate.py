"""The deterministic performance gate (benchmarks/perf/perf_gate.py): every workload's callgrind
instruction count within 3% of the baseline committed for this toolchain; and the gate itself:
counts repeat exactly, and a slower kernel fails it, named."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "perf"))
import perf_gate  # noqa: E402

WORKLOADS = perf_gate.kernel_names() + ["model_mlp", "model_mlp_int8", "model_mlp_fp16", "model_convnet_nhwc",
                                        "model_convnet_int8", "model_encoder"]


@pytest.fixture(scope="session")
def measured():
    return perf_gate.measure_all()


@pytest.fixture(scope="session")
def baseline():
    counts = perf_gate.load_baseline()
    if not counts:
        pytest.skip(f"no baseline recorded with {perf_gate.toolchain()} (make perf-baseline records one)")
    return counts


@pytest.mark.parametrize("name", WORKLOADS)
def test_workload_within_baseline(measured, baseline, name):
    assert name in measured, f"the probe no longer has workload {name}"
    found = perf_gate.regressions({name: baseline[name]} if name in baseline else {}, {name: measured[name]})
    assert not found, perf_gate.describe(found)


def test_counts_repeat_exactly():
    first, second = (perf_gate.callgrind(["kernel", "qd8_gemm_1x8"]) for _ in range(2))
    assert first["total"] == second["total"] > 100_000


def test_a_slower_kernel_fails_the_gate_and_is_named():
    """The scalar reference in place of the SIMD128 GEMM tile: what a regression in a kernel looks
    like to the gate."""
    fast = perf_gate.callgrind(["kernel", "f32_gemm_4x8"])
    slow = perf_gate.callgrind(["kernel", "f32_gemm_4x8", "--reference"])
    found = perf_gate.regressions({"f32_gemm_4x8": fast}, {"f32_gemm_4x8": slow})
    assert [name for name, _, _ in found] == ["f32_gemm_4x8"] and found[0][1] > 1.03
    assert "f32_gemm_4x8_scalar" in perf_gate.describe(found)


@pytest.mark.parametrize("growth, fails", [(1.02, False), (1.031, True), (0.5, False)])
def test_threshold_is_three_percent(growth, fails):
    before = {"w": {"total": 1_000_000, "functions": {"k": 900_000}}}
    after = {"w": {"total": int(1_000_000 * growth), "functions": {"k": int(900_000 * growth)}}}
    assert bool(perf_gate.regressions(before, after)) == fails
