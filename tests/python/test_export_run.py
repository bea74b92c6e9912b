"""Export through Python, run on the real runtime (native, Node, Chromium), compare with eager."""
import warnings

import pytest
import torch
from models import make

from wasm_torch import export_to_wasm

ATOL = 1e-4


def _export(model, x, path, level):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return export_to_wasm(model, path, x, optimization_level=level, memory_layout="nchw")


@pytest.mark.parametrize("level", ["O0", "O2"])
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_outputs_match_eager(runtime, tmp_model, name, level):
    model, x = make(name)
    report = _export(model, x, tmp_model, level)
    with torch.no_grad():
        expected = model(x)
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = runtime.load_model(tmp_model).forward(x)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        torch.testing.assert_close(g, e, atol=ATOL, rtol=1e-4)
    assert report.file_bytes == tmp_model.stat().st_size


def test_every_first_op_set_op_reaches_the_runtime(tmp_model):
    model, x = make("cnn")
    ops = _export(model, x, tmp_model, "O0").ops
    for op in ("conv2d", "batch_norm", "relu", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "add", "mul",
               "reshape", "linear", "softmax", "log_softmax"):
        assert op in ops, op


def test_o2_folds_batch_norm_and_fuses_relu(tmp_model):
    model, x = make("cnn")
    o0 = _export(model, x, tmp_model, "O0")
    o2 = _export(model, x, tmp_model, "O2")
    assert "batch_norm" not in o2.ops and o2.ops.get("relu", 0) < o0.ops["relu"]
    assert {"fold_batch_norm_into_conv", "fuse_activation"} <= set(o2.passes_applied)


def test_runtime_reports_its_variant(runtime):
    info = runtime.info()
    assert info["threads"] >= 1
    if runtime.engine != "native":
        assert info["variant"] == ("simd-threads" if info["threads"] > 1 else "simd")
        assert info["simd"] is True


def test_repeated_forward_is_stable(runtime, tmp_model):
    model, x = make("mlp")
    _export(model, x, tmp_model, "O2")
    m = runtime.load_model(tmp_model)
    first = m.forward(x)
    for _ in range(5):
        assert torch.equal(m.forward(x), first)
    m.close()
