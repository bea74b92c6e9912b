"""Unary elementwise ops: ATen overloads -> runtime op, with the attributes each takes. The runtime
computes them in float32: an integer or bool input PyTorch promotes (sin of an int64) is cast first."""
import math

import numpy as np
import torch

from .. import ir
from ..contract import UNARY_OPS
from . import Unsupported, as_dtype, converts, operands_as

_INT_IDENTITY = {"floor", "ceil", "round", "trunc"}  # on integers PyTorch returns the input


def _unary(op, attrs=lambda node: {}):
    def convert(ctx, node):
        x = ctx.tensor(node.args[0])
        out = node.meta["tensor_meta"].dtype
        if not out.is_floating_point:
            if op in _INT_IDENTITY:
                return x
            if op == "neg" or op == "abs":
                return _integer_neg_abs(ctx, node, x, op)
            if op == "relu" and out == torch.int64:
                return ctx.emit("maximum", [x, ctx.constant(np.zeros((), np.int64), node.name + ".zero")], {}, node)
            if op == "sign" and out == torch.int64:
                return _integer_sign(ctx, node, x)
            raise Unsupported(f"{op} of {ir.DTYPE_NAMES[x.dtype]} (float32 only)")
        return ctx.emit(op, [as_dtype(ctx, node, x, out, "float")], attrs(node), node)
    convert.__name__ = op
    return convert


def _integer_neg_abs(ctx, node, x, op):
    """int64 neg = 0 - x, abs = maximum(x, 0 - x) (wrapping at INT64_MIN, as PyTorch)."""
    zero = ctx.constant(np.zeros((), np.int64), node.name + ".zero")
    negated = ctx.emit_step("sub", [zero, x], {}, x.shape, x.dtype, node.name + ".neg", node.name)
    return negated if op == "neg" else ctx.emit("maximum", [x, negated], {}, node)


def _integer_sign(ctx, node, x):
    """int64 sign = (x > 0) - (x < 0)."""
    zero = ctx.constant(np.zeros((), np.int64), node.name + ".zero")
    parts = []
    for cmp in ("gt", "lt"):
        b = ctx.emit_step(cmp, [x, zero], {}, x.shape, ir.DTYPE_CODES[torch.bool], f"{node.name}.{cmp}", node.name)
        parts.append(ctx.emit_step("cast", [b], {"dtype": x.dtype}, x.shape, x.dtype, f"{node.name}.{cmp}64", node.name))
    return ctx.emit("sub", parts, {}, node)


def _arg(node, index, name, default):
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


def _hardtanh_attrs(node):
    return {"min": float(_arg(node, 1, "min_val", -1.0)), "max": float(_arg(node, 2, "max_val", 1.0))}


@converts("elu.default")
def elu(ctx, node):
    """elu(x, alpha, scale, input_scale) = scale * elu_alpha(input_scale * x): selu and celu too."""
    x = ctx.tensor(node.args[0])
    alpha, scale, input_scale = (float(_arg(node, i, n, 1.0)) for i, n in ((1, "alpha"), (2, "scale"), (3, "input_scale")))
    if input_scale != 1:
        x = ctx.emit_step("mul", [x, ctx.constant(np.float32(input_scale), node.name + ".input_scale")], {}, x.shape,
                          x.dtype, node.name + ".scaled_input", node.name)
    if scale == 1:
        return ctx.emit("elu", [x], {"alpha": alpha}, node)
    y = ctx.emit_step("elu", [x], {"alpha": alpha}, x.shape, x.dtype, node.name + ".elu", node.name)
    return ctx.emit("mul", [y, ctx.constant(np.float32(scale), node.name + ".scale")], {}, node)


def _gelu(ctx, node):
    approximate = _arg(node, 1, "approximate", "none")
    return ctx.emit("gelu_tanh" if approximate == "tanh" else "gelu", [ctx.tensor(node.args[0])], {}, node)


def _contract_attrs(op):
    """The op's attributes from the ATen node's arguments 1 and 2 (by position or keyword), the
    contract's default where an argument is absent or None (clamp's open bounds)."""
    def attrs(node):
        values = {}
        for i, (name, default) in enumerate(UNARY_OPS[op].attrs, start=1):
            value = _arg(node, i, name, None)
            values[name] = default if value is None else float(value)
        return values
    return attrs


for _op, _spec in UNARY_OPS.items():
    if _spec.aten:
        converts(*_spec.aten)(_unary(_op, _contract_attrs(_op)))
converts("hardtanh.default")(_unary("clamp", _hardtanh_attrs))
converts("sgn.default")(_unary("sign"))


@converts("clamp.Tensor")
def clamp_tensor(ctx, node):
    """clamp(x, min, max) with tensor bounds: minimum(maximum(x, min), max), in the promoted dtype."""
    x, lo, hi = (list(node.args) + [None, None])[:3]
    lo, hi = node.kwargs.get("min", lo), node.kwargs.get("max", hi)
    dtype = node.meta["tensor_meta"].dtype
    shape = ctx.meta_shape(node)
    y = x
    for bound, op in ((lo, "maximum"), (hi, "minimum")):
        if bound is None:
            continue
        last = (op == "minimum") or hi is None
        operands = operands_as(ctx, node, y, bound, dtype)
        y = ctx.emit(op, operands, {}, node) if last else ctx.emit_step(
            op, operands, {}, shape, ir.DTYPE_CODES[dtype], node.name + ".min", node.name)
    return y
converts("clamp_min.default")(_unary("clamp", lambda n: {"min": float(n.args[1]), "max": math.inf}))
converts("clamp_max.default")(_unary("clamp", lambda n: {"min": -math.inf, "max": float(n.args[1])}))
converts("gelu.default")(_gelu)
