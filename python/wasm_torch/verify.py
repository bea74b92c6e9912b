"""Verification on export: run the written file through the real runtime on the example input
and compare with PyTorch eager; when an output is off, find the first op whose output diverges."""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import torch
import torch.fx
import torch.utils._pytree as pytree

from . import ir, symbolic
from .errors import WASMTorchError
from .serialize import serialize


class VerificationError(WASMTorchError):
    """The exported model's outputs differ from eager beyond the tolerance."""


@dataclasses.dataclass
class OutputError:
    """An output's largest error against eager, absolute and relative to the output's scale (its
    largest magnitude): the relative one is what verification holds to the tolerance."""
    output: str
    max_abs: float
    scale: float

    @property
    def relative(self) -> float:
        if self.max_abs == 0:
            return 0.0
        return self.max_abs / self.scale if self.scale > 0 else float("inf")

    def within(self, tolerance) -> bool:
        return self.relative <= tolerance


def _errors(got: torch.Tensor, expected: torch.Tensor):
    """(max abs error, max |expected|); integer and bool outputs must match exactly."""
    if got.shape != expected.shape:
        return float("inf"), 0.0
    if got.numel() == 0:
        return 0.0, 0.0
    if not expected.is_floating_point():
        return (0.0 if torch.equal(got.to(expected.dtype), expected) else float("inf")), 1.0
    diff = (got.double() - expected.double()).abs()
    scale = float(expected.double().abs().max())
    if not torch.isfinite(expected).all():  # inf/nan where eager has them: same positions, same values
        same = (got.double() == expected.double()) | (got.isnan() & expected.isnan())
        diff = torch.where(same, torch.zeros_like(diff), diff)
        scale = float(expected.double().abs().nan_to_num(0, 0, 0).max())
    return float(diff.max()), scale


def _run(runtime, graph: ir.Graph, input_sets) -> list:
    """The file's (flat) outputs for each set of inputs, from one loaded model (with dynamic shapes:
    one plan per set)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "verify.wtm"
        path.write_bytes(serialize(graph))
        model = runtime.load_model(path)
        try:
            return [tuple(pytree.tree_flatten(model.forward(*inputs))[0]) for inputs in input_sets]
        finally:
            model.close()


def verify_export(graph: ir.Graph, inputs, engine: str, tolerance: float) -> list:
    """Returns an OutputError per output (its worst over the shapes run); raises VerificationError
    naming the first divergent op. A file with dynamic shapes also runs other shapes where every
    symbol differs (other_shape_inputs), so a dimension baked to the example's value anywhere in
    the file shows."""
    from .runtime import WASMRuntime
    input_sets = [tuple(inputs)] + (other_shape_inputs(graph, inputs) if graph.symbols else [])
    fx_names = graph.trace.fx_names
    with WASMRuntime(engine) as runtime:
        results = _run(runtime, graph, input_sets)
        worst = None
        for feed, got in zip(input_sets, results):
            eager = _eager_values(graph.trace.module, _placeholders(graph.trace, feed))
            expected = [eager[fx_names[t.name]] for t in graph.outputs]
            errors = [OutputError(t.name, *_errors(g, e)) for t, g, e in zip(graph.outputs, got, expected)]
            bad = [e for e in errors if not e.within(tolerance)]
            if bad:
                shapes = "" if feed is input_sets[0] else f" (inputs {[list(x.shape) for x in feed]})"
                raise VerificationError(_divergence_report(runtime, graph, feed, eager, fx_names, bad, tolerance)
                                        + shapes)
            worst = errors if worst is None else [max(a, b, key=lambda e: e.relative) for a, b in zip(worst, errors)]
    return worst


def other_shape_inputs(graph: ir.Graph, inputs) -> list:
    """Input sets at other values of every symbol: the example's + 3 (else the lower bound), and
    each symbol's lower bound (at least 1). Each input is tiled or cropped from the example along
    its dynamic axes, so token ids stay valid ids and masks stay masks."""
    examples = {}
    for t in graph.inputs:
        for d in t.shape:
            if symbolic.is_symbolic(d) and d.expr.is_Symbol:
                examples.setdefault(d.expr, int(d))
    grown, lowest = {}, {}
    for s in graph.symbols:
        example = examples[s.sympy_symbol]
        larger = example + 3 if s.max == -1 or example + 3 <= s.max else max(s.min, 1)
        for sym in s.index_of():
            grown[sym], lowest[sym] = larger, max(s.min, 1)
    sets = []
    for values in (grown, lowest):
        resized = []
        for t, x in zip(graph.inputs, inputs):
            for axis, d in enumerate(t.shape):
                if symbolic.is_symbolic(d):
                    size = int(d.expr.subs(values))
                    x = x.index_select(axis, torch.arange(size) % max(x.shape[axis], 1))
            resized.append(x)
        if any(r.shape != x.shape for r, x in zip(resized, inputs)) and \
                all(any(r.shape != x.shape for r, x in zip(resized, other)) for other in sets):
            sets.append(tuple(resized))
    return sets


def _placeholders(trace, feed) -> list:
    """The traced program's placeholder values with the user's inputs replaced by `feed`."""
    by_id = {id(x): y for x, y in zip(trace.inputs, feed)}
    return [by_id.get(id(v), v) for v in trace.placeholder_values]


@torch.no_grad()
def _eager_values(gm, flat_args) -> dict:
    values = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            result = super().run_node(n)
            values[n.name] = result
            return result

    Recorder(gm).run(*flat_args)
    return values


def _divergence_report(runtime, graph, inputs, eager, fx_names, bad, tolerance) -> str:
    """Re-runs the graph with every intermediate as an output to find the first op that diverges."""
    lines = [f"output '{e.output}' differs from eager: max abs error {e.max_abs:.3g} = {e.relative:.3g} of its "
             f"scale (max |output| {e.scale:.3g}; tolerance {tolerance:g} of the scale)" for e in bad]
    debug = ir.Graph(nodes=graph.nodes, inputs=graph.inputs,
                     outputs=[t for n in graph.nodes for t in n.outputs], metadata=graph.metadata,
                     symbols=graph.symbols)
    values = _run(runtime, debug, [inputs])[0]
    produced = [(node, k, tensor) for node in graph.nodes for k, tensor in enumerate(node.outputs)]
    for (node, k, tensor), value in zip(produced, values):
        reference = _reference(eager, node, k, tensor, fx_names)
        if reference is None:
            continue
        error = OutputError(tensor.name, *_errors(value, reference))
        if not error.within(tolerance):
            lines.append(f"first diverging op: {node.op} producing '{tensor.name}' (source {node.source}): "
                         f"max abs error {error.max_abs:.3g} = {error.relative:.3g} of its scale")
            break
    return "; ".join(lines)


def _reference(eager, node, k, tensor, fx_names):
    """The eager value of output k of `node`: by the tensor's own (fx) name, or element k of the
    tuple a multi-output op (topk, max.dim) produced under its first output's name."""
    name = tensor.name
    if name not in fx_names and name.endswith(".nhwc") and name[:-5] in fx_names:  # an output's NHWC original
        name = name[:-5]
    value = eager.get(fx_names.get(name, name))
    if value is None and k > 0:
        value = eager.get(fx_names.get(node.outputs[0].name, node.outputs[0].name))
    if isinstance(value, (tuple, list)):
        value = value[k] if k < len(value) else None
    if not isinstance(value, torch.Tensor):
        return None
    return value.permute(0, 2, 3, 1) if tensor.nhwc and value.dim() == 4 else value
