"""quantize_for_wasm: weights quantized at export, the file run on the real runtimes, against the
float model (within what quantization costs) and against an exact model of the quantized
arithmetic (within float rounding)."""
import math
import warnings

import numpy as np
import pytest
import torch

from wasm_torch import WASMRuntime, contract, export_to_wasm
from wasm_torch.optimize import quantize_for_wasm
from wasm_torch.quantization import DEFAULT_TOLERANCE, QuantizationError
from wasm_torch.quantization.weights import dequantize_per_channel, quantize_per_channel, sqnr_db, to_normal_halves

from exported import assert_exported_as, export_and_run
from model_file import read_model


def _rows_quantized(x: np.ndarray):
    """The runtime's row quantization, in its float32 arithmetic: (int values, scales)."""
    amax = np.abs(x).max(axis=1).astype(np.float32)
    inv = np.where(amax > 0, np.float32(127) / np.where(amax > 0, amax, 1), 0).astype(np.float32)
    q = np.clip(np.rint(x * inv[:, None]), -127, 127).astype(np.int64)
    return q, (amax / np.float32(127)).astype(np.float32)


def test_per_channel_weights_round_trip_within_half_a_step():
    w = np.random.default_rng(0).normal(size=(37, 5)).astype(np.float32)  # [K, N]
    w[:, 3] = 0  # an all-zero channel: scale 0, values 0
    q, scale = quantize_per_channel(w)
    assert q.shape == (5, 48) and q.dtype == np.int8 and scale.shape == (5,)
    assert not q[:, 37:].any()  # K padded with zeros to the runtime's block
    assert scale[3] == 0 and not q[3].any()
    assert np.abs(q).max() == 127
    restored = q[:, :37].astype(np.float32) * scale[:, None]
    assert np.all(np.abs(restored - w.T) <= scale[:, None] / 2 + 1e-7)
    # Rounding noise is uniform over a step: its power is step^2 / 12 per weight.
    noise = np.mean(np.repeat(scale[None, :] ** 2 / 12, 37, axis=0)[:, [0, 1, 2, 4]])
    assert sqnr_db(w, dequantize_per_channel(q, scale, 37)) == pytest.approx(10 * np.log10(np.mean(w ** 2) * 5 / 4 / noise), abs=1.5)


@pytest.mark.parametrize("rows, k, n, bias", [(1, 100, 64, True), (4, 16, 33, False), (7, 300, 5, True)])
def test_dynamic_linear_computes_the_quantized_arithmetic(runtime, tmp_path, rows, k, n, bias):
    """Every engine computes exactly quant(x) @ quant(W): int sums, then x_scale * w_scale + b."""
    torch.manual_seed(k)
    model = torch.nn.Linear(k, n, bias=bias).eval()
    x = torch.randn(rows, k) * 3
    report = export_to_wasm(quantize_for_wasm(model), tmp_path / "m.wtm", x)
    assert report.ops == {"dynamic_quantized_linear": 1}
    got = runtime.load_model(tmp_path / "m.wtm").forward(x).numpy()
    q, scale = quantize_per_channel(model.weight.detach().numpy().T)
    xq, x_scale = _rows_quantized(x.numpy())
    sums = xq @ q[:, :k].astype(np.int64).T
    expected = sums.astype(np.float32) * x_scale[:, None] * scale[None, :]
    if bias:
        expected = expected + model.bias.detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_int8_embedding_gathers_dequantized_rows(runtime, tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Embedding(3000, 24).eval()
    ids = torch.tensor([[0, 2999, 17, 17], [5, 1, 2, 3]])
    report = export_to_wasm(quantize_for_wasm(model), tmp_path / "m.wtm", ids)
    assert [(c.op, c.choice) for c in report.quantization] == [("embedding", "int8")]
    loaded = runtime.load_model(tmp_path / "m.wtm")
    q, scale = quantize_per_channel(model.weight.detach().numpy().T, pad_to=1)
    expected = q.astype(np.float32) * scale[:, None]
    assert np.array_equal(loaded.forward(ids).numpy(), expected[ids.numpy()])
    with pytest.raises(Exception, match="out of range"):
        loaded.forward(torch.tensor([[0, 3000, 1, 1], [0, 0, 0, 0]]))
    assert np.array_equal(loaded.forward(ids).numpy(), expected[ids.numpy()])  # and it keeps working


def _mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.GELU(),
                               torch.nn.Linear(512, 10)).eval()


def test_dynamic_mlp_is_smaller_and_close_to_float(runtime, tmp_path):
    model = _mlp()
    x = torch.randn(1, 64)
    float_report = export_to_wasm(model, tmp_path / "f.wtm", x)
    report = export_to_wasm(quantize_for_wasm(model), tmp_path / "q.wtm", x)
    assert [c.choice for c in report.quantization] == ["int8"] * 3
    assert report.ops == {"dynamic_quantized_linear": 3}
    assert float_report.file_bytes / report.file_bytes > 3.5
    got = runtime.load_model(tmp_path / "q.wtm").forward(x)
    with torch.no_grad():
        expected = model(x)
    relative = float((got - expected).abs().max() / expected.abs().max())
    assert relative < 0.05  # measured 1.5%; verification's default allows DEFAULT_TOLERANCE
    assert relative > 1e-4  # it really ran in int8 (float runs agree to ~1e-6)
    assert report.verification[0].relative == pytest.approx(relative, rel=0.5, abs=1e-3)


def test_fused_activation_and_residual_stay_fused(tmp_path):
    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = torch.nn.Linear(32, 32), torch.nn.Linear(32, 32)

        def forward(self, x):
            return torch.relu(self.fc2(torch.relu(self.fc1(x))) + x)

    x = torch.randn(2, 5, 32)
    report = export_to_wasm(quantize_for_wasm(Block().eval()), tmp_path / "m.wtm", x)
    assert report.ops == {"dynamic_quantized_linear": 2}, report.ops


def test_keep_float_and_preserve_accuracy_leave_layers_in_float(tmp_path):
    model = _mlp()
    with torch.no_grad():
        model[2].weight[:, 7] *= 300  # one outlier input column: every channel's scale is set by it
    x = torch.randn(3, 64)
    report = export_to_wasm(quantize_for_wasm(model, keep_float=["4"]), tmp_path / "m.wtm", x)
    choices = {c.source: c for c in report.quantization}
    assert choices["0"].choice == "int8"
    assert choices["2"].choice == "float" and "SQNR" in choices["2"].reason and choices["2"].weight_sqnr_db < 30
    assert choices["4"].choice == "float" and choices["4"].reason == "keep_float"
    assert report.ops == {"dynamic_quantized_linear": 1, "linear": 2}
    forced = export_to_wasm(quantize_for_wasm(model, preserve_accuracy=False), tmp_path / "all.wtm", x,
                            verify_tolerance=math.inf)
    assert forced.quantized_layers() == 3


def test_transformer_encoder_with_dynamic_sequence_length(tmp_path):
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True, dropout=0.0)
    model = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).eval()
    x = torch.randn(2, 12, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = export_to_wasm(quantize_for_wasm(model), tmp_path / "m.wtm", x,
                                dynamic_axes={"src": {0: "batch", 1: "seq"}})
    assert report.quantized_layers() >= 4  # the feed-forward and output projections at least
    with WASMRuntime("native") as rt:
        loaded = rt.load_model(tmp_path / "m.wtm")
        for shape in [(1, 7, 64), (3, 20, 64)]:
            x = torch.randn(*shape)
            with torch.no_grad():
                expected = model(x)
            got = loaded.forward(x)
            assert float((got - expected).abs().max() / expected.abs().max()) < DEFAULT_TOLERANCE["dynamic"]


def test_real_minilm_dynamic_int8_embeddings(tmp_path):
    """all-MiniLM-L6-v2's real weights: the int8 embeddings keep their meaning (cosine against
    the float model's, and each sentence still nearest to itself)."""
    from hf_zoo import minilm
    model, inputs, _ = minilm()
    float_report = export_to_wasm(model, tmp_path / "f.wtm", inputs)
    report = export_to_wasm(quantize_for_wasm(model), tmp_path / "q.wtm", inputs)
    # 6 layers x (q, k, v, output, intermediate, output) and the word embeddings (positions are
    # an index_select, left float: 0.8 of the file's 91 MB are the word table and the linears)
    assert report.quantized_layers() == 37
    assert [c.source for c in report.quantization if c.op == "embedding"] == ["bert.embeddings.word_embeddings"]
    with torch.no_grad():
        expected = model(**inputs)
    with WASMRuntime("native") as rt:
        got = rt.load_model(tmp_path / "q.wtm").forward(*inputs.values())
    cosine = torch.nn.functional.cosine_similarity(got, expected)
    assert float(cosine.min()) >= 0.99, cosine
    assert torch.equal((got @ expected.T).argmax(1), torch.arange(len(got)))
    assert float_report.file_bytes / report.file_bytes > 3.5


@pytest.mark.parametrize("kwargs, message", [
    ({"quantization_type": "int4"}, "must be one of"),
    ({"quantization_type": "static"}, "give calibration_data"),
    ({"quantization_type": "static", "calibration_data": [torch.zeros(1, 64)], "metric": lambda q, f: 1.0},
     "give target_accuracy too"),
    ({"quantization_type": "static", "calibration_data": [torch.zeros(1, 64)], "observer": "mse"},
     "observer must be one of"),
    ({"observer": "percentile"}, "observer applies to static"),
    ({"quantization_type": "mixed"}, "give calibration_data"),
    ({"quantization_type": "mixed", "calibration_data": [torch.zeros(1, 64)], "target_accuracy": 2}, "in \\(0, 1\\]"),
    ({"quantization_type": "mixed", "calibration_data": [torch.zeros(1, 64), torch.zeros(2, 64)]}, "first one's shapes"),
    ({"quantization_type": "fp16", "calibration_data": [torch.zeros(1, 64)]}, "fp16 quantization takes no"),
    ({"calibration_data": [torch.zeros(1, 64)]}, "takes no calibration_data"),
    ({"keep_float": ["nope"]}, "names no module"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(QuantizationError, match=message):
        quantize_for_wasm(_mlp(), **kwargs)


def test_quantized_model_runs_as_the_float_model_in_pytorch():
    model = _mlp()
    x = torch.randn(2, 64)
    with torch.no_grad():
        assert torch.equal(quantize_for_wasm(model)(x), model(x))


@pytest.fixture(scope="module")
def mixed_export(tmp_path_factory):
    """A mixed-precision model that meets its target with a layer in float: (quantized model, its
    export report, the file, an input, the native runtime's output on it)."""
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10)).eval()
    with torch.no_grad():
        model[4].weight[:, 0] = 1000.0  # input 0 of layer 4 is always 0 after the ReLU ...
        model[2].bias[0] = -1e4         # ... because layer 2's first unit never fires
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(64, 32) * 4, torch.zeros(64).long()),
                                         batch_size=16)
    quantized = quantize_for_wasm(model, "mixed", calibration_data=loader, target_accuracy=0.95,
                                  preserve_accuracy=False)
    path = tmp_path_factory.mktemp("mixed") / "m.wtm"
    exported, x = export_to_wasm(quantized, path, torch.randn(16, 32)), torch.randn(16, 32) * 4
    with WASMRuntime("native") as native:
        return quantized, exported, path, x, native.load_model(path).forward(x)


def test_mixed_precision_falls_back_the_most_sensitive_layer_first(mixed_export):
    """A layer int8 cannot represent (its channels' scales set by one huge input column) costs the
    all-int8 model its agreement with float; mixed precision measures it as the most sensitive,
    keeps it float, and meets the target with the other layers in int8."""
    quantized, exported, _, _, _ = mixed_export
    report = quantized.report
    assert report.steps[0].float_layers == [] and report.steps[0].accuracy < 0.95, str(report)
    assert max(report.sensitivity, key=report.sensitivity.get) == "4"
    assert report.float_layers[0] == "4" and report.accuracy >= 0.95
    assert len(report.float_layers) < 3, str(report)  # some layers stay int8
    assert {c.source: c.choice for c in exported.quantization}["4"] == "float"
    assert exported.quantized_layers() == 3 - len(report.float_layers)


def test_mixed_precision_stops_at_once_when_int8_meets_the_target():
    model = _mlp()
    quantized = quantize_for_wasm(model, "mixed", calibration_data=[torch.randn(8, 64) for _ in range(2)],
                                  target_accuracy=0.5, metric=lambda q, f: 1.0)
    assert quantized.report.float_layers == [] and len(quantized.report.steps) == 1
    assert quantized.report.metric == "<lambda>"


def _as_fp16(weight: torch.Tensor) -> torch.Tensor:
    """The weight's values as "fp16" stores them."""
    return torch.from_numpy(to_normal_halves(weight.numpy()).astype(np.float32))


def test_fp16_stores_no_subnormal_halves():
    """Values below the least normal half (6.1e-5) round to it or to zero, whichever is nearer: the
    runtime streams batch-1 linears' halves only without subnormals."""
    tiny = float(np.finfo(np.float16).tiny)
    values = np.array([tiny * 0.4, -tiny * 0.6, tiny * 0.99, 1e-9, -tiny, 0.5, 65504.0], dtype=np.float32)
    assert to_normal_halves(values).astype(np.float32).tolist() == [0.0, -tiny, tiny, 0.0, -tiny, 0.5, 65504.0]
    halves = to_normal_halves(np.random.default_rng(0).normal(0, 1e-3, 100_000).astype(np.float32))
    exponents = halves.view(np.uint16) & 0x7C00
    assert not np.any((exponents == 0) & (halves != 0))


def test_fp16_weights_halve_the_file_and_match_float(runtime, tmp_path):
    """Linears (batch 1 and batch 7) and an embedding table in half precision: the file is about
    half, and every engine computes what the float model computes with fp16-rounded weights."""
    class Tagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.fc1, self.fc2 = torch.nn.Embedding(3000, 48), torch.nn.Linear(48, 200), torch.nn.Linear(200, 9)

        def forward(self, ids):
            return self.fc2(torch.relu(self.fc1(self.embed(ids))))

    torch.manual_seed(0)
    model = Tagger().eval()
    for ids in (torch.tensor([[5]]), torch.randint(0, 3000, (1, 7))):
        float_report = export_to_wasm(model, tmp_path / "f.wtm", ids)
        report = export_to_wasm(quantize_for_wasm(model, "fp16"), tmp_path / "h.wtm", ids)
        assert [(c.source, c.choice) for c in report.quantization] == [("embed", "fp16"), ("fc1", "fp16"), ("fc2", "fp16")]
        assert 1.8 < float_report.file_bytes / report.file_bytes < 2.1
        rounded = Tagger().eval()
        rounded.load_state_dict({k: _as_fp16(v) if k.endswith("weight") else v  # biases stay float32
                                 for k, v in model.state_dict().items()})
        with torch.no_grad():
            expected = rounded(ids)
        got = runtime.load_model(tmp_path / "h.wtm").forward(ids)
        assert float((got - expected).abs().max()) <= 1e-5 * float(expected.abs().max())


@pytest.mark.parametrize("rows", [1, 9])
def test_fp16_linears_are_stored_in_half(runtime, tmp_path, rows):
    model, x = _mlp(), torch.randn(rows, 64)
    float_report = export_to_wasm(model, tmp_path / "f.wtm", x)
    report = export_to_wasm(quantize_for_wasm(model, "fp16"), tmp_path / "h.wtm", x)
    assert report.ops == {"linear": 3}
    # Every weight in half, in the layout the float file has (panels 32 or 8 wide); the 1,034 biases float32.
    assert report.parameter_bytes == (float_report.parameter_bytes - 4 * 1034) // 2 + 4 * 1034
    assert float_report.file_bytes / report.file_bytes > 1.9
    rounded = _mlp()
    rounded.load_state_dict({k: _as_fp16(v) if k.endswith("weight") else v for k, v in model.state_dict().items()})
    with torch.no_grad():
        expected = rounded(x)
    got = runtime.load_model(tmp_path / "h.wtm").forward(x)
    assert float((got - expected).abs().max()) <= 1e-5 * float(expected.abs().max())


def test_fp16_keeps_weights_beyond_its_range_in_float(tmp_path):
    model = _mlp()
    with torch.no_grad():
        model[4].weight[0, 0] = 1e5
    # (the 1e5 weight amplifies the other layers' fp16 rounding past the default tolerance)
    report = export_to_wasm(quantize_for_wasm(model, "fp16"), tmp_path / "h.wtm", torch.randn(1, 64),
                            verify_tolerance=math.inf)
    choices = {c.source: c for c in report.quantization}
    assert choices["4"].choice == "float" and "exceed the float16 range" in choices["4"].reason
    assert choices["0"].choice == choices["2"].choice == "fp16"


@pytest.fixture(scope="module")
def torch_ao_export(tmp_path_factory):
    """torch.ao.quantization.quantize_dynamic's model of _mlp (layers 0 and 2 quantized): (its report,
    the file, an input, PyTorch's quantized output, the native runtime's output)."""
    model = _mlp()
    path = tmp_path_factory.mktemp("torch_ao") / "m.wtm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notices
        quantized = torch.ao.quantization.quantize_dynamic(
            model, {"0": torch.ao.quantization.default_dynamic_qconfig, "2": torch.ao.quantization.default_dynamic_qconfig},
            dtype=torch.qint8)
        x = torch.randn(4, 64)
        report = export_to_wasm(quantized, path, x)
        with torch.no_grad():
            expected = quantized(x)
    with WASMRuntime("native") as native:
        return report, path, x, expected, native.load_model(path).forward(x)


def test_pytorch_dynamic_quantized_model_exports_onto_the_same_ops(torch_ao_export):
    """torch.ao.quantization.quantize_dynamic's model: its quantized Linears run as
    dynamic_quantized_linear, the Linear it left float stays float, and the output matches
    PyTorch's own quantized model about as closely as wasm-torch's int8 matches float."""
    report, _, _, expected, got = torch_ao_export
    assert {c.source: c.choice for c in report.quantization} == {"0": "int8", "2": "int8", "4": "float"}
    assert report.ops == {"dynamic_quantized_linear": 2, "linear": 1}
    assert float((got - expected).abs().max() / expected.abs().max()) < 0.05


def test_mixed_and_torch_ao_files_run_alike_on_every_engine(runtime, mixed_export, torch_ao_export,
                                                             torch_ao_static_export):
    """The files of both searches, int8 and float layers side by side, and of torch.ao's static
    model give every engine (Node and Chromium at 1 and 2 threads) what the native runtime gives."""
    _, _, mixed_path, mixed_x, mixed_native = mixed_export
    _, ao_path, ao_x, _, ao_native = torch_ao_export
    _, _, static_path, static_x, _, static_native = torch_ao_static_export
    for path, x, reference in ((mixed_path, mixed_x, mixed_native), (ao_path, ao_x, ao_native),
                               (static_path, static_x, static_native)):
        torch.testing.assert_close(runtime.load_model(path).forward(x), reference, rtol=1e-5, atol=1e-5)


class _AoCnn(torch.nn.Module):
    """A model for torch.ao's eager static quantization: fused conv-BN-ReLU, a residual add through
    FloatFunctional, max pooling, a depthwise convolution with Hardswish, a fused 1x1 conv-ReLU of 16
    channels (too shallow for int8 to gain), a fused linear-ReLU and a plain linear."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.quant, self.dequant = torch.ao.quantization.QuantStub(), torch.ao.quantization.DeQuantStub()
        self.conv, self.bn, self.relu = nn.Conv2d(3, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU()
        self.conv2, self.add = nn.Conv2d(16, 16, 3, padding=1), torch.ao.nn.quantized.FloatFunctional()
        self.pool, self.depthwise, self.hardswish = nn.MaxPool2d(2), nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.Hardswish()
        self.pointwise, self.relu2 = nn.Conv2d(16, 32, 1), nn.ReLU()
        self.fc, self.relu3, self.head = nn.Linear(32, 24), nn.ReLU(), nn.Linear(24, 10)

    def forward(self, x):
        x = self.relu(self.bn(self.conv(self.quant(x))))
        x = self.pool(self.add.add(x, self.conv2(x)))
        x = self.relu2(self.pointwise(self.hardswish(self.depthwise(x))))
        return self.dequant(self.head(self.relu3(self.fc(x.mean((2, 3))))))


def _torch_ao_static(model, fuse, batches, engine="x86"):
    """`model` quantized by torch.ao's eager static flow: fuse, prepare with `engine`'s default
    qconfig, calibrate on `batches`, convert."""
    default_engine = torch.backends.quantized.engine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notices
        torch.backends.quantized.engine = engine
        try:
            model.qconfig = torch.ao.quantization.get_default_qconfig(engine)
            if fuse:
                torch.ao.quantization.fuse_modules(model, fuse, inplace=True)
            torch.ao.quantization.prepare(model, inplace=True)
            with torch.no_grad():
                for batch in batches:
                    model(batch)
            return torch.ao.quantization.convert(model, inplace=True)
        finally:
            torch.backends.quantized.engine = default_engine


@pytest.fixture(scope="module")
def torch_ao_static_export(tmp_path_factory):
    """_AoCnn statically quantized by torch.ao: (the quantized model, its export report, the file, an
    input, PyTorch's quantized output, the native runtime's output)."""
    torch.manual_seed(5)
    model = _torch_ao_static(_AoCnn().eval(), [["conv", "bn", "relu"], ["pointwise", "relu2"], ["fc", "relu3"]],
                             [torch.randn(4, 3, 16, 16) for _ in range(8)])
    path = tmp_path_factory.mktemp("torch_ao_static") / "m.wtm"
    x = torch.randn(2, 3, 16, 16)
    report, expected, got = export_and_run(model, path, x)
    return model, report, path, x, expected, got


def test_pytorch_static_quantized_model_exports_onto_static_int8(torch_ao_static_export):
    """torch.ao's statically quantized convolutions (the depthwise one too) and linears run as
    wasm-torch's static int8 ops, each input quantized with the scale and zero point PyTorch gives it,
    not calibrated again, but the 1x1 convolution of 16 input channels, which runs float on
    PyTorch's weights as wasm-torch's own static quantization would run it; the output is within a
    step of PyTorch's quantized output's step."""
    model, report, _, _, expected, got = torch_ao_static_export
    assert_exported_as(report, {"conv.0": "int8", "conv2": "int8", "depthwise": "int8", "pointwise.0": "float",
                                "fc.0": "int8", "head": "int8"},
                       {"static_quantized_conv2d": 2, "static_quantized_linear": 2,
                        "static_quantized_depthwise_conv2d": 1, "conv2d": 1})
    assert "16 multiply-adds per output" in {c.source: c.reason for c in report.quantization}["pointwise.0"]
    from wasm_torch.quantization.torch_ao import from_torch_ao
    given = from_torch_ao(model, (torch.randn(1, 3, 16, 16),), {}).config.given
    # Each layer's input is what its producer's output was quantized to: conv2 reads conv's output,
    # pointwise the quantized Hardswish's, head fc's; conv the QuantStub's.
    for layer, producer in (("conv2", model.conv), ("pointwise.0", model.hardswish), ("head", model.fc),
                            ("conv.0", None)):
        scale, zero_point = (float(model.quant.scale), int(model.quant.zero_point)) if producer is None else \
            (producer.scale, producer.zero_point)
        assert math.isclose(given[layer].scale, scale, rel_tol=1e-6) and given[layer].zero_point == zero_point, layer
    assert float((got - expected).abs().max()) <= model.head.scale, (got - expected).abs().max()


@pytest.mark.parametrize("engine", ["x86", "qnnpack"])  # weights per channel / per tensor
def test_pytorch_static_quantized_resnet18_matches_pytorch(tmp_path, engine):
    """torchvision's quantizable ResNet-18 through its own fuse_model and torch.ao's static flow:
    every convolution and the classifier int8, the output within a few steps of PyTorch's quantized
    one through 21 layers (PyTorch rounds every op's output, wasm-torch only each layer's input)."""
    import torchvision
    torch.manual_seed(6)
    model = torchvision.models.quantization.resnet18(weights=None, quantize=False).eval()
    model.fuse_model(is_qat=False)
    model = _torch_ao_static(model, [], [torch.randn(2, 3, 64, 64) for _ in range(4)], engine)
    x = torch.randn(1, 3, 64, 64)
    report = export_to_wasm(model, tmp_path / "r.wtm", x)
    assert report.quantized_layers() == len(report.quantization) == 21
    with torch.no_grad(), WASMRuntime("native") as native:
        steps = (native.load_model(tmp_path / "r.wtm").forward(x) - model(x)).abs() / model.fc.scale
    assert float(steps.max()) < 5 and float(steps.mean()) < 1, (steps.max(), steps.mean())


def test_pytorch_static_quantized_digits_cnn_keeps_pytorchs_accuracy(tmp_path):
    """The demo's digits CNN, trained, quantized by torch.ao: wasm-torch's file classifies the
    held-out digits as PyTorch's quantized model does (accuracy within 0.5 points, 99% of answers);
    its first convolution (9 multiply-adds per output) runs float on PyTorch's int8 weights."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "digits"))
    import demo
    x_train, x_test, y_train, y_test = demo.load_data()
    trained = demo.train(x_train, y_train)

    class Quantizable(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.quant, self.dequant = torch.ao.quantization.QuantStub(), torch.ao.quantization.DeQuantStub()
            self.features, self.classifier = trained.features, trained.classifier

        def forward(self, x):
            return self.dequant(self.classifier(self.features(self.quant(x))))

    model = _torch_ao_static(Quantizable().eval(), [["features.0", "features.1", "features.2"],
                                                    ["features.3", "features.4", "features.5"],
                                                    ["features.7", "features.8"], ["classifier.1", "classifier.2"]],
                             [torch.from_numpy(x_train[i:i + 8]) for i in range(0, 256, 8)])
    report = export_to_wasm(model, tmp_path / "d.wtm", torch.from_numpy(x_test[:1]))
    assert report.quantized_layers() == len(report.quantization) - 1 == 4
    assert [c.source for c in report.quantization if c.choice == "float"] == ["features.0.0"]
    with torch.no_grad(), WASMRuntime("native") as native:
        exported = native.load_model(tmp_path / "d.wtm")
        ours = np.array([int(exported.forward(torch.from_numpy(x_test[i:i + 1])).argmax()) for i in range(len(x_test))])
        theirs = model(torch.from_numpy(x_test)).argmax(1).numpy()
    assert abs(np.mean(ours == y_test) - np.mean(theirs == y_test)) <= 0.005 and np.mean(ours == theirs) >= 0.99


class _FxCnn(torch.nn.Module):
    """A model for torch.ao's FX-mode static quantization: the graph gets quantize / dequantize calls
    and quantized functions (add, hardswish) besides the quantized modules."""

    def __init__(self, layer_norm=False):
        super().__init__()
        nn = torch.nn
        self.conv, self.bn, self.conv2 = nn.Conv2d(3, 16, 5, padding=2), nn.BatchNorm2d(16), nn.Conv2d(16, 16, 3, padding=1)
        self.depthwise, self.fc = nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.Linear(16, 10)
        self.layer_norm = layer_norm

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = torch.nn.functional.max_pool2d(x + self.conv2(x), 2)
        x = torch.nn.functional.hardswish(self.depthwise(x))
        if self.layer_norm:
            x = torch.nn.functional.layer_norm(x, x.shape[1:])
        x = torch.cat([x, x], 1)[:, :16]
        return self.fc(x.mean((2, 3)))


def _torch_ao_fx(model, x):
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notices
        prepared = prepare_fx(model.eval(), torch.ao.quantization.get_default_qconfig_mapping("x86"), (x,))
        with torch.no_grad():
            for _ in range(4):
                prepared(torch.randn_like(x))
        return convert_fx(prepared)


def test_pytorch_fx_quantized_model_exports_onto_static_int8(tmp_path):
    """torch.ao's FX-mode static model: its graph's quantize / dequantize calls dropped, its quantized
    add and hardswish computed in float, its quantized layers static int8; close to PyTorch's output."""
    torch.manual_seed(7)
    x = torch.randn(2, 3, 16, 16)
    model = _torch_ao_fx(_FxCnn(), x)
    report = export_to_wasm(model, tmp_path / "fx.wtm", x)
    assert {c.source: c.choice for c in report.quantization} == {"conv": "int8", "conv2": "int8", "depthwise": "int8",
                                                                 "fc": "int8"}
    assert report.ops.get("static_quantized_conv2d") == 2 and report.ops.get("static_quantized_linear") == 1
    assert report.ops.get("static_quantized_depthwise_conv2d") == 1
    with torch.no_grad(), WASMRuntime("native") as native:
        steps = (native.load_model(tmp_path / "fx.wtm").forward(x) - model(x)).abs() / model.fc.scale
    assert float(steps.max()) < 5 and float(steps.mean()) < 1, (steps.max(), steps.mean())  # as ResNet-18's
    with pytest.raises(QuantizationError, match="the FX graph calls quantized.layer_norm"):
        export_to_wasm(_torch_ao_fx(_FxCnn(layer_norm=True), x), tmp_path / "ln.wtm", x)


def test_pytorch_quantized_models_wasm_torch_cannot_read_are_clear_errors(tmp_path):
    nnq = torch.ao.nn.quantized
    cases = [
        (torch.nn.Sequential(nnq.Linear(3, 2)), torch.randn(1, 3), r"0: its input is not quantized \(no QuantStub"),
        (torch.nn.Sequential(nnq.Quantize(0.1, 0, torch.quint8), nnq.PReLU(1.0, 0, 1)), torch.randn(1, 3),
         r"does not read \(1: PReLU\)"),
        (torch.nn.Sequential(nnq.Quantize(0.1, 0, torch.quint8), nnq.Linear(3, 2), nnq.DeQuantize(),
                             torch.ao.nn.quantized.dynamic.Linear(2, 2)), torch.randn(1, 3), "mixes PyTorch's dynamic and static"),
    ]
    for model, x, message in cases:
        with pytest.raises(QuantizationError, match=message):
            export_to_wasm(model, tmp_path / "m.wtm", x)
    assert not (tmp_path / "m.wtm").exists()


# --- static INT8 ---------------------------------------------------------------------------------
class _ResidualCnn(torch.nn.Module):
    """Every convolution static INT8 runs: the int8 GEMM (5x5 over 3 channels, strided 1x1, 3x3 at
    8x8, 1x1 in place), Winograd on int8 weights where the byte tile does not run (the 3x3 over 32
    channels at 16x16, with a fused residual), depthwise ones (3x3, and 5x5 at stride 2 with a fused
    ReLU6: two row quads); one it leaves float, too shallow to gain (16 multiply-adds per output); and
    a classifier."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 32, 5, padding=2)
        self.body = torch.nn.Conv2d(32, 32, 3, padding=1)
        self.depthwise = torch.nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.down = torch.nn.Conv2d(32, 16, 1, stride=2)
        self.depthwise5 = torch.nn.Conv2d(16, 16, 5, stride=2, padding=2, groups=16)
        self.shallow = torch.nn.Conv2d(16, 16, 1)
        self.mix = torch.nn.Conv2d(16, 32, 3, padding=1)
        self.point = torch.nn.Conv2d(32, 32, 1)
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = torch.relu(self.body(x) + x)
        x = torch.relu(self.down(self.depthwise(x)))
        x = torch.nn.functional.relu6(self.depthwise5(x))
        x = torch.relu(self.point(torch.relu(self.mix(self.shallow(x)))))
        return self.head(x.mean((2, 3)))


@pytest.fixture(scope="module")
def static_cnn(tmp_path_factory):
    """(model, export report, file, input, native output, the native references' output) of
    _ResidualCnn in static INT8 (7-bit inputs, the default)."""
    torch.manual_seed(3)
    model = _ResidualCnn().eval()
    calibration = [torch.randn(2, 3, 16, 16) for _ in range(4)]
    path = tmp_path_factory.mktemp("static") / "s.wtm"
    x = torch.randn(2, 3, 16, 16)
    report = export_to_wasm(quantize_for_wasm(model, "static", calibration_data=calibration), path, x)
    with WASMRuntime("native") as native, WASMRuntime("native", reference_kernels=True) as references:
        return model, report, path, x, native.load_model(path).forward(x), references.load_model(path).forward(x)


def test_static_int8_quantizes_convolutions_and_linears(static_cnn):
    """Every one-group convolution of at least MIN_STATIC_CONV_DEPTH multiply-adds per output, the
    depthwise ones and the linear run int8 with calibrated inputs; the shallow one (K = 16) stays
    float; the residual and the ReLU6 stay fused; the file is close to float."""
    model, report, _, x, got, _ = static_cnn
    assert report.ops.get("static_quantized_conv2d") == 5 and report.ops.get("static_quantized_linear") == 1, report.ops
    assert report.ops.get("static_quantized_depthwise_conv2d") == 2, report.ops
    assert report.ops.get("conv2d") == 1 and "add" not in report.ops and "clamp" not in report.ops, report.ops
    assert {c.source: (c.op, c.choice) for c in report.quantization} == {
        "stem": ("conv2d", "int8"), "body": ("conv2d", "int8"), "depthwise": ("conv2d", "int8"),
        "down": ("conv2d", "int8"), "depthwise5": ("conv2d", "int8"), "shallow": ("conv2d", "float"),
        "mix": ("conv2d", "int8"), "point": ("conv2d", "int8"), "head": ("linear", "int8")}
    shallow = next(c for c in report.quantization if c.source == "shallow")
    assert shallow.reason.startswith("16 multiply-adds per output: too few for int8"), shallow.reason
    with torch.no_grad():
        expected = model(x)
    error = float((got - expected).abs().max() / expected.abs().max())
    assert 0 < error < 0.05, error  # quantized (not float), and close
    assert (got.argmax(1) == expected.argmax(1)).all()


def test_static_int8_runs_alike_on_every_engine(runtime, static_cnn):
    """Node and Chromium (SIMD128 kernels, 1 and 2 threads) compute what the native runtime does:
    the same integer sums, the same epilogue. Chromium multiplies the 7-bit inputs with relaxed
    SIMD's int8 dot (the byte tile, the depthwise kernel) and so runs the 3x3 convolution Winograd
    takes elsewhere and the depthwise ones the float kernel takes elsewhere in int8 too: it computes
    what the native references do, which have both kernels in C."""
    _, _, path, x, native, references = static_cnn
    info = runtime.info()
    if runtime.engine == "chromium":  # its V8 computes the relaxed int8 dot exactly (Node 20's does not)
        assert info["int8_dot"] == "relaxed", info
    expected = references if info["int8_dot"] == "relaxed" else native
    torch.testing.assert_close(runtime.load_model(path).forward(x), expected, rtol=1e-5, atol=1e-5)


def _byte_edges(path) -> list:
    """(op, output_bits) of each node of a model file that writes its output as bytes, checking that
    the tensor it writes is uint8 and its attributes say how it was quantized."""
    model = read_model(path)
    edges = []
    for i in range(model.NodesLength()):
        node = model.Nodes(i)
        attrs = {node.Attributes(j).Name().decode(): node.Attributes(j) for j in range(node.AttributesLength())}
        output = model.Tensors(node.Outputs(0))
        if "output_scale" not in attrs:
            assert output.Dtype() != contract.DTYPE_CODES["uint8"], node.Op()
            continue
        assert output.Dtype() == contract.DTYPE_CODES["uint8"], node.Op()
        assert attrs["output_scale"].F() > 0 and "output_zero_point" in attrs
        edges.append((node.Op().decode(), attrs["output_bits"].I() if "output_bits" in attrs else 8))
    return edges


@pytest.fixture(scope="module")
def int8_regions(tmp_path_factory):
    """(model, export report, input, file with int8 regions, file without) of _ResidualCnn in static
    INT8, calibrated alike."""
    torch.manual_seed(11)
    model = _ResidualCnn().eval()
    calibration = [torch.randn(2, 3, 16, 16) for _ in range(4)]
    x = torch.randn(2, 3, 16, 16)
    floats, regions = (tmp_path_factory.mktemp("regions") / name for name in ("floats.wtm", "regions.wtm"))
    export_to_wasm(quantize_for_wasm(model, "static", calibration_data=calibration), floats, x)
    report = export_to_wasm(quantize_for_wasm(model, "static", calibration_data=calibration, int8_regions=True),
                            regions, x)
    return model, report, x, regions, floats


def test_int8_regions_keep_the_tensors_between_int8_convolutions_int8(int8_regions):
    """Where int8 convolutions read a static convolution's output, and nothing else does, the tensor
    is bytes: body -> depthwise -> down and mix -> point (stem's output is body's residual too, down's
    is read by a depthwise convolution at stride 2, which runs float). Without the option, none."""
    model, report, x, regions, floats = int8_regions
    assert "form_int8_regions" in report.passes_applied, report.passes_applied
    assert sorted(_byte_edges(regions)) == [("static_quantized_conv2d", 7), ("static_quantized_conv2d", 7),
                                            ("static_quantized_depthwise_conv2d", 7)], _byte_edges(regions)
    assert _byte_edges(floats) == []
    with pytest.raises(QuantizationError, match="int8_regions applies to static quantization"):
        quantize_for_wasm(model, "dynamic", int8_regions=True)


def test_int8_regions_compute_what_float_edges_do(runtime, int8_regions):
    """Where the int8 kernels run (Chromium's relaxed int8 dot, as the native references), the file
    with int8 regions computes exactly what the one with every tensor float does; where a float
    kernel reads bytes (Winograd, the float depthwise kernel: Node, the native SIMD128 build), it
    reads them dequantized, within static INT8's error of the float model, and each engine computes
    what the native runtime with the same kernels does."""
    model, _, x, regions, floats = int8_regions
    info = runtime.info()
    got = runtime.load_model(regions).forward(x)
    with WASMRuntime("native", reference_kernels=info["int8_dot"] == "relaxed") as native:
        torch.testing.assert_close(got, native.load_model(regions).forward(x), rtol=1e-5, atol=1e-5)
        if info["int8_dot"] == "relaxed":
            torch.testing.assert_close(got, runtime.load_model(floats).forward(x), rtol=0, atol=0)
    with torch.no_grad():
        expected = model(x)
    error = float((got - expected).abs().max() / expected.abs().max())
    assert 0 < error < 0.05, error


class _GroupedCnn(torch.nn.Module):
    """Grouped 3x3 convolutions of 16 channels a group (ResNeXt's late stages), one at stride 2 with
    12 output channels a group (a partial panel), between one-group ones; and one of 4 channels a
    group (ResNeXt's first stage), which stays float (MIN_STATIC_GROUP_CHANNELS)."""

    def __init__(self):
        super().__init__()
        self.reduce = torch.nn.Conv2d(32, 32, 1)
        self.grouped = torch.nn.Conv2d(32, 32, 3, padding=1, groups=2)
        self.strided = torch.nn.Conv2d(32, 24, 3, stride=2, padding=1, groups=2)
        self.narrow = torch.nn.Conv2d(24, 24, 3, padding=1, groups=6)
        self.expand = torch.nn.Conv2d(24, 48, 3, padding=1)

    def forward(self, x):
        x = torch.relu(self.grouped(torch.relu(self.reduce(x))))
        return self.expand(torch.relu(self.narrow(torch.relu(self.strided(x)))))


@pytest.fixture(scope="module")
def grouped_static(tmp_path_factory):
    torch.manual_seed(5)
    model = _GroupedCnn().eval()
    calibration = [torch.randn(1, 32, 12, 12) for _ in range(4)]
    x = torch.randn(1, 32, 12, 12)
    path = tmp_path_factory.mktemp("grouped") / "g.wtm"
    report = export_to_wasm(quantize_for_wasm(model, "static", calibration_data=calibration), path, x)
    with WASMRuntime("native") as native, WASMRuntime("native", reference_kernels=True) as references:
        return model, report, path, x, native.load_model(path).forward(x), references.load_model(path).forward(x)


def test_static_int8_runs_grouped_convolutions(runtime, grouped_static):
    """Grouped convolutions of 16 channels a group and more run static INT8 (each group's channels
    gathered, its panels multiplied) on every engine: as the native runtime with the same kernels computes (the byte tile where
    the relaxed int8 dot is exact), within static INT8's error of the float model."""
    model, report, path, x, native, references = grouped_static
    assert report.ops.get("static_quantized_conv2d") == 4 and report.ops.get("conv2d") == 1, report.ops
    choices = {c.source: (c.choice, c.reason) for c in report.quantization}
    assert {path for path, (choice, _) in choices.items() if choice == "int8"} == \
        {"reduce", "grouped", "strided", "expand"}, choices
    assert choices["narrow"][1].startswith("4 input channels a group: too few for int8"), choices
    expected = references if runtime.info()["int8_dot"] == "relaxed" else native
    got = runtime.load_model(path).forward(x)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    with torch.no_grad():
        eager = model(x)
    error = float((got - eager).abs().max() / eager.abs().max())
    assert 0 < error < 0.05, error


def test_activation_quantization_maps_the_range_onto_0_255_with_zero_exact():
    from wasm_torch.quantization.calibration import activation_quantization, observe
    q = activation_quantization(-1.0, 3.0)
    assert q.zero_point == 64 and math.isclose(q.scale, 4 / 255, rel_tol=1e-6)
    relu = activation_quantization(0.5, 6.0)  # a range without 0 is widened to hold it
    assert relu.zero_point == 0 and relu.low == 0 and math.isclose(relu.scale, 6 / 255, rel_tol=1e-6)
    assert activation_quantization(-2.0, -1.0).zero_point == 255
    assert activation_quantization(0.0, 0.0).scale == 1.0
    with pytest.raises(QuantizationError, match="non-finite"):
        activation_quantization(0.0, math.inf)
    values = [np.concatenate([np.linspace(-1, 1, 100_000, dtype=np.float32), [1000.0]])]
    assert observe(values, "minmax") == (-1.0, 1000.0)
    low, high = observe(values, "percentile")  # the outlier does not set the range
    assert -1.0 <= low < -0.99 and 0.99 < high <= 1.0


def test_static_observers_calibrate_on_a_dataloader(tmp_path):
    """A DataLoader of (inputs, labels) calibrates (the labels are not inputs); with an outlier in
    the calibration data, the percentile observer keeps the step fine and the error low."""
    torch.manual_seed(4)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)).eval()
    data = torch.randn(10_000, 16)  # 160,000 values: one outlier lies far beyond the 99.99th percentile
    data[5, 3] = 1e4
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, torch.zeros(10_000).long()),
                                         batch_size=1000)
    x = torch.randn(1000, 16)
    with torch.no_grad():
        expected = model(x)
    errors = {}
    for observer in ("minmax", "percentile"):
        quantized = quantize_for_wasm(model, "static", calibration_data=loader, observer=observer)
        export_to_wasm(quantized, tmp_path / f"{observer}.wtm", x, verify_tolerance=1.0)
        with WASMRuntime("native") as native:
            got = native.load_model(tmp_path / f"{observer}.wtm").forward(x)
        errors[observer] = float((got - expected).abs().max() / expected.abs().max())
    assert errors["percentile"] < 0.05 < errors["minmax"], errors


def test_static_activation_bits_trade_resolution(tmp_path):
    """activation_bits=7 maps the range onto 0..127, 8 onto 0..255: the 8-bit file's error is the
    smaller; anything else, or the option with another type, is an error."""
    from wasm_torch.quantization.calibration import activation_quantization
    q = activation_quantization(-1.0, 3.0, bits=7)
    assert q.zero_point == 32 and math.isclose(q.scale, 4 / 127, rel_tol=1e-6) and q.bits == 7
    torch.manual_seed(8)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(32, 16, 1)).eval()
    calibration, x = [torch.randn(1, 3, 12, 12) for _ in range(4)], torch.randn(1, 3, 12, 12)
    with torch.no_grad():
        expected = model(x)
    errors = {}
    for bits in (7, 8):
        export_to_wasm(quantize_for_wasm(model, "static", calibration_data=calibration, activation_bits=bits),
                       tmp_path / f"{bits}.wtm", x)
        with WASMRuntime("native") as native:
            errors[bits] = float((native.load_model(tmp_path / f"{bits}.wtm").forward(x) - expected).abs().max())
    assert 0 < errors[8] < errors[7] < 0.05 * float(expected.abs().max()), errors
    with pytest.raises(QuantizationError, match="activation_bits must be 7 or 8, got 6"):
        quantize_for_wasm(model, "static", calibration_data=calibration, activation_bits=6)
    with pytest.raises(QuantizationError, match="activation_bits applies to static quantization"):
        quantize_for_wasm(model, "dynamic", activation_bits=8)


def test_static_activation_bits_by_default_follow_each_layers_values(tmp_path):
    """By default each layer's input takes 7 bits where its calibrated values keep
    MIN_ACTIVATION_SQNR_DB at 7 bits, else 8: a layer whose input has outliers (they stretch the
    range) takes 8, the next one, which never sees them, 7; the report lists each layer's bits."""
    from wasm_torch.quantization.calibration import MIN_ACTIVATION_SQNR_DB, activation_quantization, quantization_sqnr_db
    torch.manual_seed(9)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8)).eval()
    with torch.no_grad():
        model[0].weight[:, 3] = 0  # feature 3 carries the outliers; layer 2 never sees them
    data = torch.randn(256, 16)
    data[::16, 3] = 60.0
    batches = [data[i:i + 64] for i in range(0, 256, 64)]
    values = [b.numpy() for b in batches]
    assert quantization_sqnr_db(values, activation_quantization(float(data.min()), 60.0, 7)) < MIN_ACTIVATION_SQNR_DB
    report = export_to_wasm(quantize_for_wasm(model, "static", calibration_data=batches), tmp_path / "m.wtm", data[:64])
    assert {c.source: c.activation_bits for c in report.quantization} == {"0": 8, "2": 7}
    forced = export_to_wasm(quantize_for_wasm(model, "static", calibration_data=batches, activation_bits=7),
                            tmp_path / "f.wtm", data[:64], verify=False)
    assert {c.source: c.activation_bits for c in forced.quantization} == {"0": 7, "2": 7}


@pytest.fixture(scope="module")
def eight_bit_linear(tmp_path_factory):
    """(file, input, native output) of a two-linear model whose first layer's input has outliers
    (8 bits by the SQNR rule), the second's not (7)."""
    torch.manual_seed(9)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8)).eval()
    with torch.no_grad():
        model[0].weight[:, 3] = 0
    data = torch.randn(256, 16)
    data[::16, 3] = 60.0
    path = tmp_path_factory.mktemp("eight") / "m.wtm"
    export_to_wasm(quantize_for_wasm(model, "static", calibration_data=[data[i:i + 64] for i in range(0, 256, 64)]),
                   path, data[:64])
    with WASMRuntime("native") as native:
        return path, data[:64], native.load_model(path).forward(data[:64])


def test_static_8bit_linears_take_254_codes_for_the_split_tile(runtime, eight_bit_linear):
    """An 8-bit static linear's input takes codes 0..254 (attribute input_max), which relaxed SIMD's
    split tile multiplies as two 7-bit halves where its int8 dot is exact (Chromium): the same
    integer sums, so every engine computes what the native runtime's dot_i16x8 tile does."""
    path, x, native = eight_bit_linear
    nodes = read_model(path)
    maxima = []
    for i in range(nodes.NodesLength()):
        node = nodes.Nodes(i)
        attrs = {node.Attributes(j).Name().decode(): node.Attributes(j) for j in range(node.AttributesLength())}
        if node.Op() == b"static_quantized_linear":
            maxima.append(attrs["input_max"].I() if "input_max" in attrs else None)
    assert maxima == [contract.QU8_HALVES_MAX_BYTE, None], maxima  # the 8-bit layer's, then the 7-bit one's
    torch.testing.assert_close(runtime.load_model(path).forward(x), native, rtol=1e-5, atol=1e-5)


def test_byte_tile_weights_are_made_once_for_every_shape(tmp_path):
    """A dynamic model prepares its ops again for each input shape: the byte tile's re-laid weights
    are made once per model and shared by every plan, not once per plan (two aligned buffers each).
    The native references carry the byte tile; the rows shrink, so no plan needs a larger arena."""
    torch.manual_seed(10)
    model = torch.nn.Sequential(torch.nn.Linear(1024, 1024), torch.nn.ReLU()).eval()
    batches = [torch.randn(64, 1024) for _ in range(2)]
    export_to_wasm(quantize_for_wasm(model, "static", calibration_data=batches, activation_bits=7), tmp_path / "d.wtm",
                   batches[0], dynamic_axes={"x": {0: "rows"}}, input_names=["x"])
    with WASMRuntime("native", reference_kernels=True) as runtime:
        assert runtime.info()["int8_dot"] == "scalar"
        live_buffers = runtime._backend.lib.wt_live_buffer_count
        m = runtime.load_model(tmp_path / "d.wtm")
        with torch.no_grad():
            torch.testing.assert_close(m.forward(batches[1]), model(batches[1]), rtol=0, atol=0.1)
        first = live_buffers()
        for rows in (48, 32, 16, 8):
            m.forward(torch.randn(rows, 1024))
        assert live_buffers() == first


def test_static_needs_nhwc_and_matching_calibration(tmp_path):
    model = _ResidualCnn().eval()
    quantized = quantize_for_wasm(model, "static", calibration_data=[torch.randn(1, 3, 8, 8)])
    with pytest.raises(QuantizationError, match="memory_layout='nhwc'"):
        export_to_wasm(quantized, tmp_path / "m.wtm", torch.randn(1, 3, 8, 8), memory_layout="nchw")
    two_inputs = quantize_for_wasm(model, "static", calibration_data=[(torch.randn(1, 3, 8, 8), torch.randn(1))])
    with pytest.raises(QuantizationError, match="calibration batch has 2 inputs, the model 1"):
        export_to_wasm(two_inputs, tmp_path / "m.wtm", torch.randn(1, 3, 8, 8))


def test_static_digits_cnn_keeps_its_held_out_accuracy(tmp_path):
    """The demo's CNN trained on scikit-learn's digits, its convolutions and linears in static INT8
    (but the first convolution, 9 multiply-adds per output) calibrated on 32 training images:
    held-out accuracy within 0.5 points of the float file's."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "digits"))
    import demo
    x_train, x_test, y_train, y_test = demo.load_data()
    model = demo.train(x_train, y_train)
    calibration = [torch.from_numpy(x_train[i:i + 1]) for i in range(32)]
    example = torch.from_numpy(x_test[:1])
    report = export_to_wasm(quantize_for_wasm(model, "static", calibration_data=calibration), tmp_path / "s.wtm",
                            example)
    export_to_wasm(model, tmp_path / "f.wtm", example)
    assert report.quantized_layers() == len(report.quantization) - 1 == 4
    assert [c.source for c in report.quantization if c.choice == "float"] == ["features.0"]
    accuracy = {}
    with WASMRuntime("native") as native:
        for kind in ("f", "s"):
            m = native.load_model(tmp_path / f"{kind}.wtm")
            accuracy[kind] = np.mean([int(m.forward(torch.from_numpy(x_test[i:i + 1])).argmax()) == y
                                      for i, y in enumerate(y_test)])
    assert accuracy["s"] >= accuracy["f"] - 0.005, accuracy


def test_static_with_target_accuracy_falls_back_like_mixed(tmp_path, monkeypatch):
    """The guide's call, quantize_for_wasm(model, "static", calibration_data=..., target_accuracy=...):
    static int8 with the layers it cannot afford in float, chosen by measurement as "mixed" does;
    the search calibrates once for all the configurations it tries."""
    from wasm_torch.quantization import calibration
    observe_once, calls = calibration.calibrate, []
    monkeypatch.setattr(calibration, "calibrate", lambda *args: calls.append(args) or observe_once(*args))
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10)).eval()
    with torch.no_grad():
        model[4].weight[:, 0] = 1000.0  # as mixed_export: layer 4's channels' scales set by one column
        model[2].bias[0] = -1e4
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(64, 32) * 4, torch.zeros(64).long()),
                                         batch_size=16)
    quantized = quantize_for_wasm(model, quantization_type="static", calibration_data=loader, target_accuracy=0.95,
                                  preserve_accuracy=False)
    report = quantized.report
    assert report.steps[0].accuracy < 0.95 and report.float_layers[0] == "4" and report.accuracy >= 0.95, str(report)
    assert len(report.steps) + len(report.sensitivity) > 2 and len(calls) == 1  # many configurations, one calibration
    exported = export_to_wasm(quantized, tmp_path / "s.wtm", torch.randn(16, 32))
    assert {c.source: c.choice for c in exported.quantization}["4"] == "float"
    assert exported.ops.get("static_quantized_linear") == 3 - len(report.float_layers), exported.ops


@pytest.mark.parametrize("kind", ["dynamic", "fp16"])
def test_quantized_linears_of_no_rows(runtime, tmp_path, kind):
    """Regression: a dynamically quantized linear over 0 rows divided by zero (its task sizes) and
    killed the process (static shares the kernel; it calibrates on the example's shape, which has no
    rows). The empty output comes back."""
    model = _mlp()
    x = torch.randn(0, 64)
    export_to_wasm(quantize_for_wasm(model, kind), tmp_path / "q.wtm", x, verify=False)
    assert runtime.load_model(tmp_path / "q.wtm").forward(x).shape == (0, 10)
