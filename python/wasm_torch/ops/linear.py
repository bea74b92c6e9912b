"""linear / addmm / mm / bmm. Constant weights are written as [K, N] (weight_layout "kn"), the
layout the runtime's SIMD GEMM reads directly, so no repacking at load time."""
import numpy as np

from ..contract import WEIGHT_LAYOUT_KN
from . import Unsupported, converts


def emit_linear(ctx, node, x, weight_kn, bias, index=None):
    """Emits linear(x, W[K, N], b) for fx node `node`; weight_kn must be a constant ir.Tensor."""
    return ctx.emit("linear", [x, weight_kn, bias], {"activation": "none", "weight_layout": WEIGHT_LAYOUT_KN}, node,
                    index=index)


def weight_kn_from_nk(ctx, w):
    """PyTorch's [N, K] linear weight as the [K, N] constant the runtime wants."""
    if not w.is_constant:
        raise Unsupported("linear with non-constant weights")
    return ctx.constant(np.ascontiguousarray(w.data.T), w.name + ".kn")


@converts("addmm.default")
def addmm(ctx, node):
    """A linear where it is one (constant weights, a bias vector, alpha = beta = 1), else
    beta * input + alpha * (x @ w) as baddbmm computes it."""
    bias, x, w_kn = node.args[:3]
    b, w = ctx.tensor(bias), ctx.tensor(w_kn)
    plain = node.kwargs.get("beta", 1) == 1 and node.kwargs.get("alpha", 1) == 1
    if plain and w.is_constant and len(b.shape) == 1 and b.shape[0] == w.shape[1] and b.dtype == w.dtype:
        return emit_linear(ctx, node, ctx.tensor(x), w, b)
    return baddbmm(ctx, node)


@converts("mm.default")
def mm(ctx, node):
    x, w_kn = node.args
    w = ctx.tensor(w_kn)
    if not w.is_constant:
        return ctx.emit("matmul", [ctx.tensor(x), w], {}, node)
    return emit_linear(ctx, node, ctx.tensor(x), w, None)


@converts("bmm.default")
def bmm(ctx, node):
    return ctx.emit("matmul", [ctx.tensor(node.args[0]), ctx.tensor(node.args[1])], {}, node)


@converts("linear.default")
def linear(ctx, node):
    x, w = node.args[:2]
    bias = node.args[2] if len(node.args) > 2 else None
    return emit_linear(ctx, node, ctx.tensor(x), weight_kn_from_nk(ctx, ctx.tensor(w)),
                       ctx.tensor(bias) if bias is not None else None)


@converts("baddbmm.default", "addmv.default", "addbmm.default")
def baddbmm(ctx, node):
    """beta * input + alpha * product, as matmul, mul and add: product = batch1 @ batch2 (baddbmm,
    addmm), mat @ vec (addmv: vec as a [K, 1] matrix), or the sum over the batch of batch1 @ batch2
    (addbmm)."""
    bias, b1, b2 = (ctx.tensor(a) for a in node.args[:3])
    beta, alpha = float(node.kwargs.get("beta", 1)), float(node.kwargs.get("alpha", 1))
    shape = ctx.meta_shape(node)
    kind = node.target.overloadpacket.__name__

    def step(op, inputs, attrs, out_shape, tag):
        return ctx.emit_step(op, inputs, attrs, out_shape, b1.dtype, f"{node.name}.{tag}", node.name)

    if kind == "addmv":
        column = step("reshape", [b2], {"shape": [b2.shape[0], 1]}, (b2.shape[0], 1), "column")
        product = step("matmul", [b1, column], {}, (b1.shape[0], 1), "mm")
        product = step("reshape", [product], {"shape": list(shape)}, shape, "mv")
    elif kind == "addbmm":
        batched = (b1.shape[0], b1.shape[1], b2.shape[2])
        product = step("matmul", [b1, b2], {}, batched, "bmm")
        product = step("sum", [product], {"dims": [0], "keepdim": 0}, shape, "sum")
    else:
        product = step("matmul", [b1, b2], {}, shape, "bmm")
    if alpha != 1:
        product = step("mul", [product, ctx.constant(np.float32(alpha), node.name + ".alpha")], {}, shape, "scaled")
    if beta == 0:  # PyTorch ignores input (even NaN) when beta is 0
        return ctx.emit("reshape", [product], {"shape": list(shape)}, node)
    if beta != 1:
        bias = step("mul", [bias, ctx.constant(np.float32(beta), node.name + ".beta")], {}, bias.shape, "beta_input")
    return ctx.emit("add", [product, bias], {}, node)
