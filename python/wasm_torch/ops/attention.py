"""Attention as the runtime's fused `attention` op: torch's scaled_dot_product_attention (what
nn.MultiheadAttention and Hugging Face models call), and the fused multi-head attention of
nn.MultiheadAttention's inference fast path (q/k/v projections, attention over their [B, L, H, D]
views, output projection)."""
import math

import numpy as np

from .. import ir
from ..contract import WEIGHT_LAYOUT_KN
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
        y = step("linear", [x, wt, bt], {"activation": "none", "weight_layout": WEIGHT_LAYOUT_KN},
                 (batch, rows, embed_dim))
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
        neg = ctx.full(mask.shape, -np.inf, np.float32, mask.name + ".neg_inf", mask.name)
        zero = ctx.full(mask.shape, 0.0, np.float32, mask.name + ".zero", mask.name)
        mask = step("where", [mask, neg, zero], {}, mask.shape)
    return step("reshape", [mask], {"shape": list(shape)}, shape)


class _Steps:
    """Emits numbered intermediate ops of one decomposition."""

    def __init__(self, ctx, name):
        self.ctx, self.name, self.count = ctx, name, 0

    def __call__(self, op, inputs, attrs, shape):
        self.count += 1
        return self.ctx.emit_step(op, inputs, attrs, shape, F32, f"{self.name}.{self.count}", self.name)


@converts("scaled_dot_product_attention.default")
def scaled_dot_product_attention(ctx, node):
    """q [..., L, D], k [..., S, D], v [..., S, Dv] with up to two leading dims (batch, heads); a
    boolean attn_mask is True where attention is allowed (the opposite of nn.MultiheadAttention's)."""
    args = list(node.args) + [None] * (6 - len(node.args))
    q, k, v = (ctx.tensor(a) for a in args[:3])
    mask = node.kwargs.get("attn_mask", args[3])
    dropout = node.kwargs.get("dropout_p", args[4] or 0.0)
    causal = node.kwargs.get("is_causal", args[5] or False)
    if node.kwargs.get("enable_gqa", False) and k.shape[-3:-2] != q.shape[-3:-2]:
        raise Unsupported("grouped-query attention (enable_gqa with fewer key heads)")
    if dropout:
        raise Unsupported("attention dropout in an inference graph (dropout_p > 0)")
    if not (2 <= len(q.shape) <= 4) or len(k.shape) != len(q.shape) or len(v.shape) != len(q.shape):
        raise Unsupported(f"attention over rank-{len(q.shape)} q/k/v (2 to 4 supported, all the same rank)")
    if q.shape[:-2] != k.shape[:-2] or k.shape[:-2] != v.shape[:-2]:
        raise Unsupported("attention whose q, k and v differ in batch or head dims")
    head_dim, src_len = q.shape[-1], k.shape[-2]
    scale = node.kwargs.get("scale") or 1.0 / math.sqrt(head_dim)
    step = _Steps(ctx, node.name)
    lead = (1,) * (4 - len(q.shape))

    def as4d(t):
        shape = lead + tuple(t.shape)
        return t if len(t.shape) == 4 else step("reshape", [t], {"shape": list(shape)}, shape)

    inputs = [as4d(q), as4d(k), as4d(v)]
    if mask is not None:
        inputs.append(_sdpa_bias(ctx, step, ctx.tensor(mask), inputs[0].shape, src_len))
    out_shape = tuple(inputs[0].shape[:3]) + (v.shape[-1],)
    attrs = {"layout": "bhld", "scale": float(scale), "causal": int(bool(causal))}
    context = step("attention", inputs, attrs, out_shape)
    meta_shape = ctx.meta_shape(node)
    return ctx.emit("reshape", [context], {"shape": list(meta_shape)}, node)


def _sdpa_bias(ctx, step, mask, q_shape, src_len):
    """attn_mask as an additive float bias of rank 4, [B|1, H|1, L|1, S]."""
    shape = (1,) * (4 - len(mask.shape)) + tuple(mask.shape)
    if len(shape) != 4 or shape[3] != src_len or any(m not in (1, q) for m, q in zip(shape[:3], q_shape[:3])):
        raise Unsupported(f"attention mask of shape {list(mask.shape)} for scores {list(q_shape[:3]) + [src_len]}")
    is_bool = mask.dtype == ir.DTYPE_CODES[__import__("torch").bool]
    if mask.is_constant:
        data = np.where(mask.data, 0.0, -np.inf) if is_bool else mask.data
        return ctx.constant(np.ascontiguousarray(data.reshape(shape), dtype=np.float32), mask.name + ".bias")
    if is_bool:
        zero = ctx.full(mask.shape, 0.0, np.float32, mask.name + ".zero", mask.name)  # where takes equal shapes
        neg = ctx.full(mask.shape, -np.inf, np.float32, mask.name + ".neg_inf", mask.name)
        mask = step("where", [mask, zero, neg], {}, tuple(mask.shape))
    return mask if len(mask.shape) == 4 else step("reshape", [mask], {"shape": list(shape)}, shape)
