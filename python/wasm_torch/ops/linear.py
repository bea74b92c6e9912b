"""linear / addmm / mm / bmm. Constant weights are written as [K, N] (weight_layout "kn"), the
layout the runtime's SIMD GEMM reads directly, so no repacking at load time."""
import numpy as np

from . import Unsupported, converts


def emit_linear(ctx, node, x, weight_kn, bias, index=None):
    """Emits linear(x, W[K, N], b) for fx node `node`; weight_kn must be a constant ir.Tensor."""
    return ctx.emit("linear", [x, weight_kn, bias], {"activation": "none", "weight_layout": "kn"}, node, index=index)


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


@converts("baddbmm.default")
def baddbmm(ctx, node):
    """beta * input + alpha * (batch1 @ batch2), as matmul, mul and add (addmm too)."""
    bias, b1, b2 = (ctx.tensor(a) for a in node.args[:3])
    beta, alpha = float(node.kwargs.get("beta", 1)), float(node.kwargs.get("alpha", 1))
    shape = ctx.meta_shape(node)
    product = ctx.emit_step("matmul", [b1, b2], {}, shape, b1.dtype, node.name + ".bmm", node.name)
    if alpha != 1:
        product = ctx.emit_step("mul", [product, ctx.constant(np.float32(alpha), node.name + ".alpha")], {}, shape,
                                b1.dtype, node.name + ".scaled", node.name)
    if beta == 0:
        return product
    if beta != 1:
        bias = ctx.emit_step("mul", [bias, ctx.constant(np.float32(beta), node.name + ".beta")], {}, bias.shape,
                             bias.dtype, node.name + ".beta_input", node.name)
    return ctx.emit("add", [product, bias], {}, node)
