"""Reductions over dims with keepdim: sum, mean, amax, amin, var, std, prod (the runtime's are float32;
a sum of bools, a count, is summed in float32, exact below 2^24 elements). A reduction of a 0-d
tensor is the tensor itself."""
import math

import numpy as np
import torch

from .. import ir
from . import Unsupported, as_dtype, converts

_EXACT_COUNT = 1 << 24


def _dims(node, rank):
    dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
    if dims is None or (not isinstance(dims, int) and len(dims) == 0):
        return list(range(rank))
    return [int(dims)] if isinstance(dims, int) else [int(d) for d in dims]


def _reduce_input(ctx, node, x, op):
    """x as the float32 the runtime reduces: a bool count is exact below 2^24 elements."""
    out = node.meta["tensor_meta"].dtype
    if x.dtype == ir.DTYPE_CODES[torch.float32] and out == torch.float32:
        return x
    count = math.prod(x.shape)
    if op in ("sum", "amax", "amin", "prod") and x.dtype == ir.DTYPE_CODES[torch.bool] and count < _EXACT_COUNT:
        return as_dtype(ctx, node, x, torch.float32, "float")
    if op == "mean" and out == torch.float32:
        return as_dtype(ctx, node, x, torch.float32, "float")
    raise Unsupported(f"{op} of {ir.DTYPE_NAMES[x.dtype]} to {out} (the runtime reduces float32)")


def _emit_reduction(ctx, node, op, x, attrs):
    """The reduction in float32, cast back to the dtype PyTorch returns."""
    out = node.meta["tensor_meta"].dtype
    if len(x.shape) == 0:  # 0-d: nothing to reduce
        return as_dtype(ctx, node, x, out, "out") if op not in ("var", "std") else _zero_d_spread(ctx, node, x, attrs)
    x = _reduce_input(ctx, node, x, op)
    if out == torch.float32:
        return ctx.emit(op, [x], attrs, node)
    shape = ctx.meta_shape(node)
    y = ctx.emit_step(op, [x], attrs, shape, ir.DTYPE_CODES[torch.float32], node.name + ".float", node.name)
    return ctx.emit("cast", [y], {"dtype": ir.DTYPE_CODES[out]}, node)


def _zero_d_spread(ctx, node, x, attrs):
    """var/std of one element: 0 without correction, NaN with (as PyTorch)."""
    value = np.float32(0.0 if attrs.get("correction", 1.0) == 0 else np.nan)
    return ctx.constant(np.array(value), node.name)


def _reduce(op):
    def convert(ctx, node):
        x = ctx.tensor(node.args[0])
        if node.kwargs.get("dtype") is not None:
            raise Unsupported(f"{op} with a dtype argument")
        # var.dim / std.dim: (self, dim, unbiased, keepdim); the others: (self, dim, keepdim).
        keepdim_at = 3 if node.target._overloadname == "dim" and op in ("var", "std") else 2
        keepdim = bool(node.args[keepdim_at] if len(node.args) > keepdim_at else node.kwargs.get("keepdim", False))
        attrs = {"dims": _dims(node, len(x.shape)), "keepdim": int(keepdim)}
        if op in ("var", "std"):
            attrs["correction"] = _correction(node)
        return _emit_reduction(ctx, node, op, x, attrs)
    convert.__name__ = op
    return convert


def _correction(node):
    if "correction" in node.kwargs:
        c = node.kwargs["correction"]
        return 1.0 if c is None else float(c)
    unbiased = node.args[2] if len(node.args) > 2 else node.kwargs.get("unbiased", True)
    return 1.0 if unbiased else 0.0


for _op, _overloads in {
    "sum": ["sum.dim_IntList"], "mean": ["mean.dim"], "amax": ["amax.default"], "amin": ["amin.default"],
    "var": ["var.correction", "var.dim"], "std": ["std.correction", "std.dim"], "prod": ["prod.dim_int"],
}.items():
    converts(*_overloads)(_reduce(_op))


@converts("sum.default", "mean.default", "amax.default", "amin.default", "max.default", "min.default", "prod.default")
def reduce_all(ctx, node):
    x = ctx.tensor(node.args[0])
    op = {"max": "amax", "min": "amin"}.get(node.target.overloadpacket.__name__, node.target.overloadpacket.__name__)
    if len(node.args) > 1 or "keepdim" in node.kwargs:  # amax/amin(x, dim=[], keepdim)
        return _reduce(op)(ctx, node)
    return _emit_reduction(ctx, node, op, x, {"dims": list(range(len(x.shape))), "keepdim": 0})


@converts("any.default", "any.dim", "any.dims", "all.default", "all.dim", "all.dims")
def any_all(ctx, node):
    """any/all as amax/amin of (x != 0) counted in float32 (0 or 1), then back to bool."""
    x = ctx.tensor(node.args[0])
    bool_code, f32 = ir.DTYPE_CODES[torch.bool], ir.DTYPE_CODES[torch.float32]
    if x.dtype != bool_code:
        zero = ctx.constant(np.zeros((), ir.NUMPY_DTYPES[x.dtype]), node.name + ".zero")
        x = ctx.emit_step("ne", [x, zero], {}, x.shape, bool_code, node.name + ".nonzero", node.name)
    if len(x.shape) == 0:
        return x
    keepdim = bool(node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False))
    ones = ctx.emit_step("cast", [x], {"dtype": f32}, x.shape, f32, node.name + ".float", node.name)
    op = "amax" if node.target.overloadpacket.__name__ == "any" else "amin"
    shape = ctx.meta_shape(node)
    folded = ctx.emit_step(op, [ones], {"dims": _dims(node, len(x.shape)), "keepdim": int(keepdim)}, shape, f32,
                           node.name + "." + op, node.name)
    return ctx.emit("cast", [folded], {"dtype": bool_code}, node)
