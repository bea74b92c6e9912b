"""Comparisons -> bool; where and masked_fill (operands expanded to the output shape)."""
import numpy as np
import torch

from .. import ir
from . import Unsupported, as_dtype, converts, operand_dtype


def _compare(op):
    def convert(ctx, node):
        a, b = node.args[:2]
        dtype = operand_dtype(node, a, b)  # PyTorch compares in the promoted dtype
        operands = [as_dtype(ctx, node, ctx.tensor(x) if isinstance(x, torch.fx.Node) else x, dtype, tag)
                    for x, tag in ((a, "a"), (b, "b"))]
        return ctx.emit(op, operands, {}, node)
    convert.__name__ = op
    return convert


for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    converts(f"{_op}.Tensor", f"{_op}.Scalar")(_compare(_op))


def _expanded(ctx, node, t: ir.Tensor, shape, tag):
    """t broadcast to `shape`: folded into the constant when t is one, else an expand op."""
    if tuple(t.shape) == tuple(shape):
        return t
    if t.is_constant:
        return ctx.constant(np.ascontiguousarray(np.broadcast_to(t.data, shape)), t.name + ".expanded")
    return ctx.emit_step("expand", [t], {"shape": list(shape)}, shape, t.dtype, f"{node.name}.{tag}", node.name)


def _where(ctx, node, cond, a, b):
    shape = ctx.meta_shape(node)
    dtype = node.meta["tensor_meta"].dtype
    c = ctx.tensor(cond)
    ta, tb = (as_dtype(ctx, node, ctx.tensor(x) if isinstance(x, torch.fx.Node) else x, dtype, tag)
              for x, tag in ((a, "a"), (b, "b")))
    if c.dtype != ir.DTYPE_CODES[torch.bool]:
        raise Unsupported("where with a non-bool condition")
    inputs = [_expanded(ctx, node, t, shape, tag) for t, tag in ((c, "cond"), (ta, "a"), (tb, "b"))]
    return ctx.emit("where", inputs, {}, node)


@converts("where.self")
def where(ctx, node):
    return _where(ctx, node, *node.args[:3])


@converts("masked_fill.Scalar", "masked_fill.Tensor")
def masked_fill(ctx, node):
    x, mask, value = node.args[:3]
    return _where(ctx, node, mask, value, x)
