"""Export a model and run its file: what the tests of PyTorch's own quantized models compare."""
import torch

from wasm_torch import WASMRuntime, export_to_wasm


def export_and_run(model, path, x):
    """`model` exported to `path` on example `x`: (the export report, the model's own output on x,
    the native runtime's output on x)."""
    report = export_to_wasm(model, path, x)
    with torch.no_grad():
        expected = model(x)
    with WASMRuntime("native") as native:
        return report, expected, native.load_model(path).forward(x)


def assert_exported_as(report, choices: dict, ops: dict) -> None:
    """The export `report` chose `choices` ({module path: "int8" or "float"}) and wrote `ops` ({op: count})."""
    assert {c.source: c.choice for c in report.quantization} == choices
    assert {op: report.ops.get(op) for op in ops} == ops, report.ops
