"""Elementwise binary ops with broadcasting and PyTorch's type promotion: operands are cast to the
dtype PyTorch computes in (torch.result_type), Python scalars become constant tensors."""
import torch

from .. import ir
from . import Unsupported, converts, operands_as


def _binary(op, swap=False, floating=False):
    """floating: the op computes in floating point whatever its operands (true division, pow, atan2)."""
    def convert(ctx, node):
        alpha = node.kwargs.get("alpha", node.args[2] if len(node.args) > 2 else 1)
        a, b = node.args[:2]
        if swap:  # rsub(a, b) = b - a
            a, b = b, a
        dtype = node.meta["tensor_meta"].dtype
        if floating and not dtype.is_floating_point:
            raise Unsupported(f"{op} computing in {dtype}")
        if alpha != 1:  # add/sub(a, b, alpha) = a +- alpha * b
            b = ctx.emit_step("mul", operands_as(ctx, node, b, alpha, dtype), {}, _shape_of(ctx, b), _code(dtype),
                              node.name + ".alpha", node.name)
        # On bools PyTorch's add is or and mul is and.
        runtime_op = {"add": "bitwise_or", "mul": "bitwise_and"}.get(op, op) if dtype == torch.bool else op
        return ctx.emit(runtime_op, operands_as(ctx, node, a, b, dtype), {}, node)
    convert.__name__ = op
    return convert


def _code(dtype):
    return ir.DTYPE_CODES[dtype]


def _shape_of(ctx, x):
    return tuple(ctx.tensor(x).shape) if isinstance(x, torch.fx.Node) else ()


def _div(ctx, node):
    mode = node.kwargs.get("rounding_mode", node.args[2] if len(node.args) > 2 else None)
    if mode is None:
        return _binary("div", floating=True)(ctx, node)
    a, b = node.args[:2]
    dtype = node.meta["tensor_meta"].dtype
    if mode == "floor":
        return ctx.emit("floor_divide", operands_as(ctx, node, a, b, dtype), {}, node)
    if not dtype.is_floating_point:
        raise Unsupported("div with rounding_mode='trunc' on integers")
    shape = ctx.meta_shape(node)
    quotient = ctx.emit_step("div", operands_as(ctx, node, a, b, dtype), {}, shape, _code(dtype), node.name + ".div",
                             node.name)
    return ctx.emit("trunc", [quotient], {}, node)


_TABLE = {
    "add": ["add.Tensor", "add.Scalar"],
    "sub": ["sub.Tensor", "sub.Scalar"],
    "mul": ["mul.Tensor", "mul.Scalar"],
    "maximum": ["maximum.default"],
    "minimum": ["minimum.default"],
    "remainder": ["remainder.Tensor", "remainder.Scalar"],
    "floor_divide": ["floor_divide.default", "floor_divide.Scalar"],
    "fmod": ["fmod.Tensor", "fmod.Scalar"],
}
_FLOATING = {
    "pow": ["pow.Tensor_Tensor", "pow.Tensor_Scalar", "pow.Scalar"],
    "atan2": ["atan2.default"],
}

for _op, _overloads in _TABLE.items():
    converts(*_overloads)(_binary(_op))
for _op, _overloads in _FLOATING.items():
    converts(*_overloads)(_binary(_op, floating=True))
converts("rsub.Tensor", "rsub.Scalar")(_binary("sub", swap=True))
converts("div.Tensor", "div.Scalar", "div.Tensor_mode", "div.Scalar_mode")(_div)

# Runtime ops of two broadcast operands that act on each element alone.
BINARY_OPS = frozenset(_TABLE) | frozenset(_FLOATING) | {"div"}


@converts("fmax.default", "fmin.default")
def fmax_fmin(ctx, node):
    """fmax/fmin ignore a NaN operand (maximum/minimum propagate it): where(a != a, b, where(b != b,
    a, maximum(a, b)))."""
    a, b = node.args[:2]
    dtype = node.meta["tensor_meta"].dtype
    if not dtype.is_floating_point:  # no NaN in integers: plain maximum/minimum
        op = "maximum" if node.target.overloadpacket.__name__ == "fmax" else "minimum"
        return ctx.emit(op, operands_as(ctx, node, a, b, dtype), {}, node)
    shape = tuple(ctx.meta_shape(node))
    code = _code(dtype)
    ta, tb = operands_as(ctx, node, a, b, dtype)
    ta, tb = (t if tuple(t.shape) == shape else ctx.emit_step("expand", [t], {"shape": list(shape)}, shape, code,
                                                             f"{node.name}.{tag}", node.name)
              for t, tag in ((ta, "a"), (tb, "b")))
    op = "maximum" if node.target.overloadpacket.__name__ == "fmax" else "minimum"
    plain = ctx.emit_step(op, [ta, tb], {}, shape, code, f"{node.name}.{op}", node.name)
    bool_code = _code(torch.bool)
    a_nan = ctx.emit_step("ne", [ta, ta], {}, shape, bool_code, node.name + ".a_nan", node.name)
    b_nan = ctx.emit_step("ne", [tb, tb], {}, shape, bool_code, node.name + ".b_nan", node.name)
    keep_a = ctx.emit_step("where", [b_nan, ta, plain], {}, shape, code, node.name + ".keep_a", node.name)
    return ctx.emit("where", [a_nan, tb, keep_a], {}, node)
