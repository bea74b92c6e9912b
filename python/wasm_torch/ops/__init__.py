"""ATen -> wasm-torch op converters. Each module registers the ATen overloads it converts;
the registry is the single list capture consults (and docs are generated from)."""
from __future__ import annotations

import importlib

import torch

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


def converts(*names):
    """Registers fn for the ATen overloads `names` ("add.Tensor", ...) this torch has."""
    def register(fn):
        for name in names:
            target = _resolve(name)
            if target is not None:
                CONVERTERS[target] = fn
        return fn
    return register


for _module in ("activation", "attention", "batch_norm", "binary", "compare", "conv", "embedding", "indexing", "linear", "normalization", "padding", "pooling", "resize",
                "reduce", "shape", "softmax"):
    importlib.import_module(f"{__name__}.{_module}")
