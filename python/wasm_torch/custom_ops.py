"""register_custom_op: map an op the runtime lacks onto a decomposition into supported ops.

The decomposition is a Python function with the op's signature written with torch ops; capture
hands it to make_fx as a decomposition, so the function itself is traced into the graph.

    register_custom_op("aten::sin", lambda x: torch.cos(x - math.pi / 2))
"""
from __future__ import annotations

import torch

DECOMPOSITIONS: dict = {}


def _resolve(op):
    if isinstance(op, torch._ops.OpOverload):
        return op
    if isinstance(op, torch._ops.OpOverloadPacket):
        return op.default
    name = str(op).replace("aten::", "").replace("aten.", "")
    packet, _, overload = name.partition(".")
    try:
        return getattr(getattr(torch.ops.aten, packet), overload or "default")
    except (AttributeError, RuntimeError) as e:
        raise ValueError(f"register_custom_op: no ATen op named {op!r}") from e


def register_custom_op(op, decomposition) -> None:
    """op: an ATen overload (torch.ops.aten.sin.default) or its name ("aten::sin", "sin.default")."""
    if not callable(decomposition):
        raise TypeError("register_custom_op: the decomposition must be callable")
    DECOMPOSITIONS[_resolve(op)] = decomposition


def unregister_custom_op(op) -> None:
    DECOMPOSITIONS.pop(_resolve(op), None)
