"""Logical and bitwise ops. The runtime's bitwise_and/or/xor take int64 or bool; logical_* first
make each operand a bool (x != 0), and not is a comparison with false (or, on int64, xor with -1)."""
import numpy as np
import torch

from .. import ir
from . import Unsupported, converts, operand_dtype, operands_as

BOOL = ir.DTYPE_CODES[torch.bool]


def _as_bool(ctx, node, x, tag):
    t = ctx.tensor(x) if isinstance(x, torch.fx.Node) else ctx.tensor(bool(x), dtype=torch.bool)
    if t.dtype == BOOL:
        return t
    zero = ctx.constant(np.zeros((), ir.NUMPY_DTYPES[t.dtype]), f"{node.name}.{tag}_zero")
    return ctx.emit_step("ne", [t, zero], {}, t.shape, BOOL, f"{node.name}.{tag}_bool", node.name)


def _logical(op):
    def convert(ctx, node):
        a, b = node.args[:2]
        return ctx.emit(op, [_as_bool(ctx, node, a, "a"), _as_bool(ctx, node, b, "b")], {}, node)
    return convert


def _bitwise(op):
    def convert(ctx, node):
        a, b = node.args[:2]
        dtype = operand_dtype(node, a, b)
        if dtype not in (torch.int64, torch.bool):
            raise Unsupported(f"{op} of {dtype}")
        return ctx.emit(op, operands_as(ctx, node, a, b, dtype), {}, node)
    return convert


for _name in ("and", "or", "xor"):
    converts(f"logical_{_name}.default")(_logical(f"bitwise_{_name}"))
    converts(f"bitwise_{_name}.Tensor", f"bitwise_{_name}.Scalar")(_bitwise(f"bitwise_{_name}"))


@converts("logical_not.default")
def logical_not(ctx, node):
    x = _as_bool(ctx, node, node.args[0], "x")
    return ctx.emit("eq", [x, ctx.constant(np.zeros((), np.bool_), node.name + ".false")], {}, node)


@converts("bitwise_not.default")
def bitwise_not(ctx, node):
    x = ctx.tensor(node.args[0])
    if x.dtype == BOOL:
        return ctx.emit("eq", [x, ctx.constant(np.zeros((), np.bool_), node.name + ".false")], {}, node)
    if x.dtype != ir.DTYPE_CODES[torch.int64]:
        raise Unsupported(f"bitwise_not of {ir.DTYPE_NAMES[x.dtype]}")
    return ctx.emit("bitwise_xor", [x, ctx.constant(np.full((), -1, np.int64), node.name + ".ones")], {}, node)
