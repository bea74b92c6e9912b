"""optimize_for_browser: the guide's pass names as real passes, a report of what each changed, an
error for an unknown name; constant_folding as a pass of its own."""
import numpy as np
import pytest
import torch

from wasm_torch import WASMRuntime, capture, export_to_wasm, ir, optimize
from wasm_torch.optimize import optimize_for_browser


class ConvBnReluNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                                            torch.nn.ReLU())
        self.head = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 10), torch.nn.ReLU())

    def forward(self, x):
        return self.head(self.features(x))


def _model():
    torch.manual_seed(0)
    model = ConvBnReluNet().eval()
    with torch.no_grad():  # statistics of a trained network, so the fold is not the identity
        model.features[1].running_mean.uniform_(-1, 1)
        model.features[1].running_var.uniform_(0.5, 2)
    return model


def test_the_guides_operator_fusion_snippet_runs_as_written(tmp_path):
    model = _model()
    optimized_model = optimize_for_browser(
        model,
        optimization_passes=[
            "fuse_conv_bn_relu",      # Fuse conv + batch norm + activation
            "fuse_linear_activation", # Fuse linear + activation
            "fuse_attention_ops",     # Fuse attention mechanisms
            "eliminate_dead_code",    # Remove unused operations
            "constant_folding"        # Pre-compute constant expressions
        ]
    )
    x = torch.randn(1, 3, 6, 6)
    report = export_to_wasm(optimized_model, tmp_path / "m.wtm", x, memory_layout="nchw")
    assert report.optimization_level == "custom"
    assert report.ops["conv2d"] == 1 and "batch_norm" not in report.ops and "relu" not in report.ops, report.ops
    assert [r.name for r in report.pass_reports][:3] == ["fold_batch_norm_into_conv", "fuse_conv_activation",
                                                          "fuse_linear_activation"]
    with WASMRuntime("native") as rt, torch.no_grad():
        got = rt.load_model(tmp_path / "m.wtm").forward(x)
        assert torch.allclose(got, model(x), atol=1e-5)


def test_each_pass_does_only_its_part(tmp_path):
    x = torch.randn(1, 3, 6, 6)
    conv_only = export_to_wasm(optimize_for_browser(_model(), ["fuse_conv_bn_relu"]), tmp_path / "a.wtm", x,
                               memory_layout="nchw")
    assert "batch_norm" not in conv_only.ops and conv_only.ops.get("relu") == 1  # the linear's relu stays
    linear_only = export_to_wasm(optimize_for_browser(_model(), ["fuse_linear_activation"]), tmp_path / "b.wtm", x,
                                 memory_layout="nchw")
    assert linear_only.ops.get("batch_norm") == 1 and linear_only.ops.get("relu") == 1  # the conv's relu stays


def test_with_an_example_input_the_report_says_what_each_pass_changed():
    optimized = optimize_for_browser(_model(), example_input=torch.randn(1, 3, 6, 6))
    by_name = {r.name: r for r in optimized.report}
    fold = by_name["fold_batch_norm_into_conv"]
    assert fold.changed and fold.nodes_after == fold.nodes_before - 1
    assert by_name["fuse_conv_activation"].changed and by_name["fuse_linear_activation"].changed
    assert not by_name["fuse_attention"].changed
    assert all("ops" in str(r) for r in optimized.report)


def test_an_unknown_pass_is_an_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown optimization pass 'fuse_everything'.*fuse_conv_bn_relu.*to_nhwc"):
        optimize_for_browser(_model(), ["fuse_conv_bn_relu", "fuse_everything"])


def test_project_passes_by_their_own_names(tmp_path):
    x = torch.randn(1, 3, 6, 6)
    report = export_to_wasm(optimize_for_browser(_model(), ["fuse_conv_bn_relu", "pack_linear_weights"]),
                            tmp_path / "m.wtm", x, memory_layout="nhwc")
    assert "pack_linear_weights" in report.passes_applied and "to_nhwc" in report.passes_applied


def test_constant_folding_runs_constant_ops_at_export():
    """An op of constants only (what converters and layout changes can leave) becomes a constant,
    computed by the native runtime."""
    f32 = ir.DTYPE_CODES[torch.float32]
    x = ir.Tensor("x", f32, (2, 3))
    a, b = ir.constant("a", np.arange(6, dtype=np.float32).reshape(2, 3)), ir.constant("b", np.full((2, 3), 0.5, np.float32))
    summed, out = ir.Tensor("summed", f32, (2, 3)), ir.Tensor("out", f32, (2, 3))
    graph = ir.Graph(nodes=[ir.Node("add", [a, b], [summed]), ir.Node("mul", [x, summed], [out])], inputs=[x],
                     outputs=[out])
    assert optimize.PASSES["constant_folding"](graph)
    assert [n.op for n in graph.nodes] == ["mul"] and graph.nodes[0].inputs[1].is_constant
    np.testing.assert_array_equal(graph.nodes[0].inputs[1].data, np.arange(6, dtype=np.float32).reshape(2, 3) + 0.5)
    assert not optimize.PASSES["constant_folding"](graph)  # nothing left to fold


def test_optimize_for_browser_and_quantize_for_wasm_compose(tmp_path):
    from wasm_torch.optimize import quantize_for_wasm
    x = torch.randn(1, 3, 6, 6)
    for model in (quantize_for_wasm(optimize_for_browser(_model())), optimize_for_browser(quantize_for_wasm(_model()))):
        report = export_to_wasm(model, tmp_path / "m.wtm", x, memory_layout="nchw")
        assert report.optimization_level == "custom" and report.quantized_layers() == 1
        assert "batch_norm" not in report.ops


def test_use_simd_and_use_threads_are_deprecated_and_change_nothing(tmp_path):
    model, x = _model(), torch.randn(1, 3, 6, 6)
    export_to_wasm(model, tmp_path / "a.wtm", x)
    with pytest.warns(DeprecationWarning, match="use_simd=.... is deprecated and has no effect"):
        export_to_wasm(model, tmp_path / "b.wtm", x, use_simd=False)
    with pytest.warns(DeprecationWarning, match="use_threads"):
        export_to_wasm(model, tmp_path / "c.wtm", x, use_threads=False)
    assert (tmp_path / "a.wtm").read_bytes() == (tmp_path / "b.wtm").read_bytes() == (tmp_path / "c.wtm").read_bytes()
