"""constant_folding: ops whose inputs are all constants run once, at export, on the native
runtime (the one judge of what an op computes), and their outputs become constants. Capture
already evaluates what torch.export hands it as constant; this pass folds what the other passes
and the converters leave (a permute or reshape of a weight, arithmetic on buffers)."""
from __future__ import annotations

import torch

from .. import ir
from .._paths import NATIVE_LIBRARY

# Tensors larger than this are not materialized: a broadcast of a scalar to a large shape is
# cheaper to compute than to store in the file.
MAX_FOLDED_BYTES = 1 << 20


def _foldable(node: ir.Node, graph_outputs: set) -> bool:
    """Constant inputs, static outputs of bounded size that are not the graph's own outputs (a file's
    outputs are computed)."""
    return (all(t is None or t.is_constant for t in node.inputs) and any(t is not None for t in node.inputs)
            and not any(id(t) in graph_outputs for t in node.outputs)
            and all(isinstance(d, int) for t in node.outputs for d in t.shape)
            and sum(_bytes(t) for t in node.outputs) <= MAX_FOLDED_BYTES)


def _bytes(t: ir.Tensor) -> int:
    count = 1
    for d in t.shape:
        count *= d
    return count * ir.NUMPY_DTYPES[t.dtype]().itemsize


def constant_folding(graph: ir.Graph) -> bool:
    """Replaces every op whose inputs are all constants by its outputs' values (to a fixed point).
    Needs the native library (skipped where it is not built: the file then computes them)."""
    if not NATIVE_LIBRARY.exists():
        return False
    from ..runtime import WASMRuntime
    from ..serialize import serialize
    changed = False
    with WASMRuntime("native") as runtime:
        while True:
            node = next((n for n in graph.nodes if _foldable(n, {id(t) for t in graph.outputs})), None)
            if node is None:
                return changed
            # The op alone in a model, its constants as the model's inputs (a file has at least one).
            placeholders = [None if t is None else ir.Tensor(t.name, t.dtype, t.shape) for t in node.inputs]
            alone = ir.Node(node.op, placeholders, node.outputs, node.attrs, node.source)
            single = ir.Graph(nodes=[alone], inputs=[t for t in placeholders if t is not None],
                              outputs=list(node.outputs))
            model = runtime.load_model(serialize(single))
            values = model.forward(*[torch.from_numpy(t.data) for t in node.inputs if t is not None])
            values = values if isinstance(values, tuple) else (values,)
            model.close()
            for tensor, value in zip(node.outputs, values):
                folded = ir.constant(tensor.name, value.numpy())
                tensor.data, tensor.dtype = folded.data, folded.dtype
            graph.nodes.remove(node)
            changed = True

