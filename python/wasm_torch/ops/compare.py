"""Comparisons -> bool; where and masked_fill (operands expanded to the output shape)."""
import numpy as np
import torch

from .. import ir
from ..symbolic import is_symbolic
from . import Unsupported, converts, operand_dtype, operands_as


def _compare(op):
    def convert(ctx, node):
        a, b = node.args[:2]
        dtype = operand_dtype(node, a, b)  # PyTorch compares in the promoted dtype
        return ctx.emit(op, operands_as(ctx, node, a, b, dtype), {}, node)
    convert.__name__ = op
    return convert


for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    converts(f"{_op}.Tensor", f"{_op}.Scalar")(_compare(_op))


def _expanded(ctx, node, t: ir.Tensor, shape, tag):
    """t broadcast to `shape`: folded into the constant when t is one (and the shape static), else
    an expand op."""
    if tuple(t.shape) == tuple(shape):
        return t
    if t.is_constant and not any(is_symbolic(d) for d in shape):
        return ctx.constant(np.ascontiguousarray(np.broadcast_to(t.data, shape)), t.name + ".expanded")
    return ctx.emit_step("expand", [t], {"shape": list(shape)}, shape, t.dtype, f"{node.name}.{tag}", node.name)


def _where(ctx, node, cond, a, b):
    shape = ctx.meta_shape(node)
    dtype = node.meta["tensor_meta"].dtype
    c = ctx.tensor(cond)
    ta, tb = operands_as(ctx, node, a, b, dtype)
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


def _float_input(ctx, node):
    x = ctx.tensor(node.args[0])
    if x.dtype != ir.DTYPE_CODES[torch.float32]:
        raise Unsupported(f"{node.target.overloadpacket.__name__} of {ir.DTYPE_NAMES[x.dtype]}")
    return x


def _scalar(ctx, node, value, tag):
    return ctx.constant(np.array(value, np.float32), f"{node.name}.{tag}")


@converts("isnan.default")
def isnan(ctx, node):
    x = _float_input(ctx, node)
    return ctx.emit("ne", [x, x], {}, node)


@converts("isinf.default")
def isinf(ctx, node):
    x = _float_input(ctx, node)
    magnitude = ctx.emit_step("abs", [x], {}, x.shape, x.dtype, node.name + ".abs", node.name)
    return ctx.emit("eq", [magnitude, _scalar(ctx, node, np.inf, "inf")], {}, node)


@converts("signbit.default")
def signbit(ctx, node):
    """x < 0, or -0.0 (whose reciprocal is -inf); NaN's sign bit is not read (False)."""
    x = _float_input(ctx, node)
    bool_code = ir.DTYPE_CODES[torch.bool]
    negative = ctx.emit_step("lt", [x, _scalar(ctx, node, 0.0, "zero")], {}, x.shape, bool_code,
                             node.name + ".negative", node.name)
    inverse = ctx.emit_step("reciprocal", [x], {}, x.shape, x.dtype, node.name + ".inverse", node.name)
    negative_zero = ctx.emit_step("eq", [inverse, _scalar(ctx, node, -np.inf, "neg_inf")], {}, x.shape, bool_code,
                                  node.name + ".negative_zero", node.name)
    return ctx.emit("bitwise_or", [negative, negative_zero], {}, node)


@converts("nan_to_num.default")
def nan_to_num(ctx, node):
    """NaN -> nan (0), +inf -> posinf (float32's largest), -inf -> neginf (its lowest)."""
    x = _float_input(ctx, node)
    args = list(node.args) + [None] * (4 - len(node.args))
    big = float(np.finfo(np.float32).max)
    fills = [node.kwargs.get("nan", args[1]), node.kwargs.get("posinf", args[2]), node.kwargs.get("neginf", args[3])]
    nan, posinf, neginf = (v if v is not None else d for v, d in zip(fills, (0.0, big, -big)))
    bool_code = ir.DTYPE_CODES[torch.bool]
    y = x
    for k, (test, fill) in enumerate((("nan", nan), (np.inf, posinf), (-np.inf, neginf))):
        mask = (ctx.emit_step("ne", [x, x], {}, x.shape, bool_code, f"{node.name}.is{k}", node.name) if test == "nan"
                else ctx.emit_step("eq", [x, _scalar(ctx, node, test, f"t{k}")], {}, x.shape, bool_code,
                                   f"{node.name}.is{k}", node.name))
        filled = ctx.full(x.shape, fill, np.float32, f"{node.name}.fill{k}", node.name)
        y = (ctx.emit("where", [mask, filled, y], {}, node) if k == 2 else
             ctx.emit_step("where", [mask, filled, y], {}, x.shape, x.dtype, f"{node.name}.step{k}", node.name))
    return y
