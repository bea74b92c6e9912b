"""Reductions over dims with keepdim: sum, mean, amax, amin, var, std, prod, in float32, or for
integers and bools in int64 (sum, prod, amax, amin: exact). A reduction of a 0-d tensor is the tensor
itself."""
import numpy as np
import torch

from .. import ir
from . import Unsupported, as_dtype, converts

def _dims(node, rank):
    dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
    if dims is None or (not isinstance(dims, int) and len(dims) == 0):
        return list(range(rank))
    return [int(dims)] if isinstance(dims, int) else [int(d) for d in dims]


_INTEGER_OPS = ("sum", "amax", "amin", "prod")  # the runtime's int64 reductions (exact; sums and products wrap)


def _reduce_dtype(ctx, node, x, op) -> torch.dtype:
    """The dtype the runtime reduces x in: float32, or int64 for sums, products and extremes of
    integers and bools (PyTorch sums and multiplies those into int64); mean of integers is float32."""
    out = node.meta["tensor_meta"].dtype
    if x.dtype == ir.DTYPE_CODES[torch.float32] and out == torch.float32:
        return torch.float32
    if op in _INTEGER_OPS and not out.is_floating_point and x.dtype != ir.DTYPE_CODES[torch.float16]:
        return torch.int64
    if op == "mean" and out == torch.float32:
        return torch.float32
    raise Unsupported(f"{op} of {ir.DTYPE_NAMES[x.dtype]} to {out}")


def _emit_reduction(ctx, node, op, x, attrs):
    """The reduction in the dtype the runtime reduces in, cast to the dtype PyTorch returns."""
    out = node.meta["tensor_meta"].dtype
    if len(x.shape) == 0:  # 0-d: nothing to reduce
        return as_dtype(ctx, node, x, out, "out") if op not in ("var", "std") else _zero_d_spread(ctx, node, x, attrs)
    dtype = _reduce_dtype(ctx, node, x, op)
    x = as_dtype(ctx, node, x, dtype, ir.DTYPE_NAMES[ir.DTYPE_CODES[dtype]])
    if out == dtype:
        return ctx.emit(op, [x], attrs, node)
    code = ir.DTYPE_CODES[dtype]
    y = ctx.emit_step(op, [x], attrs, ctx.meta_shape(node), code, f"{node.name}.{ir.DTYPE_NAMES[code]}", node.name)
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
