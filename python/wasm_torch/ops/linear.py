import torch

from . import Unsupported, converts

aten = torch.ops.aten


def _weight_nk(ctx, kn):
    """linear stores W as [N, K]; mm/addmm see W^T [K, N], which must be a constant."""
    w = ctx.tensor(kn)
    if not w.is_constant:
        raise Unsupported("matrix product of two activations is not implemented yet (weights must be constant)")
    return ctx.constant(w.data.T.copy(), w.name + ".T")


@converts("addmm.default")
def addmm(ctx, node):
    bias, x, w_kn = node.args[:3]
    if node.kwargs.get("beta", 1) != 1 or node.kwargs.get("alpha", 1) != 1:
        raise Unsupported("addmm with alpha or beta != 1")
    b = ctx.tensor(bias)
    if len(b.shape) != 1:
        raise Unsupported("addmm with a bias that is not a vector")
    return ctx.emit("linear", [ctx.tensor(x), _weight_nk(ctx, w_kn), b], {"activation": "none"}, node)


@converts("mm.default")
def mm(ctx, node):
    x, w_kn = node.args
    if not ctx.tensor(w_kn).is_constant:
        return ctx.emit("matmul", [ctx.tensor(x), ctx.tensor(w_kn)], {}, node)
    return ctx.emit("linear", [ctx.tensor(x), _weight_nk(ctx, w_kn), None], {"activation": "none"}, node)


@converts("bmm.default")
def bmm(ctx, node):
    return ctx.emit("matmul", [ctx.tensor(node.args[0]), ctx.tensor(node.args[1])], {}, node)


@converts("linear.default")
def linear(ctx, node):
    x, w = node.args[:2]
    bias = node.args[2] if len(node.args) > 2 else None
    inputs = [ctx.tensor(x), ctx.tensor(w), ctx.tensor(bias) if bias is not None else None]
    return ctx.emit("linear", inputs, {"activation": "none"}, node)
