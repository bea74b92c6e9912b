"""Every op on inputs that are views (transposed, permuted, strided slices, expanded), on every engine:
the IR materializes each view op (permute/slice/expand are copies, a reshape is a view of contiguous
data only), so no kernel may read a view's bytes as if they were contiguous. Regression: torch 1.13
exports of linear(x.transpose(1, 2)) were 150% of the output's scale off."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from wasm_torch import export_to_wasm

VIEWS = {
    "transpose": (lambda x: x.transpose(1, 2), (2, 12, 8)),
    "permute": (lambda x: x.permute(2, 0, 1), (8, 12, 2)),
    "strided_slice": (lambda x: x[:, ::2, 1:], (2, 16, 13)),
    "expand": (lambda x: x.expand(2, 8, 12), (1, 8, 12)),
    # two rows interleaved (a channel shuffle of two groups): the runtime's zip kernel
    "pair_interleave": (lambda x: x.reshape(2, 2, 48).transpose(1, 2).reshape(2, 8, 12), (2, 8, 12)),
}

OPS = {  # op over a [2, 8, 12]-shaped view (12 features)
    "linear": lambda m, v: m.fc(v),
    "matmul": lambda m, v: v @ m.fc.weight.T,
    "bmm": lambda m, v: torch.bmm(v, v.transpose(1, 2)),
    "softmax": lambda m, v: v.softmax(-1),
    "layer_norm": lambda m, v: m.ln(v),
    "add_mul": lambda m, v: v * 2 + v.flip(0),
    "sum": lambda m, v: v.sum(1),
    "gelu": lambda m, v: F.gelu(v),
    "conv1d": lambda m, v: m.conv(v.transpose(1, 2)),
    "attention": lambda m, v: F.scaled_dot_product_attention(v, v, v),
    "cumsum": lambda m, v: v.cumsum(1),
}


class OnView(nn.Module):
    def __init__(self, view, op):
        super().__init__()
        self.view, self.op = view, op
        self.fc, self.ln, self.conv = nn.Linear(12, 5), nn.LayerNorm(12), nn.Conv1d(12, 4, 3)

    def forward(self, x):
        return self.op(self, self.view(x))


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("op", list(OPS))
def test_op_on_a_view_matches_eager(runtime, tmp_model, op, view):
    make_view, shape = VIEWS[view]
    torch.manual_seed(0)
    model, x = OnView(make_view, OPS[op]).eval(), torch.randn(*shape)
    export_to_wasm(model, tmp_model, x, verify=False)
    with torch.no_grad():
        expected = model(x)
    got = runtime.load_model(tmp_model).forward(x)
    assert got.shape == expected.shape
    assert float((got - expected).abs().max()) <= 1e-5 * float(expected.abs().max()), (op, view)


@pytest.mark.parametrize("shape", [(3, 2, 0), (3, 3, 0), (3, 0, 2), (0, 2, 5)])
def test_transposes_of_empty_tensors(runtime, tmp_model, shape):
    """Regression: a transpose of two rows of none (the zip kernel's shape, split by its row length)
    divided by zero and killed the process."""
    x = torch.randn(*shape)
    model = OnView(lambda v: v.transpose(1, 2), lambda m, v: v * 2).eval()
    export_to_wasm(model, tmp_model, x, verify=False)
    assert runtime.load_model(tmp_model).forward(x).shape == (shape[0], shape[2], shape[1])
