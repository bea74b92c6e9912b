"""Verification on export: run the written file through the real runtime on the example input
and compare with PyTorch eager; when an output is off, find the first op whose output diverges."""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import torch
import torch.fx
import torch.utils._pytree as pytree

from . import ir
from .errors import WASMTorchError
from .serialize import serialize


class VerificationError(WASMTorchError):
    """The exported model's outputs differ from eager beyond the tolerance."""


@dataclasses.dataclass
class OutputError:
    output: str
    max_abs: float
    max_rel: float

    def within(self, atol, rtol) -> bool:
        return self.max_abs <= atol or self.max_rel <= rtol


def _errors(got: torch.Tensor, expected: torch.Tensor):
    if got.shape != expected.shape:
        return float("inf"), float("inf")
    if got.numel() == 0:
        return 0.0, 0.0
    diff = (got.double() - expected.double()).abs()
    rel = diff / expected.double().abs().clamp_min(1e-30)
    # The relative error that matters is that of the elements that are not near zero.
    mask = expected.abs() > expected.abs().max() * 1e-3
    return float(diff.max()), float(rel[mask].max()) if mask.any() else 0.0


def _run(runtime, graph: ir.Graph, inputs) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "verify.wtm"
        path.write_bytes(serialize(graph))
        model = runtime.load_model(path)
        out = model.forward(*inputs)
        model.close()
    return tuple(pytree.tree_flatten(out)[0])  # in the file's (flat) output order


def verify_export(graph: ir.Graph, inputs, engine: str, atol: float, rtol: float) -> list:
    """Returns an OutputError per output; raises VerificationError naming the first divergent op."""
    from .runtime import WASMRuntime
    gm, flat_args = graph.trace
    with torch.no_grad():
        eager = _eager_values(gm, flat_args)
    output_node = next(n for n in gm.graph.nodes if n.op == "output")
    expected = [eager[n.name] for n in pytree.tree_flatten(output_node.args[0])[0]]
    with WASMRuntime(engine) as runtime:
        got = _run(runtime, graph, inputs)
        errors = [OutputError(t.name, *_errors(g, e)) for t, g, e in zip(graph.outputs, got, expected)]
        bad = [e for e in errors if not e.within(atol, rtol)]
        if bad:
            raise VerificationError(_divergence_report(runtime, graph, inputs, eager, bad, atol, rtol))
    return errors


def _eager_values(gm, flat_args) -> dict:
    values = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            result = super().run_node(n)
            values[n.name] = result
            return result

    Recorder(gm).run(*flat_args)
    return values


def _divergence_report(runtime, graph, inputs, eager, bad, atol, rtol) -> str:
    """Re-runs the graph with every intermediate as an output to find the first op that diverges."""
    lines = [f"output '{e.output}' differs from eager: max abs {e.max_abs:.3g}, max rel {e.max_rel:.3g} "
             f"(tolerance atol {atol:g} or rtol {rtol:g})" for e in bad]
    debug = ir.Graph(nodes=graph.nodes, inputs=graph.inputs,
                     outputs=[t for n in graph.nodes for t in n.outputs], metadata=graph.metadata)
    values = _run(runtime, debug, inputs)
    produced = [(node, k, tensor) for node in graph.nodes for k, tensor in enumerate(node.outputs)]
    for (node, k, tensor), value in zip(produced, values):
        reference = _reference(eager, node, k, tensor)
        if reference is None:
            continue
        abs_err, rel_err = _errors(value, reference)
        if not (abs_err <= atol or rel_err <= rtol):
            lines.append(f"first diverging op: {node.op} producing '{tensor.name}' (source {node.source}): "
                         f"max abs {abs_err:.3g}, max rel {rel_err:.3g}")
            break
    return "; ".join(lines)


def _reference(eager, node, k, tensor):
    """The eager value of output k of `node`: by the tensor's own (fx) name, or element k of the
    tuple a multi-output op (topk, max.dim) produced under its first output's name."""
    value = eager.get(tensor.name)
    if value is None and k > 0:
        value = eager.get(node.outputs[0].name)
    if isinstance(value, (tuple, list)):
        value = value[k] if k < len(value) else None
    if not isinstance(value, torch.Tensor):
        return None
    return value.permute(0, 2, 3, 1) if tensor.nhwc and value.dim() == 4 else value
