"""The contract between exporter, runtime and JS package is generated from schema/contract.toml and the
schema: a hand edit of a generated file, or a contract change without `make contract`, fails here."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_contract_files_are_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_contract.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_contract_reaches_every_language():
    from wasm_torch import contract, ir
    assert ir.DTYPE_NAMES == {v: k for k, v in contract.DTYPE_CODES.items()}
    header = (ROOT / "runtime" / "core" / "contract.h").read_text()
    assert f"constexpr size_t kGemmPanelWidth = {contract.GEMM_PANEL_WIDTH};" in header
    js = (ROOT / "js" / "src" / "contract.js").read_text()
    assert all(f"{name}: {code}" in js for name, code in contract.DTYPE_CODES.items())


def test_unary_ops_are_one_list_for_converters_runtime_and_fusion():
    """schema/contract.toml's unary ops make the runtime's op table, the converters of their ATen
    overloads and the activations conv2d/linear fuse: each of them must reach all three."""
    import torch
    from wasm_torch.contract import UNARY_OPS
    from wasm_torch.docs import runtime_ops
    from wasm_torch.ops import CONVERTERS
    from wasm_torch.optimize.passes import _FUSABLE_ACTIVATIONS

    runtime = {name: notes for name, _, notes in runtime_ops()}
    assert set(UNARY_OPS) <= set(runtime)
    for op, spec in UNARY_OPS.items():
        for overload in spec.aten:
            aten = getattr(torch.ops.aten, overload.split(".")[0]).default
            assert aten in CONVERTERS, f"{overload} has no converter"
            assert CONVERTERS[aten].__name__ == op
    assert _FUSABLE_ACTIVATIONS == {op for op, spec in UNARY_OPS.items() if spec.fusable}
    assert {"relu", "clamp", "silu", "gelu"} <= _FUSABLE_ACTIVATIONS
