"""Graph optimization passes over the IR, grouped into levels:

O0  none (capture already evaluates constant subexpressions, which the runtime needs)
O1  eliminate_dead_code
O2  O1 + fold_batch_norm_into_conv + fuse_residual_add + fuse_activation + fuse_attention +
    pack_linear_weights + fold_linear_scale + fuse_residual_add and fuse_activation again (for
    what the fold and to_nhwc expose: a batch norm no convolution absorbs becomes channel_affine,
    which takes the ReLU after it) + fuse_channel_shuffle  (the default)
O3  O2 + kernel tuning at export (tuning.py): ops that can run more than one way are timed every
    way on the WebAssembly runtime in Node, the fastest recorded in the file if the whole forward
    is then no slower than O2's

The layout is an option of its own (memory_layout): "nhwc" adds to_nhwc after the level's passes,
before those that match what it writes (fold_linear_scale: ConvNeXt's layer scale, which meets its
linear only once the permute between them is a view; fuse_channel_shuffle: ShuffleNet's shuffle on
the channel axis, which is last only in NHWC).
Quantization (quantize_for_wasm, re-exported here as the guide imports it) rewrites the graph
after the fusions: before weight packing (int8 weights have a layout of their own) or after it
(float16 weights keep the packed layout).
"""
from __future__ import annotations

from .. import ir
from ..quantization import quantize_for_wasm  # noqa: F401 (the guide's import path)
import dataclasses

from .attention import fuse_attention
from .folding import constant_folding
from .layout import to_nhwc
from .passes import (eliminate_dead_code, fold_batch_norm_into_conv, fuse_activation, fuse_channel_shuffle,
                     fold_linear_scale, fuse_conv_activation, fuse_linear_activation, fuse_residual_add,
                     pack_linear_weights)

PASSES = {
    "eliminate_dead_code": eliminate_dead_code,
    "constant_folding": constant_folding,
    "fold_batch_norm_into_conv": fold_batch_norm_into_conv,
    "fuse_activation": fuse_activation,
    "fuse_conv_activation": fuse_conv_activation,
    "fuse_linear_activation": fuse_linear_activation,
    "fuse_residual_add": fuse_residual_add,
    "fold_linear_scale": fold_linear_scale,
    "fuse_attention": fuse_attention,
    "pack_linear_weights": pack_linear_weights,
    "fuse_channel_shuffle": fuse_channel_shuffle,
    "to_nhwc": to_nhwc,
}
# Passes that match what to_nhwc writes: with memory_layout "nhwc" they run after it.
AFTER_LAYOUT = ("fold_linear_scale", "fuse_channel_shuffle")

# The performance guide's pass names (optimize_for_browser), each the passes above it stands for.
GUIDE_PASSES = {
    "fuse_conv_bn_relu": ["fold_batch_norm_into_conv", "fuse_conv_activation"],
    "fuse_linear_activation": ["fuse_linear_activation"],
    "fuse_attention_ops": ["fuse_attention"],
    "eliminate_dead_code": ["eliminate_dead_code"],
    "constant_folding": ["constant_folding"],
}


@dataclasses.dataclass
class PassReport:
    """What one pass did to the graph."""
    name: str
    changed: bool
    nodes_before: int
    nodes_after: int
    constant_bytes_before: int
    constant_bytes_after: int

    def __str__(self):
        return (f"{self.name}: {self.nodes_before} -> {self.nodes_after} ops, "
                f"{self.constant_bytes_before} -> {self.constant_bytes_after} bytes of constants")


def _constant_bytes(graph: ir.Graph) -> int:
    return sum(t.data.nbytes for t in graph.tensors() if t.is_constant)

LEVELS = {
    "O0": [],
    "O1": ["eliminate_dead_code"],
    "O2": ["fold_batch_norm_into_conv", "fuse_residual_add", "fuse_activation", "fuse_attention", "eliminate_dead_code",
           "pack_linear_weights", "fold_linear_scale", "fuse_residual_add", "fuse_activation", "fuse_channel_shuffle"],
    "O3": ["fold_batch_norm_into_conv", "fuse_residual_add", "fuse_activation", "fuse_attention", "eliminate_dead_code",
           "pack_linear_weights", "fold_linear_scale", "fuse_residual_add", "fuse_activation", "fuse_channel_shuffle"],
}


LAYOUTS = ("nchw", "nhwc")


def optimize_graph(graph: ir.Graph, level: str = "O2", memory_layout: str = "nchw", quantize=None,
                   quantize_after_packing: bool = False, passes=None, reports=None) -> list:
    """Runs the passes of `level` (or the list `passes` of PASSES' names instead) and of the layout
    in place; returns the names of those that changed the graph, and appends a PassReport per pass
    run to `reports` when given. quantize: a pass (graph -> changed) that runs before weights are
    packed (or right after, with quantize_after_packing)."""
    if level not in LEVELS:
        raise ValueError(f"optimization_level must be one of {sorted(LEVELS)}, got {level!r}")
    if memory_layout not in LAYOUTS:
        raise ValueError(f"memory_layout must be one of {LAYOUTS}, got {memory_layout!r}")
    passes = list(LEVELS[level] if passes is None else passes)
    if memory_layout == "nhwc":
        passes.insert(next((i for i, name in enumerate(passes) if name in AFTER_LAYOUT), len(passes)), "to_nhwc")
    run = {**PASSES, "quantize": quantize}
    if quantize is not None:
        at = passes.index("pack_linear_weights") + quantize_after_packing if "pack_linear_weights" in passes \
            else len(passes)
        passes.insert(at, "quantize")
    applied = []
    for name in passes:
        before = (len(graph.nodes), _constant_bytes(graph)) if reports is not None else None
        changed = run[name](graph)
        if changed:
            applied.append(name)
        if reports is not None:
            reports.append(PassReport(name, bool(changed), before[0], len(graph.nodes), before[1],
                                      _constant_bytes(graph)))
    return applied


from .browser import BrowserOptimizedModel, optimize_for_browser  # noqa: E402,F401 (the guide's import path)
