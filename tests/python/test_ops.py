"""Op-level end-to-end checks: small modules exported and run on the native runtime against eager,
over odd shapes, broadcasting, negative dims and edge cases. (Engines are covered elsewhere; the
C++ is the same in every build.)"""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from wasm_torch import WASMRuntime, export_to_wasm


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


torch.manual_seed(0)  # the case tables below draw their inputs at import time


def r(*shape):
    return torch.randn(*shape)


CASES = {
    # unary
    "relu6": (lambda x: F.relu6(x * 4), [r(2, 3, 5)]),
    "hardtanh": (lambda x: F.hardtanh(x * 3, -0.5, 2.0), [r(7)]),
    "clamp_min": (lambda x: torch.clamp(x, min=-0.3), [r(3, 4)]),
    "sigmoid_tanh": (lambda x: torch.sigmoid(x) + torch.tanh(x), [r(2, 9)]),
    "silu_mish": (lambda x: F.silu(x) * F.mish(x), [r(4, 5)]),
    "hardswish_hardsigmoid": (lambda x: F.hardswish(x * 4) - F.hardsigmoid(x * 4), [r(33)]),
    "gelu_both": (lambda x: F.gelu(x) + F.gelu(x, approximate="tanh"), [r(3, 17)]),
    "elu_leaky_softplus": (lambda x: F.elu(x, 0.7) + F.leaky_relu(x, 0.2) + F.softplus(x, beta=2.0, threshold=5.0), [r(40)]),
    "exp_log_sqrt": (lambda x: torch.exp(x) + torch.log(x.abs() + 1) + torch.sqrt(x.abs()) + torch.rsqrt(x.abs() + 1), [r(6, 6)]),
    "neg_abs_erf": (lambda x: -x + torch.abs(x) * torch.erf(x), [r(5)]),
    # binary with broadcasting, scalars, non-commutative ops with a broadcast left operand
    "sub_div_broadcast": (lambda a, b: (a - b) / (b.abs() + 1) - (1 - a) / 2, [r(1, 3, 1), r(2, 1, 4)]),
    "max_min": (lambda a, b: torch.maximum(a, b) + torch.minimum(a, b * 2), [r(3, 4), r(4)]),
    "rsub_scalar": (lambda a: 1.0 - a, [r(2, 2)]),
    # reductions
    "mean_keepdim": (lambda x: x.mean(dim=(-1, 1), keepdim=True), [r(2, 3, 4, 5)]),
    "sum_amax_amin": (lambda x: x.sum(0) + x.amax(1, keepdim=True) + x.amin(-1, keepdim=True), [r(3, 5)]),
    "var_std": (lambda x: x.var(1) + x.std(dim=-1, unbiased=False), [r(4, 6)]),
    "sum_all": (lambda x: x.sum() + x.mean(), [r(3, 3)]),
    # views and shapes
    "permute_transpose": (lambda x: x.permute(2, 0, 1).transpose(0, 2).contiguous() * 1, [r(2, 3, 5)]),
    "expand": (lambda x: x.expand(3, 4, 5) + 0, [r(4, 1)]),
    "slice_step_negative": (lambda x: x[:, 1:-1:2] * 2 + x[:, -4:] + x[:, -100:4], [r(2, 9)]),
    "select_unbind": (lambda x: x[1] + x.select(0, -1) + sum(x.unbind(0)), [r(3, 4)]),
    "split_chunk": (lambda x: torch.cat([c * (i + 1) for i, c in enumerate(x.split(2, dim=1))] + list(x.chunk(2, dim=1)), dim=1), [r(4, 5)]),
    "cat_stack": (lambda a, b: torch.cat([a, b, a], dim=-1) + 0, [r(2, 3), r(2, 4)]),
    "squeeze_unsqueeze_flatten": (lambda x: x.unsqueeze(0).squeeze(2).flatten(1) * 2, [r(3, 1, 4)]),
    # matmul family
    "matmul_broadcast": (lambda a, b: a @ b, [r(2, 3, 4, 5), r(3, 5, 6)]),
    "bmm": (lambda a, b: torch.bmm(a, b), [r(3, 2, 7), r(3, 7, 1)]),
    "mm_activations": (lambda a, b: torch.mm(a, b.t()), [r(4, 3), r(5, 3)]),
    # normalization, casts
    "layer_norm_2d": (nn.LayerNorm([3, 4]), [r(2, 3, 4)]),
    "layer_norm_no_affine": (nn.LayerNorm(6, elementwise_affine=False), [r(5, 6)]),
    "cast_roundtrip": (lambda x: (x * 3).to(torch.int64).to(torch.float32) + x.to(torch.bool).float(), [r(10)]),
    # decomposed normalizations and layout ops
    "group_norm": (nn.GroupNorm(4, 8), [r(2, 8, 3, 5)]),
    "group_norm_no_affine": (nn.GroupNorm(2, 6, affine=False), [r(1, 6, 7)]),
    "instance_norm": (nn.InstanceNorm2d(5, affine=True), [r(2, 5, 4, 6)]),
    "batch_norm_batch_stats": (nn.BatchNorm1d(3, track_running_stats=False), [r(4, 3, 5)]),
    "pixel_shuffle": (nn.PixelShuffle(2), [r(1, 12, 3, 5)]),
    "constant_pad": (lambda x: F.pad(x, (1, 2, 0, 3), value=0.5) + 0, [r(2, 3, 4, 5)]),
    "constant_pad_negative": (lambda x: F.pad(x, (-1, 2, 2, -2)), [r(1, 2, 6, 5)]),
    # resize
    "interpolate_nearest": (lambda x: F.interpolate(x, size=(9, 4)) + F.interpolate(x, scale_factor=(1.7, 0.6))[..., :1, :1], [r(2, 3, 5, 7)]),
    "interpolate_bilinear": (lambda x: F.interpolate(x, size=(11, 13), mode="bilinear", align_corners=False)
                             + F.interpolate(x, size=(11, 13), mode="bilinear", align_corners=True), [r(1, 2, 5, 7)]),
    "upsample_scale": (nn.Upsample(scale_factor=1.5, mode="bilinear"), [r(1, 3, 4, 6)]),
    # embedding, attention
    "embedding": (nn.Embedding(11, 4), [torch.tensor([[0, 10, 3], [3, 3, 1]])]),
    "multihead_attention": (lambda x, m=nn.MultiheadAttention(16, 4, batch_first=True).eval(): m(x, x, x, need_weights=False)[0],
                            [r(2, 5, 16)]),
}


@pytest.fixture(scope="module")
def native():
    with WASMRuntime("native") as rt:
        yield rt




def test_embedding_index_out_of_range_is_a_forward_error(native, tmp_path):
    from wasm_torch import ModelRuntimeError
    model = nn.Embedding(5, 3).eval()
    ids = torch.tensor([1, 2])
    export_to_wasm(model, tmp_path / "m.wtm", ids, verify=False)
    m = native.load_model(tmp_path / "m.wtm")
    with pytest.raises(ModelRuntimeError, match="index 7 is out of range for 5 embeddings"):
        m.forward(torch.tensor([1, 7]))
    torch.testing.assert_close(m.forward(ids), model(ids))


CASES.update({
    "conv1d": (nn.Conv1d(4, 6, 3, padding=1), [r(2, 4, 11)]),
    "conv1d_strided_grouped_dilated": (nn.Conv1d(4, 8, 5, stride=2, padding=3, dilation=2, groups=2), [r(1, 4, 20)]),
    "conv2d_gemm_paths": (nn.Sequential(nn.Conv2d(3, 9, 3, padding=1), nn.Conv2d(9, 13, 1), nn.Conv2d(13, 13, 3, groups=13),
                                        nn.Conv2d(13, 6, 2, stride=2, groups=1)), [r(2, 3, 9, 11)]),
    "conv_transpose2d": (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1), [r(2, 4, 5, 6)]),
    "conv_transpose2d_grouped_dilated": (nn.ConvTranspose2d(4, 6, (3, 2), stride=(1, 3), padding=(2, 0), dilation=2,
                                                            groups=2, bias=False), [r(1, 4, 7, 5)]),
    "conv_transpose1d": (nn.ConvTranspose1d(3, 5, 4, stride=2, padding=1), [r(1, 3, 9)]),
    "lstm_bidirectional_2_layers": (nn.LSTM(8, 16, num_layers=2, bidirectional=True, batch_first=True), [r(2, 7, 8)]),
    "gru": (nn.GRU(8, 16, num_layers=2, batch_first=False), [r(6, 3, 8)]),
    "conv_padding_modes": (nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"),
                                         nn.Conv2d(4, 4, 3, padding=2, padding_mode="replicate"),
                                         nn.Conv2d(4, 2, 3, padding=1, padding_mode="circular"),
                                         nn.Conv2d(2, 2, 3, padding="same")), [r(1, 3, 6, 7)]),
    "conv1d_reflect": (nn.Conv1d(3, 4, 5, padding=2, padding_mode="reflect"), [r(2, 3, 9)]),
    "pad_modes": (lambda x: F.pad(x, (2, 1, 1, 3), mode="reflect") + F.pad(x, (2, 1, 1, 3), mode="replicate"), [r(1, 2, 5, 6)]),
    "adaptive_max_pool": (nn.Sequential(nn.AdaptiveMaxPool2d((3, 2)), nn.Flatten(), nn.Linear(6 * 2, 3)), [r(2, 2, 7, 5)]),
    "flip": (lambda x: x.flip(0, -1) + x.flip([1]), [r(3, 4, 5)]),
    "mha_with_masks": (lambda x, pad, m=nn.MultiheadAttention(16, 4, batch_first=True).eval():
                       m(x, x, x, attn_mask=torch.ones(5, 5).triu(1).bool(), need_weights=False)[0]
                       + m(x, x, x, key_padding_mask=pad, need_weights=False)[0],
                       [r(2, 5, 16), torch.tensor([[False] * 5, [False, False, False, True, True]])]),
    "baddbmm": (lambda b, x, y: torch.baddbmm(b, x, y, beta=0.5, alpha=2.0), [r(3, 2, 4), r(3, 2, 5), r(3, 5, 4)]),
    "linear_gemm_tiles": (nn.Sequential(nn.Linear(13, 24), nn.ReLU(), nn.Linear(24, 9)), [r(2, 5, 13)]),
})


CASES.update({
    "compare_float_broadcast": (lambda a, b: ((a > b).float() + (a <= 0.1).float() + (b == b).float()
                                              + (a != a * 2).float()), [r(3, 4), r(4)]),
    "compare_int64": (lambda ids: (ids == 0).float() + (ids >= 5).float() - (3 < ids).float(),
                      [torch.tensor([[0, 3, 7, 5], [9, 0, 1, 4]])]),
    "where_broadcast": (lambda a, b: torch.where(a > 0, a, b * 2), [r(2, 3, 4), r(3, 1)]),
    "masked_fill_causal": (lambda x: x.masked_fill(torch.ones(5, 5).triu(1).bool(), float("-inf")).softmax(-1),
                           [r(2, 5, 5)]),
    "masked_fill_from_input_mask": (lambda x, m: x.masked_fill(m[:, None, :] == 0, -1e4), [r(2, 3, 4),
                                    torch.tensor([[1, 1, 0, 0], [1, 1, 1, 0]])]),
    "bool_input": (lambda x, m: torch.where(m, x, -x), [r(6), torch.tensor([True, False, True, True, False, False])]),
})


CASES.update({
    "gather": (lambda x, i: torch.gather(x, 1, i), [r(2, 5, 3), torch.tensor([[[0, 4, 1], [3, 3, 3]], [[-1, 0, 2], [1, 1, 4]]]).clamp(0)]),
    "index_select": (lambda x: torch.index_select(x, 1, torch.tensor([4, 0, 2, 2])) * 1, [r(3, 5, 2)]),
    "argmax_argmin": (lambda x: (x.argmax(1), x.argmin(-1, keepdim=True), x.argmax()), [r(4, 6)]),
    "max_min_dim": (lambda x: (x.max(1)[0], x.max(1)[1], x.min(0, keepdim=True)[0]), [r(3, 7)]),
    "topk": (lambda x: x.topk(3, dim=1), [r(2, 8, 3)]),
    "topk_smallest": (lambda x: x.topk(2, largest=False), [r(4, 5)]),
    "cumsum": (lambda x: x.cumsum(1) + x.cumsum(-1), [r(3, 4, 5)]),
})


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("name", list(CASES))
def test_op_matches_eager(native, tmp_path, name, layout):
    fn, inputs = CASES[name]
    model = (fn if isinstance(fn, nn.Module) else Fn(fn)).eval()
    export_to_wasm(model, tmp_path / "m.wtm", tuple(inputs), memory_layout=layout, verify=False)
    with torch.no_grad():
        expected = model(*inputs)
    flat = lambda out: tuple(torch.utils._pytree.tree_flatten(out)[0])  # noqa: E731
    got = native.load_model(tmp_path / "m.wtm").forward(*inputs)
    torch.testing.assert_close(flat(got), flat(expected), rtol=1e-4, atol=1e-5)


def test_gather_index_out_of_range_is_a_forward_error(native, tmp_path):
    from wasm_torch import ModelRuntimeError
    model = Fn(lambda x, i: torch.gather(x, 1, i)).eval()
    x, i = r(2, 3), torch.tensor([[0, 2], [1, 1]])
    export_to_wasm(model, tmp_path / "m.wtm", (x, i), verify=False)
    m = native.load_model(tmp_path / "m.wtm")
    with pytest.raises(ModelRuntimeError, match="index 3 is out of range for a dimension of size 3"):
        m.forward(x, torch.tensor([[0, 3], [1, 1]]))
    torch.testing.assert_close(m.forward(x, i), model(x, i))
