"""docs/OPERATORS.md is generated from the runtime's registry: it must match what the runtime has."""
from pathlib import Path

from wasm_torch.docs import render, runtime_ops


def test_operators_doc_is_current():
    doc = Path(__file__).parents[2] / "docs" / "OPERATORS.md"
    assert doc.read_text() == render(), "docs/OPERATORS.md is stale: run `make docs`"


def test_every_op_the_exporter_emits_exists_in_the_runtime():
    import re
    runtime = {name for name, _, _ in runtime_ops()}
    ops_dir = Path(__file__).parents[2] / "python" / "wasm_torch" / "ops"
    emitted = {m for f in ops_dir.glob("*.py") for m in re.findall(r'emit\("(\w+)"', f.read_text())}
    emitted |= {m for f in ops_dir.glob("*.py") for m in re.findall(r'(?:step|emit_step)\(\s*"(\w+)"', f.read_text())}
    assert emitted and emitted <= runtime, emitted - runtime
