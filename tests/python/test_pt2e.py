"""PT2E quantized graphs (torchao's prepare_pt2e / convert_pt2e over a torch.export graph) export onto
wasm-torch's int8 ops: static graphs onto static int8 with the graph's own input scales, dynamic
ones onto dynamic int8 (wasm_torch/quantization/pt2e.py)."""
import math

import pytest
import torch
from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
from torchao.quantization.pt2e.quantizer.x86_inductor_quantizer import (X86InductorQuantizer,
                                                                         get_default_x86_inductor_quantization_config)

from wasm_torch import WASMRuntime, export_to_wasm
from wasm_torch.quantization import QuantizationError
from wasm_torch.quantization.pt2e import from_pt2e

from exported import assert_exported_as, export_and_run


def _pt2e(model, x, batches, is_dynamic=False, skip=()):
    """`model` through PT2E with the x86 quantizer's default configuration (the modules named in
    `skip` left float): captured, prepared, calibrated on `batches`, converted."""
    quantizer = X86InductorQuantizer().set_global(get_default_x86_inductor_quantization_config(is_dynamic=is_dynamic))
    for name in skip:
        quantizer.set_module_name_qconfig(name, None)
    prepared = prepare_pt2e(torch.export.export(model.eval(), (x,)).module(), quantizer)
    with torch.no_grad():
        for batch in batches:
            prepared(batch)
    return convert_pt2e(prepared)


class _Cnn(torch.nn.Module):
    """Conv-BN-ReLU (PT2E folds the BN), a residual add, max pooling, a depthwise convolution with
    Hardswish, a 1x1 conv-ReLU of 16 channels (too shallow for int8 to gain), a linear-ReLU and a
    plain linear."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.conv, self.bn = nn.Conv2d(3, 16, 5, padding=2), nn.BatchNorm2d(16)
        self.conv2, self.pool = nn.Conv2d(16, 16, 3, padding=1), nn.MaxPool2d(2)
        self.depthwise, self.pointwise = nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.Conv2d(16, 32, 1)
        self.fc, self.head = nn.Linear(32, 24), nn.Linear(24, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = self.pool(x + self.conv2(x))
        x = torch.relu(self.pointwise(torch.nn.functional.hardswish(self.depthwise(x))))
        return self.head(torch.relu(self.fc(x.mean((2, 3)))))


@pytest.fixture(scope="module")
def static_export(tmp_path_factory):
    """_Cnn through PT2E, its head left float: (the converted graph, its export report, the file, an input, the graph's
    output, the native runtime's output)."""
    torch.manual_seed(11)
    model = _Cnn()
    with torch.no_grad():  # a BN that is not the identity, for the fold to matter
        model.bn.running_mean.uniform_(-0.2, 0.2)
        model.bn.running_var.uniform_(0.5, 2.0)
    x = torch.randn(2, 3, 16, 16)
    graph = _pt2e(model, x, [torch.randn(2, 3, 16, 16) for _ in range(8)], skip=["head"])
    path = tmp_path_factory.mktemp("pt2e") / "m.wtm"
    report, expected, got = export_and_run(graph, path, x)
    return graph, report, path, x, expected, got


def test_pt2e_static_graph_exports_onto_static_int8(static_export):
    """Every quantized convolution (the depthwise one too) and linear of the graph runs as wasm-torch's
    static int8 op under the module path it came from, its input quantized with the scale and zero
    point of the graph's quantize / dequantize pair before it, but the 1x1 convolution of 16 input
    channels, which runs float as wasm-torch's own static quantization would run it (on the weights
    PT2E quantized); the layer PT2E left float stays float; the output is close to the graph's."""
    graph, report, _, _, expected, got = static_export
    assert_exported_as(report, {"conv": "int8", "conv2": "int8", "depthwise": "int8", "pointwise": "float",
                                "fc": "int8", "head": "float"},
                       {"static_quantized_conv2d": 2, "static_quantized_linear": 1,
                        "static_quantized_depthwise_conv2d": 1, "conv2d": 1, "linear": 1})
    assert "16 multiply-adds per output" in {c.source: c.reason for c in report.quantization}["pointwise"]
    # The first convolution reads the model's input through the graph's first quantize / dequantize.
    first = next(n for n in graph.graph.nodes if "quantize_per_tensor" in str(n.target))
    scale, zero_point = first.args[1:3]
    given = from_pt2e(graph).config.given["conv"]
    assert math.isclose(given.scale, scale, rel_tol=1e-6) and given.zero_point == zero_point
    assert float((got - expected).abs().max() / expected.abs().max()) < 0.05, (got - expected).abs().max()


def test_pt2e_files_run_alike_on_every_engine(runtime, static_export):
    """The PT2E file gives every engine (Node and Chromium at 1 and 2 threads) what the native runtime gives."""
    _, _, path, x, _, native = static_export
    torch.testing.assert_close(runtime.load_model(path).forward(x), native, rtol=1e-5, atol=1e-5)


def test_pt2e_dynamic_graph_exports_onto_dynamic_int8(tmp_path):
    """A dynamic PT2E graph (choose_qparams at run time): its linears run as dynamic_quantized_linear,
    each input quantized per row where the graph quantizes per tensor, so at least as close to float."""
    torch.manual_seed(12)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).eval()
    x = torch.randn(4, 64)
    graph = _pt2e(model, x, [x], is_dynamic=True)
    report = export_to_wasm(graph, tmp_path / "d.wtm", x)
    assert {c.source: c.choice for c in report.quantization} == {"0": "int8", "2": "int8"}
    assert report.ops == {"dynamic_quantized_linear": 2}
    with torch.no_grad(), WASMRuntime("native") as native:
        got, expected = native.load_model(tmp_path / "d.wtm").forward(x), graph(x)
    assert float((got - expected).abs().max() / expected.abs().max()) < 0.05


def test_pt2e_mobilenet_v2_matches_the_graph(tmp_path):
    """torchvision's MobileNetV2 through PT2E: its 52 convolutions (17 depthwise) and the classifier
    int8 but the four too shallow to gain (the stem, 27 multiply-adds per output, and three 1x1
    convolutions of 16-24 channels: float on PT2E's weights), the output within 5% of the graph's
    through 53 layers (the graph rounds at every quantize / dequantize pair, wasm-torch only at each
    int8 layer's input). (ResNet-18 does not get through the x86 quantizer: it reuses one ReLU module
    twice a block.)"""
    import torchvision
    from zoo import calibrated
    torch.manual_seed(13)
    x = torch.randn(1, 3, 64, 64)
    model = calibrated(torchvision.models.mobilenet_v2(weights=None), x)
    graph = _pt2e(model, x, [torch.randn(1, 3, 64, 64) for _ in range(4)])
    report = export_to_wasm(graph, tmp_path / "m.wtm", x)
    assert report.quantized_layers() == len(report.quantization) - 4 == 49
    assert {c.source for c in report.quantization if c.choice == "float"} == {
        "features.0.0", "features.2.conv.0.0", "features.3.conv.0.0", "features.4.conv.0.0"}
    assert {c.source for c in report.quantization} >= {"features.1.conv.0.0", "classifier.1"}
    assert report.ops.get("static_quantized_depthwise_conv2d") == 17 and report.ops.get("conv2d") == 4, report.ops
    with torch.no_grad(), WASMRuntime("native") as native:
        got, expected = native.load_model(tmp_path / "m.wtm").forward(x), graph(x)
    assert float((got - expected).abs().max() / expected.abs().max()) < 0.05, (got - expected).abs().max()
    assert int(got.argmax()) == int(expected.argmax())


def test_pt2e_input_quantization_it_does_not_read_is_a_clear_error():
    """An input quantized to fewer than 8 bits (0..127) is named, not exported wrong."""
    torch.manual_seed(14)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU())
    x = torch.randn(1, 3, 8, 8)
    graph = _pt2e(model, x, [x])
    for node in graph.graph.nodes:
        if "quantize_per_tensor" in str(node.target):
            node.args = node.args[:4] + (127,) + node.args[5:]
    graph.recompile()
    with pytest.raises(QuantizationError, match=r"^0: its input is quantized to torch.uint8 0..127; wasm-torch reads"):
        from_pt2e(graph)
