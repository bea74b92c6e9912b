import torch

from . import Unsupported, converts

aten = torch.ops.aten


def _binary(ctx, node, op):
    if len(node.args) > 2 or node.kwargs.get("alpha", 1) != 1:
        raise Unsupported(f"{op} with alpha != 1")
    a, b = node.args[:2]
    float_like = ctx.float_dtype_of(node)
    return ctx.emit(op, [ctx.tensor(a, dtype=float_like), ctx.tensor(b, dtype=float_like)], {}, node)


@converts("add.Tensor", "add.Scalar")
def add(ctx, node):
    return _binary(ctx, node, "add")


@converts("mul.Tensor", "mul.Scalar")
def mul(ctx, node):
    return _binary(ctx, node, "mul")
