"""Graph optimization passes over the IR, grouped into levels:

O0  none (capture already evaluates constant subexpressions, which the runtime needs)
O1  eliminate_dead_code
O2  O1 + fold_batch_norm_into_conv + fuse_residual_add + fuse_activation + fuse_attention +
    pack_linear_weights  (the default)
O3  O2 (further layout and kernel-selection passes will join here)
"""
from __future__ import annotations

from .. import ir
from .attention import fuse_attention
from .passes import (eliminate_dead_code, fold_batch_norm_into_conv, fuse_activation, fuse_residual_add,
                     pack_linear_weights)

PASSES = {
    "eliminate_dead_code": eliminate_dead_code,
    "fold_batch_norm_into_conv": fold_batch_norm_into_conv,
    "fuse_activation": fuse_activation,
    "fuse_residual_add": fuse_residual_add,
    "fuse_attention": fuse_attention,
    "pack_linear_weights": pack_linear_weights,
}

LEVELS = {
    "O0": [],
    "O1": ["eliminate_dead_code"],
    "O2": ["fold_batch_norm_into_conv", "fuse_residual_add", "fuse_activation", "fuse_attention", "eliminate_dead_code",
           "pack_linear_weights"],
    "O3": ["fold_batch_norm_into_conv", "fuse_residual_add", "fuse_activation", "fuse_attention", "eliminate_dead_code",
           "pack_linear_weights"],
}


def optimize_graph(graph: ir.Graph, level: str = "O2") -> list:
    """Runs the passes of `level` in place; returns the names of those that changed the graph."""
    if level not in LEVELS:
        raise ValueError(f"optimization_level must be one of {sorted(LEVELS)}, got {level!r}")
    return [name for name in LEVELS[level] if PASSES[name](graph)]
