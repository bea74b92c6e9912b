"""Hostile files and wrong inputs raise a clear error naming the problem, through every engine,
and the same runtime then still loads and runs a good model."""
import struct
import warnings
import zlib

import numpy as np
import pytest
import torch
from models import make

from wasm_torch import ModelRuntimeError, capture, export_to_wasm, ir
from wasm_torch.contract import HEADER_SIZE
from wasm_torch.serialize import serialize


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    model, x = make("mlp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = tmp_path_factory.mktemp("good") / "mlp.wtm"
        export_to_wasm(model, path, x)
    with torch.no_grad():
        return path.read_bytes(), x, model(x)


def _reseal(data: bytearray) -> bytes:
    struct.pack_into("<I", data, 48, zlib.crc32(memoryview(data)[HEADER_SIZE:]) & 0xFFFFFFFF)
    return bytes(data)


def _segment_offset_position(data: bytes) -> int:
    from wasm_torch.schema.Model import Model
    fb_off, fb_size = struct.unpack_from("<QQ", data, 16)
    model = Model.GetRootAs(data[fb_off:fb_off + fb_size], 0)
    return fb_off + model.Segments(0)._tab.Pos  # Segment struct: offset (u64) first


def _corrupt(kind: str, data: bytes) -> bytes:
    if kind == "truncated":
        return data[: len(data) // 2]
    if kind == "random bytes":
        return np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    if kind == "wrong magic":
        return b"NOTAMODL" + data[8:]
    if kind == "out-of-range offset":
        b = bytearray(data)
        struct.pack_into("<Q", b, _segment_offset_position(data), 1 << 40)
        return _reseal(b)
    if kind == "corrupt byte":
        b = bytearray(data)
        b[-5] ^= 0xFF
        return bytes(b)
    raise KeyError(kind)


EXPECTED = {
    "truncated": "truncated",
    "random bytes": "wrong magic",
    "wrong magic": "wrong magic",
    "out-of-range offset": "outside the",
    "corrupt byte": "checksum mismatch",
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_bad_file_gives_clear_error_then_runtime_still_works(runtime, good, kind):
    data, x, expected = good
    with pytest.raises(ModelRuntimeError, match=EXPECTED[kind]):
        runtime.load_model(_corrupt(kind, data))
    torch.testing.assert_close(runtime.load_model(data).forward(x), expected, atol=1e-4, rtol=1e-4)


def test_wrong_input_shape_and_dtype_then_runtime_still_works(runtime, good):
    data, x, expected = good
    model = runtime.load_model(data)
    with pytest.raises(ModelRuntimeError, match=r"expects float32\[3, 20\], got float32\[4, 20\]"):
        model.forward(torch.randn(4, 20))
    with pytest.raises(ModelRuntimeError, match=r"got int32\[3, 20\]"):
        model.forward(torch.zeros(3, 20, dtype=torch.int32))
    with pytest.raises(ModelRuntimeError, match="takes 1 input"):
        model.forward(x, x)
    torch.testing.assert_close(model.forward(x), expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("case", ["shape", "depthwise"])
def test_bad_conv_residual_gives_clear_error_then_runtime_still_works(runtime, good, case):
    """A file is untrusted: a residual input the convolution cannot take is refused at load."""
    groups = 4 if case == "depthwise" else 1
    conv = torch.nn.Conv2d(4, 4, 3, padding=1, groups=groups).eval()
    graph = capture.capture(conv, (torch.randn(1, 4, 6, 6),))
    node = next(n for n in graph.nodes if n.op == "conv2d")
    shape = (1, 4, 5, 6) if case == "shape" else (1, 4, 6, 6)
    node.inputs = list(node.inputs) + [None] * (3 - len(node.inputs)) + [ir.constant("residual", np.zeros(shape, np.float32))]
    expected = r"residual shape \[1, 4, 5, 6\] does not match" if case == "shape" else "a residual input needs groups = 1"
    with pytest.raises(ModelRuntimeError, match=expected):
        runtime.load_model(serialize(graph))
    data, x, out = good
    torch.testing.assert_close(runtime.load_model(data).forward(x), out, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("residual_shape, expected", [
    ((3, 5), r"residual shape \[3, 5\] does not match the output \[3, 6\]"),
    ((18,), r"input 3 has shape \[18\]; expected rank 2"),
])
def test_bad_linear_residual_gives_clear_error_then_runtime_still_works(runtime, good, residual_shape, expected):
    """A file is untrusted: a linear's residual must have the output's shape, rank included."""
    graph = capture.capture(torch.nn.Linear(4, 6).eval(), (torch.randn(3, 4),))
    node = next(n for n in graph.nodes if n.op == "linear")
    node.inputs = list(node.inputs) + [ir.constant("residual", np.zeros(residual_shape, np.float32))]
    with pytest.raises(ModelRuntimeError, match=expected):
        runtime.load_model(serialize(graph))
    data, x, out = good
    torch.testing.assert_close(runtime.load_model(data).forward(x), out, atol=1e-4, rtol=1e-4)


def _nhwc_conv_pool_graph():
    model = torch.nn.Sequential(torch.nn.Conv2d(4, 6, 3, padding=1), torch.nn.MaxPool2d(2),
                                torch.nn.ConvTranspose2d(6, 3, 2, stride=2)).eval()
    graph = capture.capture(model, (torch.randn(1, 4, 6, 6),))
    from wasm_torch.optimize import optimize_graph
    optimize_graph(graph, "O2", "nhwc")
    return graph, {n.op: n for n in graph.nodes}


def _break_nhwc(case: str, ops):
    conv, pool, transposed = ops["conv2d"], ops["max_pool2d"], ops["conv_transpose2d"]
    if case == "panels shape":
        conv.inputs[1] = ir.constant("w", np.zeros((1, 35, 8), np.float32))
    elif case == "hwc groups":
        conv.inputs[1], conv.attrs["weight_layout"] = ir.constant("w", np.zeros((3, 3, 4), np.float32)), "hwc"
    elif case == "weight layout":
        conv.attrs["weight_layout"] = "oihw"
    elif case == "huge kernel":
        conv.attrs["kernel_size"] = [1 << 31, 1 << 31]
    elif case == "layout":
        pool.attrs["layout"] = "nwhc"
    elif case == "transposed panels":
        transposed.attrs["out_channels"] = 5
    else:
        raise KeyError(case)


NHWC_EXPECTED = {
    "panels shape": r"panels8 weight of shape \[1, 35, 8\] does not hold 1 groups of 6 output channels",
    "hwc groups": "a depthwise hwc weight .* needs groups = channels",
    "weight layout": "needs weight_layout 'panels8' or 'hwc', got 'oihw'",
    "huge kernel": r"conv2d.*kernel_size \[2147483648, 2147483648\] is too large",
    "layout": "layout must be 'nchw' or 'nhwc', got 'nwhc'",
    "transposed panels": r"conv_transpose2d.*panels8 weight of shape \[2, 6, 8\] does not hold "
                         r"kernel_size \[2, 2\] x 5",
}


@pytest.mark.parametrize("case", list(NHWC_EXPECTED))
def test_bad_nhwc_conv_and_pool_give_clear_errors_then_runtime_still_works(runtime, good, case):
    """NHWC weights and attributes are checked against each other at load, as any others."""
    graph, ops = _nhwc_conv_pool_graph()
    _break_nhwc(case, ops)
    with pytest.raises(ModelRuntimeError, match=NHWC_EXPECTED[case]):
        runtime.load_model(serialize(graph))
    data, x, out = good
    torch.testing.assert_close(runtime.load_model(data).forward(x), out, atol=1e-4, rtol=1e-4)
