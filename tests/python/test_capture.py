"""Capture and export errors: one error listing every unsupported op; no silent fallbacks."""
import warnings

import pytest
import torch
import torch.nn as nn

from wasm_torch import CaptureError, UnsupportedOpsError, export_to_wasm


class UsesUnsupportedOps(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.cos(torch.sin(self.fc(x))) + torch.exp(x)


class DataDependent(nn.Module):
    def forward(self, x):
        return x * 2 if x.sum() > 0 else x


def test_unsupported_ops_are_listed_together(tmp_path):
    with pytest.raises(UnsupportedOpsError) as info:
        export_to_wasm(UsesUnsupportedOps().eval(), tmp_path / "m.wtm", torch.randn(2, 4), memory_layout="nchw")
    names = [op for op, _, _ in info.value.ops]
    assert names == ["aten.sin", "aten.cos", "aten.exp"], names  # cos reads sin's output: still listed
    assert "docs/OPERATORS.md" in str(info.value)
    assert not (tmp_path / "m.wtm").exists()


def test_data_dependent_control_flow_is_a_capture_error(tmp_path):
    with pytest.raises(CaptureError, match="data-dependent|tracing the model failed"):
        export_to_wasm(DataDependent(), tmp_path / "m.wtm", torch.randn(3), memory_layout="nchw")


def test_unknown_level_and_layout_are_rejected(tmp_path):
    model = nn.Linear(2, 2).eval()
    with pytest.raises(ValueError, match="optimization_level"):
        export_to_wasm(model, tmp_path / "m.wtm", torch.randn(1, 2), optimization_level="O9", memory_layout="nchw")
    with pytest.raises(ValueError, match="memory_layout"):
        export_to_wasm(model, tmp_path / "m.wtm", torch.randn(1, 2), memory_layout="nwhc")


def test_nhwc_request_is_reported_not_pretended(tmp_path):
    with pytest.warns(UserWarning, match="nhwc"):
        report = export_to_wasm(nn.Linear(2, 2).eval(), tmp_path / "m.wtm", torch.randn(1, 2))
    assert report.memory_layout == "nchw"


def test_scalar_operands_become_constants(tmp_path):
    class Scale(nn.Module):
        def forward(self, x):
            return x * 3 + 1

    report = export_to_wasm(Scale().eval(), tmp_path / "m.wtm", torch.randn(2, 2), memory_layout="nchw")
    assert report.ops == {"mul": 1, "add": 1}
