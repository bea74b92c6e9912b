"""Graph optimization passes over the IR, grouped into levels:

O0  none (capture already evaluates constant subexpressions, which the runtime needs)
O1  eliminate_dead_code
O2  O1 + fold_batch_norm_into_conv + fuse_residual_add + fuse_activation + fuse_attention +
    pack_linear_weights  (the default)
O3  O2 (further layout and kernel-selection passes will join here)

The layout is an option of its own (memory_layout): "nhwc" adds to_nhwc after the level's passes.
Quantization (quantize_for_wasm, re-exported here as the guide imports it) rewrites the graph
after the fusions: before weight packing (int8 weights have a layout of their own) or after it
(float16 weights keep the packed layout).
"""
from __future__ import annotations

from .. import ir
from ..quantization import quantize_for_wasm  # noqa: F401 (the guide's import path)
from .attention import fuse_attention
from .layout import to_nhwc
from .passes import (eliminate_dead_code, fold_batch_norm_into_conv, fuse_activation, fuse_residual_add,
                     pack_linear_weights)

PASSES = {
    "eliminate_dead_code": eliminate_dead_code,
    "fold_batch_norm_into_conv": fold_batch_norm_into_conv,
    "fuse_activation": fuse_activation,
    "fuse_residual_add": fuse_residual_add,
    "fuse_attention": fuse_attention,
    "pack_linear_weights": pack_linear_weights,
    "to_nhwc": to_nhwc,
}

LEVELS = {
    "O0": [],
    "O1": ["eliminate_dead_code"],
    "O2": ["fold_batch_norm_into_conv", "fuse_residual_add", "fuse_activation", "fuse_attention", "eliminate_dead_code",
           "pack_linear_weights"],
    "O3": ["fold_batch_norm_into_conv", "fuse_residual_add", "fuse_activation", "fuse_attention", "eliminate_dead_code",
           "pack_linear_weights"],
}


LAYOUTS = ("nchw", "nhwc")


def optimize_graph(graph: ir.Graph, level: str = "O2", memory_layout: str = "nchw", quantize=None,
                   quantize_after_packing: bool = False) -> list:
    """Runs the passes of `level` (and of the layout) in place; returns the names of those that
    changed the graph. quantize: a pass (graph -> changed) that runs before weights are packed (or
    right after, with quantize_after_packing)."""
    if level not in LEVELS:
        raise ValueError(f"optimization_level must be one of {sorted(LEVELS)}, got {level!r}")
    if memory_layout not in LAYOUTS:
        raise ValueError(f"memory_layout must be one of {LAYOUTS}, got {memory_layout!r}")
    passes = LEVELS[level] + (["to_nhwc"] if memory_layout == "nhwc" else [])
    run = {**PASSES, "quantize": quantize}
    if quantize is not None:
        at = passes.index("pack_linear_weights") + quantize_after_packing if "pack_linear_weights" in passes \
            else len(passes)
        passes.insert(at, "quantize")
    return [name for name in passes if run[name](graph)]
