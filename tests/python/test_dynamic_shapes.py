"""Dynamic shapes: one file runs every shape within the bounds torch.export proved, in each engine;
out-of-bounds shapes and shapes the model cannot take are clear errors; static files are unchanged."""
import warnings

import pytest
import torch
from hf_zoo import TEXT_AXES, build, resized
from torch.export import Dim

from wasm_torch import WASMRuntime, export_to_wasm
from wasm_torch.errors import CaptureError, ExportArgumentError, ModelRuntimeError

TOLERANCE = 1e-4


class PatchTokens(torch.nn.Module):
    """A reshape to [b * heads, n, d] built from input dims, a slice to n - 1, a buffer sliced to n
    (position ids), arange(n), a mask filled to the input's shape, and a causal SDPA."""

    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(8, 8)
        self.register_buffer("positions", torch.arange(64).float())

    def forward(self, x):
        b, n, _ = x.shape
        y = self.proj(x).view(b, n, 2, 4).transpose(1, 2)
        attended = torch.nn.functional.scaled_dot_product_attention(y, y, y, is_causal=True)
        merged = attended.transpose(1, 2).reshape(b, n, 8)
        ones = torch.ones(b, n, 1)
        return merged[:, : n - 1] * ones[:, 1:], self.positions[:n] + torch.arange(n)


def expect_close(got, expected):
    assert got.shape == expected.shape
    assert float((got - expected).abs().max()) <= TOLERANCE * max(float(expected.abs().max()), 1e-6)


@pytest.fixture(scope="module")
def patch_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("dyn") / "patch.wtm"
    model = PatchTokens().eval()
    report = export_to_wasm(model, path, torch.randn(2, 6, 8),
                            dynamic_shapes={"x": {0: Dim("batch", max=16), 1: Dim("seq", min=3, max=64)}})
    return model, path, report


def test_one_file_runs_every_shape_in_bounds(runtime, patch_file):
    model, path, _ = patch_file
    loaded = runtime.load_model(path)
    assert loaded.inputs[0]["dims"] == ["batch", "seq", 8]
    assert [o["dims"] for o in loaded.outputs] == [["batch", "seq - 1", 8], ["seq"]]
    for shape in [(1, 3, 8), (3, 17, 8), (2, 6, 8), (16, 64, 8), (1, 3, 8)]:
        x = torch.randn(*shape)
        with torch.no_grad():
            expected = model(x)
        got = loaded.forward(x)
        for g, e in zip(got, expected):
            expect_close(g, e)
        assert loaded.outputs[0]["shape"] == [shape[0], shape[1] - 1, 8]  # the last forward's
    with pytest.raises(ModelRuntimeError, match=r"dimension 1 \('seq'\) is 65, outside the exported range \[3, 64\]"):
        loaded.forward(torch.randn(1, 65, 8))
    with pytest.raises(ModelRuntimeError, match=r"expects float32\[batch, seq, 8\]"):
        loaded.forward(torch.randn(1, 5, 7))
    expect_close(loaded.forward(torch.randn(2, 5, 8))[1], model(torch.randn(2, 5, 8))[1])  # still works
    loaded.close()


def test_verification_ran_other_shapes(patch_file):
    _, _, report = patch_file
    assert [e.output for e in report.verification] == ["output_0", "output_1"]
    assert all(e.relative <= TOLERANCE for e in report.verification)


def test_static_export_has_no_symbols(tmp_path):
    export_to_wasm(PatchTokens().eval(), tmp_path / "static.wtm", torch.randn(2, 6, 8))
    with WASMRuntime("native") as rt:
        loaded = rt.load_model(tmp_path / "static.wtm")
        assert loaded.inputs[0]["dims"] == [2, 6, 8]
        with pytest.raises(ModelRuntimeError, match=r"expects float32\[2, 6, 8\], got float32\[2, 7, 8\]"):
            loaded.forward(torch.randn(2, 7, 8))


def test_dynamic_axes_names_input_names_and_shares_dims(tmp_path):
    """torch.onnx.export's form: axes named alike are one dimension; batch 1 runs although
    torch.export only proves sizes >= 2."""
    class Pair(torch.nn.Module):
        def forward(self, a, b):
            return a.softmax(-1) + b.sum(1, keepdim=True)

    a, b = torch.randn(2, 5), torch.randn(2, 3)
    export_to_wasm(Pair(), tmp_path / "pair.wtm", (a, b), input_names=["left", "right"],
                   dynamic_axes={"left": {0: "batch", 1: "n"}, "right": {0: "batch"}})
    with WASMRuntime("native") as rt:
        loaded = rt.load_model(tmp_path / "pair.wtm")
        assert [t["dims"] for t in loaded.inputs] == [["batch", "n"], ["batch", 3]]
        for rows, n in [(1, 1), (4, 9)]:
            a, b = torch.randn(rows, n), torch.randn(rows, 3)
            expect_close(loaded.forward(a, b), Pair()(a, b))
        with pytest.raises(ModelRuntimeError, match=r"input 'right' dimension 0 must be batch = 4, got 2"):
            loaded.forward(torch.randn(4, 2), torch.randn(2, 3))


def test_export_errors_say_what_to_change(tmp_path):
    class Halves(torch.nn.Module):
        def forward(self, x):
            return x[:, : x.shape[1] // 2] + x[:, x.shape[1] // 2:]

    with pytest.raises(CaptureError, match="dynamic shapes asked for do not hold"):
        export_to_wasm(Halves(), tmp_path / "h.wtm", torch.randn(2, 6), dynamic_shapes={"x": {1: Dim("n")}})
    with pytest.raises(ExportArgumentError, match="not both"):
        export_to_wasm(Halves(), tmp_path / "h.wtm", torch.randn(2, 6), dynamic_shapes={"x": {0: Dim("b")}},
                       dynamic_axes={"x": {0: "b"}})
    with pytest.raises(ExportArgumentError, match="names input 'y'"):
        export_to_wasm(Halves(), tmp_path / "h.wtm", torch.randn(2, 6), dynamic_axes={"y": {0: "b"}})


@pytest.mark.parametrize("name", ["bert", "gpt2"])
def test_transformers_run_several_sequence_lengths_from_one_file(tmp_path, name):
    model, inputs = build(name, "small")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_to_wasm(model, tmp_path / "m.wtm", inputs, dynamic_axes=TEXT_AXES, verify_tolerance=1e-3)
    with WASMRuntime("node") as rt:
        loaded = rt.load_model(tmp_path / "m.wtm")
        for batch, seq in [(1, 5), (3, 33), (2, 16), (1, 64)]:
            feed = resized(inputs, batch, seq)
            with torch.no_grad():
                expected = model(**feed)
            got = loaded.forward(*feed.values())
            assert got.shape == expected.shape
            assert float((got - expected).abs().max()) <= 1e-3 * float(expected.abs().max())


def test_cli_info_shows_dynamic_dimensions(patch_file, capsys):
    from wasm_torch.cli import main
    _, path, _ = patch_file
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "input:      x float32[batch, seq, 8]" in out
    assert "output:     output_1 float32[seq]" in out
    assert "dimension:  seq in [3, 64]" in out


def test_cli_exports_dynamic_axes(tmp_path, capsys):
    from wasm_torch.cli import main
    path = tmp_path / "r.wtm"
    assert main(["export", "torchvision.models:mobilenet_v3_small", str(path), "--input-shape", "2,3,64,64",
                 "--dynamic", "x:0=batch", "--quiet"]) == 0
    assert main(["info", str(path)]) == 0
    assert "input:      x float32[batch, 3, 64, 64]" in capsys.readouterr().out
