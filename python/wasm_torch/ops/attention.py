"""torch 1.13's fused multi-head attention (nn.MultiheadAttention's inference fast path), as
runtime ops: q/k/v projections, the attention op over their [B, L, H, D] views, output projection."""
import math

import numpy as np

from .. import ir
from . import Unsupported, converts
from .linear import emit_linear, weight_kn_from_nk

F32 = ir.DTYPE_CODES[__import__("torch").float32]


@converts("_native_multi_head_attention.default")
def native_multi_head_attention(ctx, node):
    args = list(node.args) + [None] * (13 - len(node.args))
    query, key, value, embed_dim, heads, qkv_w, qkv_b, proj_w, proj_b, mask = args[:10]
    need_weights = node.kwargs.get("need_weights", args[10] if args[10] is not None else True)
    mask_type = args[12] if args[12] is not None else node.kwargs.get("mask_type")
    q_in, k_in, v_in = ctx.tensor(query), ctx.tensor(key), ctx.tensor(value)
    w, b = ctx.tensor(qkv_w), ctx.tensor(qkv_b)
    if not (w.is_constant and b.is_constant):
        raise Unsupported("attention projection weights must be constant")
    batch, length, _ = q_in.shape
    src_len = k_in.shape[1]
    head_dim = embed_dim // heads
    step = _Steps(ctx, node.name)

    def project(x, part, rows):
        # q is pre-scaled by 1/sqrt(head_dim) through its weights: the attention op's scale is 1.
        scale = 1.0 / math.sqrt(head_dim) if part == 0 else 1.0
        wt = ctx.constant(np.ascontiguousarray(w.data[part * embed_dim:(part + 1) * embed_dim].T * scale), f"{node.name}.w{part}")
        bt = ctx.constant(np.ascontiguousarray(b.data[part * embed_dim:(part + 1) * embed_dim] * scale), f"{node.name}.b{part}")
        y = step("linear", [x, wt, bt], {"activation": "none", "weight_layout": "kn"}, (batch, rows, embed_dim))
        return step("reshape", [y], {"shape": [batch, rows, heads, head_dim]}, (batch, rows, heads, head_dim))

    # [B, L, H, D] as the projections make them ("blhd"): no permutes on either side.
    inputs = [project(q_in, 0, length), project(k_in, 1, src_len), project(v_in, 2, src_len)]
    if mask is not None:
        inputs.append(_additive_mask(ctx, step, ctx.tensor(mask), mask_type, batch, length, src_len))
    context = step("attention", inputs, {"layout": "blhd"}, (batch, length, heads, head_dim))
    context = step("reshape", [context], {"shape": [batch, length, embed_dim]}, (batch, length, embed_dim))
    out = emit_linear(ctx, node, context, weight_kn_from_nk(ctx, ctx.tensor(proj_w)), ctx.tensor(proj_b), index=0)
    weights = ctx.unavailable("attention weights (need_weights=True)") if need_weights else ctx.unavailable("attention weights")
    return (out, weights)


def _additive_mask(ctx, step, mask, mask_type, batch, length, src_len):
    """The mask as a float bias that broadcasts onto scores [B, H, L, S]: True (masked) -> -inf.
    mask_type 1 is a key-padding mask [B, S]; otherwise an attention mask [L, S] (or [B*H, L, S] not supported)."""
    shape = (batch, 1, 1, src_len) if mask_type == 1 else (1, 1, length, src_len)
    if int(np.prod(mask.shape)) != int(np.prod(shape)):
        raise Unsupported(f"attention mask of shape {list(mask.shape)} (per-head masks are not supported)")
    is_bool = mask.dtype == ir.DTYPE_CODES[__import__("torch").bool]
    if mask.is_constant:
        data = np.where(mask.data, -np.inf, 0.0) if is_bool else mask.data
        return ctx.constant(np.ascontiguousarray(data.reshape(shape), dtype=np.float32), mask.name + ".bias")
    if is_bool:
        neg = ctx.constant(np.full(mask.shape, -np.inf, np.float32), mask.name + ".neg_inf")
        zero = ctx.constant(np.zeros(mask.shape, np.float32), mask.name + ".zero")
        mask = step("where", [mask, neg, zero], {}, mask.shape)
    return step("reshape", [mask], {"shape": list(shape)}, shape)


class _Steps:
    """Emits numbered intermediate ops of one decomposition."""

    def __init__(self, ctx, name):
        self.ctx, self.name, self.count = ctx, name, 0

    def __call__(self, op, inputs, attrs, shape):
        self.count += 1
        return self.ctx.emit_step(op, inputs, attrs, shape, F32, f"{self.name}.{self.count}", self.name)
