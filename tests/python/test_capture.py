"""Capture and export errors: one error listing every unsupported op; no silent fallbacks."""

import pytest
import torch
import torch.nn as nn

from wasm_torch import CaptureError, UnsupportedOpsError, export_to_wasm


class UsesUnsupportedOps(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.digamma(torch.lgamma(self.fc(x))) + torch.erfinv(x)


class UsesSinCos(UsesUnsupportedOps):
    def forward(self, x):
        return torch.cos(torch.sin(self.fc(x))) * x


class DataDependent(nn.Module):
    def forward(self, x):
        return x * 2 if x.sum() > 0 else x


def test_unsupported_ops_are_listed_together(tmp_path):
    with pytest.raises(UnsupportedOpsError) as info:
        export_to_wasm(UsesUnsupportedOps().eval(), tmp_path / "m.wtm", torch.randn(2, 4))
    names = [op for op, _, _ in info.value.ops]
    assert names == ["aten.lgamma", "aten.digamma", "aten.erfinv"], names  # digamma reads lgamma's output: still listed
    assert "at lgamma" in str(info.value)


def test_unsupported_op_errors_name_the_module_path(tmp_path):
    class Inner(nn.Module):
        def forward(self, x):
            return torch.erfinv(x)

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer3 = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), Inner()))

        def forward(self, x):
            return self.layer3(x) + torch.erfinv(x)

    with pytest.raises(UnsupportedOpsError) as info:
        export_to_wasm(Outer().eval(), tmp_path / "m.wtm", torch.randn(2, 4))
    wheres = [where for _, where, _ in info.value.ops]
    assert wheres[0].startswith("layer3.1.1 ("), wheres  # inside Outer.layer3[1][1]
    assert not wheres[1].startswith("layer3"), wheres    # the top-level atan
    assert "docs/OPERATORS.md" in str(info.value)
    assert not (tmp_path / "m.wtm").exists()


def test_data_dependent_control_flow_is_a_capture_error_naming_the_source_line(tmp_path):
    with pytest.raises(CaptureError, match="data-dependent control flow at .*test_capture.py:[0-9]+: "
                                           r"return x \* 2 if x.sum\(\) > 0 else x"):
        export_to_wasm(DataDependent().eval(), tmp_path / "m.wtm", torch.randn(3))


def test_newcomer_mistakes_get_errors_that_say_what_to_do(tmp_path):
    from wasm_torch import ExportArgumentError
    model, x, path = nn.Linear(3, 2).eval(), torch.randn(1, 3), tmp_path / "m.wtm"
    with pytest.raises(ExportArgumentError, match="got a dict .a state_dict.*load_state_dict"):
        export_to_wasm(model.state_dict(), path, x)
    with pytest.raises(ExportArgumentError, match="got a function: wrap a function in a Module"):
        export_to_wasm(lambda v: v * 2, path, x)
    with pytest.raises(ExportArgumentError, match="torch.onnx.export's order .model, args, f.; swap"):
        export_to_wasm(model, x, str(path))
    with pytest.raises(ExportArgumentError, match="float64.*cast it"):
        export_to_wasm(model.double(), path, x.double())
    assert not path.exists()


def test_keyword_inputs_and_names(tmp_path):
    from wasm_torch import WASMRuntime

    class TwoInputs(nn.Module):
        def forward(self, input_ids, attention_mask=None):
            return {"logits": input_ids.float() * attention_mask, "mask_sum": attention_mask.sum(-1)}

    ids, mask = torch.tensor([[3, 4, 5]]), torch.tensor([[1.0, 1.0, 0.0]])
    export_to_wasm(TwoInputs().eval(), tmp_path / "m.wtm", {"attention_mask": mask, "input_ids": ids})
    with WASMRuntime("native") as rt:
        m = rt.load_model(tmp_path / "m.wtm")
        assert [t["name"] for t in m.inputs] == ["input_ids", "attention_mask"]  # the forward's order
        assert [t["name"] for t in m.outputs] == ["logits", "mask_sum"]
        got = m.forward(ids, mask)
    torch.testing.assert_close(got, TwoInputs()(ids, mask))
    export_to_wasm(TwoInputs().eval(), tmp_path / "n.wtm", (ids, mask), input_names=["ids", "mask"],
                   output_names=["a", "b"])
    with WASMRuntime("native") as rt:
        m = rt.load_model(tmp_path / "n.wtm")
        assert [t["name"] for t in m.inputs] == ["ids", "mask"] and [t["name"] for t in m.outputs] == ["a", "b"]


def test_unknown_level_and_layout_are_rejected(tmp_path):
    model = nn.Linear(2, 2).eval()
    with pytest.raises(ValueError, match="optimization_level"):
        export_to_wasm(model, tmp_path / "m.wtm", torch.randn(1, 2), optimization_level="O9")
    with pytest.raises(ValueError, match="memory_layout"):
        export_to_wasm(model, tmp_path / "m.wtm", torch.randn(1, 2), memory_layout="nwhc")


def test_scalar_operands_become_constants(tmp_path):
    class Scale(nn.Module):
        def forward(self, x):
            return x * 3 + 1

    report = export_to_wasm(Scale().eval(), tmp_path / "m.wtm", torch.randn(2, 2))
    assert report.ops == {"mul": 1, "add": 1}


def test_register_custom_op_makes_an_unsupported_model_export_and_match(tmp_path):
    import math
    from wasm_torch import WASMRuntime, register_custom_op, unregister_custom_op
    model, x = UsesSinCos().eval(), torch.randn(2, 4)
    # Both map onto mul/add only, which the runtime has.
    register_custom_op("aten::sin", _taylor_sin)
    register_custom_op(torch.ops.aten.cos.default, lambda v: _taylor_sin(v + math.pi / 2))
    try:
        report = export_to_wasm(model, tmp_path / "m.wtm", x)
    finally:
        unregister_custom_op("aten::sin")
        unregister_custom_op("aten::cos")
    assert report.verification and report.verification[0].max_abs < 1e-4
    assert "sin" not in report.ops and "cos" not in report.ops, report.ops  # the decompositions replaced them
    with WASMRuntime("native") as rt, torch.no_grad():
        torch.testing.assert_close(rt.load_model(tmp_path / "m.wtm").forward(x), model(x), atol=1e-4, rtol=1e-3)
    assert {"sin", "cos"} <= set(export_to_wasm(model, tmp_path / "m2.wtm", x).ops)  # unregistered again


def _taylor_sin(v):
    """sin on [-pi, pi] from mul/add only (wrapped input is small here), to 1e-6."""
    v2 = v * v
    term, total = v, v
    for k in range(1, 9):
        term = term * v2 * (-1.0 / ((2 * k) * (2 * k + 1)))
        total = total + term
    return total


def test_verification_names_the_first_diverging_op(tmp_path, monkeypatch):
    from wasm_torch import VerificationError
    from wasm_torch.ops import CONVERTERS

    def wrong_relu(ctx, node):  # a converter bug: sigmoid instead of relu
        return ctx.emit("sigmoid", [ctx.tensor(node.args[0])], {}, node)

    monkeypatch.setitem(CONVERTERS, torch.ops.aten.relu.default, wrong_relu)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(4, 8), nn.Linear(8, 3)

        def forward(self, x):
            return self.b(torch.relu(self.a(x) * 2))

    with pytest.raises(VerificationError, match=r"first diverging op: sigmoid producing 'relu'"):
        export_to_wasm(Net().eval(), tmp_path / "m.wtm", torch.randn(2, 4), optimization_level="O0")


def test_nested_outputs_keep_their_structure(tmp_path):
    from wasm_torch import WASMRuntime

    class Nested(nn.Module):
        def forward(self, x, ids):
            return {"scaled": x * 2, "pair": (x + 1, [torch.relu(x)]), "picked": ids.to(torch.float32) * 0.5}

    x, ids = torch.randn(2, 3), torch.tensor([1, 2, 3], dtype=torch.int32)
    export_to_wasm(Nested().eval(), tmp_path / "m.wtm", (x, ids))
    expected = Nested()(x, ids)
    for engine in ("native", "node"):  # node: the JS API returns the structure, the host flattens it
        with WASMRuntime(engine) as rt:
            got = rt.load_model(tmp_path / "m.wtm").forward(x, ids)
        assert isinstance(got, dict) and list(got) == ["scaled", "pair", "picked"]
        assert isinstance(got["pair"], tuple) and isinstance(got["pair"][1], list)
        torch.testing.assert_close(got, expected)


def test_divergence_search_compares_each_output_of_multi_output_ops(tmp_path, monkeypatch):
    from wasm_torch import VerificationError
    from wasm_torch import ir
    from wasm_torch.ops import CONVERTERS

    def wrong_topk(ctx, node):  # a converter bug: smallest instead of largest
        x = ctx.tensor(node.args[0])
        k = int(node.args[1])
        shape = tuple(x.shape[:-1]) + (k,)
        values, indices = ir.Tensor(node.name, x.dtype, shape), ir.Tensor(node.name + ".indices", 2, shape)
        ctx.graph.nodes.append(ir.Node("topk", [x], [values, indices], {"k": k, "dim": -1, "largest": 0}, node.name))
        return (values, indices)

    monkeypatch.setitem(CONVERTERS, torch.ops.aten.topk.default, wrong_topk)

    class TopkThenScale(nn.Module):
        def forward(self, x):
            values, indices = x.topk(2)
            return values * 3 + indices.float()

    with pytest.raises(VerificationError, match=r"first diverging op: topk producing 'topk'"):
        export_to_wasm(TopkThenScale().eval(), tmp_path / "m.wtm", torch.randn(3, 5), optimization_level="O0")


def test_info_reads_only_header_and_flatbuffer(tmp_path):
    from wasm_torch.serialize import read_info, read_info_from_file
    export_to_wasm(nn.Linear(3, 2).eval(), tmp_path / "m.wtm", torch.randn(1, 3))
    data = (tmp_path / "m.wtm").read_bytes()
    assert read_info_from_file(tmp_path / "m.wtm") == read_info(data)
    (tmp_path / "cut.wtm").write_bytes(data[:-4])
    with pytest.raises(ValueError, match="truncated"):
        read_info_from_file(tmp_path / "cut.wtm")
