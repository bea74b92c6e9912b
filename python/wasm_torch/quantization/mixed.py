"""Mixed precision: int8 (dynamic, or static with target_accuracy) where the model can afford it,
float where it cannot, chosen by measurement. The model is captured once; each candidate is optimized, written and run on the
native runtime over the calibration (or validation) batches, and scored by a metric against the
float model's eager outputs."""
from __future__ import annotations

import copy
import dataclasses
import math

import torch
import torch.utils._pytree as pytree

from . import QuantizationConfig, QuantizationError


@dataclasses.dataclass
class MixedPrecisionStep:
    float_layers: list   # module paths in float at this step
    accuracy: float      # the metric over the batches


@dataclasses.dataclass
class MixedPrecisionReport:
    """How quantize_for_wasm(..., "mixed") chose: each layer's sensitivity (the mean relative output
    error with only that layer in int8), the accuracy after each fallback, and the outcome."""
    target_accuracy: float
    metric: str
    sensitivity: dict                 # module path -> relative output error alone in int8
    steps: list                       # MixedPrecisionStep, all int8 first
    layers: list                      # the final LayerChoice of every candidate layer

    @property
    def accuracy(self) -> float:
        return self.steps[-1].accuracy

    @property
    def float_layers(self) -> list:
        return self.steps[-1].float_layers

    def __str__(self):
        lines = [f"mixed precision: {self.metric} {self.accuracy:.4f} (target {self.target_accuracy}), "
                 f"{len(self.float_layers)} of {len(self.layers)} layers float"]
        lines += [f"  step {i}: {len(s.float_layers)} float -> {s.accuracy:.4f}" for i, s in enumerate(self.steps)]
        return "\n".join(lines)


def top1_agreement(quantized: torch.Tensor, reference: torch.Tensor) -> float:
    """The default metric: the share of rows whose argmax over the last axis matches the float model's."""
    return float((quantized.argmax(-1) == reference.argmax(-1)).float().mean())


def _batches(data) -> list:
    """(args, kwargs) of each batch: tensors, tuples, dicts, or a DataLoader's (inputs, target) pairs."""
    from ..export import example_arguments
    batches = []
    for batch in data:
        if isinstance(batch, (tuple, list)) and len(batch) == 2 and isinstance(batch[0], (torch.Tensor, dict)) \
                and isinstance(batch[1], torch.Tensor) and batch[1].dtype in (torch.int64, torch.int32) \
                and batch[1].dim() <= 1:
            batch = batch[0]  # (inputs, labels): the labels are not the model's
        batches.append(example_arguments(batch))
    if not batches:
        raise QuantizationError("calibration_data holds no batches")
    return batches


def _flat(args, kwargs, keys) -> list:
    return [t for t in pytree.tree_flatten((args, {k: kwargs[k] for k in keys}))[0] if isinstance(t, torch.Tensor)]


def calibration_batches(data) -> tuple:
    """Each batch of `data` (as _batches reads it) as the list of the model's flattened input tensors."""
    batches = _batches(data)
    keys = list(batches[0][1])
    return tuple(_flat(args, kwargs, keys) for args, kwargs in batches)


def mixed_precision(model, calibration_data, target_accuracy: float, base: QuantizationConfig, metric,
                    validation_data=None) -> tuple:
    """(QuantizationConfig: `base` with the float layers chosen added, MixedPrecisionReport)."""
    from ..capture import capture
    from ..optimize import optimize_graph
    from ..runtime import WASMRuntime
    from ..serialize import serialize
    from .passes import quantize_graph

    if not 0 < target_accuracy <= 1:
        raise QuantizationError(f"target_accuracy must be in (0, 1], got {target_accuracy}")
    search = dataclasses.replace(base, observed={})  # static: every configuration calibrates the same graph
    metric = metric or top1_agreement
    batches = _batches(validation_data if validation_data is not None else calibration_data)
    shapes = [[tuple(t.shape) for t in pytree.tree_flatten(b)[0] if isinstance(t, torch.Tensor)] for b in batches]
    if any(s != shapes[0] for s in shapes):
        raise QuantizationError(f"every calibration batch needs the first one's shapes {shapes[0]} (a DataLoader: "
                                "drop_last=True)")
    args, kwargs = batches[0]
    keys = list(kwargs)
    with torch.no_grad():
        references = [model(*a, **k) for a, k in batches]
    graph = capture(model, args, kwargs, None, None, None, {})
    graph.trace = None  # eager re-runs are not needed here, and a GraphModule does not deep-copy cheaply

    def run(float_layers) -> tuple:
        """(layer choices, outputs per batch) with `float_layers` kept float."""
        config = dataclasses.replace(search, keep_float=base.keep_float | frozenset(float_layers))
        g, choices = copy.deepcopy(graph), []

        def quantize(g) -> bool:
            choices.extend(quantize_graph(g, config))
            return True

        optimize_graph(g, "O2", "nhwc", quantize)
        loaded = runtime.load_model(serialize(g))
        try:
            return choices, [loaded.forward(*_flat(a, k, keys)) for a, k in batches]
        finally:
            loaded.close()

    def accuracy(outputs) -> float:
        return sum(metric(o, r) for o, r in zip(outputs, references)) / len(batches)

    def relative_error(outputs) -> float:
        return sum(float((o - r).norm() / max(float(r.norm()), 1e-30)) for o, r in zip(outputs, references)) / len(batches)

    with WASMRuntime("native") as runtime:  # one runtime for every configuration tried
        choices, outputs = run(())
        int8_layers = [c.source for c in choices if c.choice == "int8"]
        steps = [MixedPrecisionStep([], accuracy(outputs))]
        sensitivity = {}
        if steps[-1].accuracy < target_accuracy:
            for layer in int8_layers:  # each alone in int8: its own share of the error
                sensitivity[layer] = relative_error(run([other for other in int8_layers if other != layer])[1])
            kept = []
            for layer in sorted(int8_layers, key=sensitivity.get, reverse=True):
                kept.append(layer)
                choices, outputs = run(kept)
                steps.append(MixedPrecisionStep(list(kept), accuracy(outputs)))
                if steps[-1].accuracy >= target_accuracy:
                    break
    report = MixedPrecisionReport(target_accuracy, getattr(metric, "__name__", "metric"), sensitivity, steps, choices)
    if report.accuracy < target_accuracy and not math.isclose(report.accuracy, target_accuracy):
        raise QuantizationError(f"{report.metric} reaches {report.accuracy:.4f} with every layer in float, below "
                                f"target_accuracy {target_accuracy}: the metric does not compare like with like")
    return dataclasses.replace(base, keep_float=base.keep_float | frozenset(report.float_layers)), report
