"""ATen -> wasm-torch op converters. Each module registers the ATen overloads it converts;
the registry is the single list capture consults (and docs are generated from)."""
from __future__ import annotations

import importlib

import torch
import torch.fx

CONVERTERS: dict = {}   # aten OpOverload -> function(ctx, node) -> value(s)


class Unsupported(Exception):
    """Raised by a converter for a form of an op the runtime cannot run (with the reason)."""


def _resolve(name: str):
    """"op.overload" -> torch.ops.aten.op.overload, or None where this torch lacks it."""
    packet, _, overload = name.partition(".")
    try:
        return getattr(getattr(torch.ops.aten, packet), overload or "default")
    except (AttributeError, RuntimeError):
        return None


def operand_dtype(node, *operands) -> torch.dtype:
    """The dtype PyTorch computes `node`'s operands in (torch.result_type over them: tensors by
    their dtype and rank, Python numbers as numbers)."""
    probes = []
    for a in operands:
        if isinstance(a, torch.fx.Node):
            val = a.meta.get("val")
            meta = a.meta.get("tensor_meta")
            dtype, rank = (val.dtype, val.dim()) if isinstance(val, torch.Tensor) else (meta.dtype, len(meta.shape))
            probes.append(torch.empty((1,) * rank, dtype=dtype))
        elif isinstance(a, (bool, int, float)):
            probes.append(a)
    if len(probes) == 1:
        return probes[0].dtype if isinstance(probes[0], torch.Tensor) else torch.tensor(probes[0]).dtype
    dtype = torch.result_type(probes[0], probes[1])
    for p in probes[2:]:
        dtype = torch.promote_types(dtype, p.dtype if isinstance(p, torch.Tensor) else torch.tensor(p).dtype)
    return dtype


def as_dtype(ctx, node, t, dtype: torch.dtype, tag: str):
    """t (an fx node's value, an ir tensor or a Python number) in `dtype`: a constant, itself, or a
    cast op."""
    from .. import ir
    if isinstance(t, torch.fx.Node):
        t = ctx.tensor(t)
    if not isinstance(t, ir.Tensor):
        return ctx.tensor(t, dtype=dtype)
    code = ir.DTYPE_CODES.get(dtype)
    if code is None:
        raise Unsupported(f"computes in {dtype}")
    if t.dtype == code:
        return t
    if t.is_constant:
        return ctx.constant(t.data.astype(ir.NUMPY_DTYPES[code]), f"{t.name}.{tag}")
    return ctx.emit_step("cast", [t], {"dtype": code}, t.shape, code, f"{node.name}.{tag}", node.name)


def operands_as(ctx, node, a, b, dtype: torch.dtype) -> list:
    """A binary op's two operands in the dtype it computes in (see as_dtype)."""
    return [as_dtype(ctx, node, a, dtype, "a"), as_dtype(ctx, node, b, dtype, "b")]


def size_value(v) -> int:
    """An int argument that may be a dynamic size: a SymDim stays one (its expression goes into the
    file), anything else becomes a plain int."""
    from ..symbolic import is_symbolic
    return v if is_symbolic(v) else int(v)


def converts(*names):
    """Registers fn for the ATen overloads `names` ("add.Tensor", ...) this torch has."""
    def register(fn):
        for name in names:
            target = _resolve(name)
            if target is not None:
                CONVERTERS[target] = fn
        return fn
    return register


for _module in ("activation", "attention", "batch_norm", "binary", "compare", "conv", "embedding", "indexing", "linear", "logical", "normalization", "padding", "pooling", "resize",
                "reduce", "shape", "softmax"):
    importlib.import_module(f"{__name__}.{_module}")
