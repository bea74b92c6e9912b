"""Calibration for static quantization: the float graph runs on the native runtime over the
calibration batches with the tensors to be quantized as extra outputs, and an observer turns
each one's values into an asymmetric 8-bit scale and zero point."""
from __future__ import annotations

import dataclasses

import numpy as np

from .. import ir
from . import QuantizationError

OBSERVERS = ("minmax", "percentile")
# The percentile observer's range: the 0.01% and 99.99% quantiles of the calibration values, so a
# few outliers do not stretch the step of every other value.
PERCENTILE = 99.99


@dataclasses.dataclass(frozen=True)
class ActivationQuantization:
    """u = clamp(round(x / scale) + zero_point, 0, 2**bits - 1) (the runtime's qu8)."""
    scale: float
    zero_point: int
    low: float    # the observed range, 0 included
    high: float
    bits: int = 8


def activation_quantization(low: float, high: float, bits: int = 8) -> ActivationQuantization:
    """The scale and zero point that map [low, high] (widened to hold 0, which must be exact: a
    convolution's padding) onto 0..2**bits - 1."""
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    if not np.isfinite(low) or not np.isfinite(high):
        raise QuantizationError(f"calibration saw non-finite activations ({low}, {high})")
    if high == low:
        return ActivationQuantization(1.0, 0, low, high, bits)
    top = 2 ** bits - 1
    scale = float(np.float32((high - low) / top))
    zero_point = int(np.clip(np.rint(-low / scale), 0, top))
    return ActivationQuantization(scale, zero_point, low, high, bits)


def observe(values: list, observer: str) -> tuple:
    """(low, high) of one tensor's values over every batch."""
    if observer == "minmax":
        return min(float(v.min()) for v in values), max(float(v.max()) for v in values)
    flat = np.concatenate([v.reshape(-1) for v in values])
    return tuple(float(q) for q in np.percentile(flat, [100 - PERCENTILE, PERCENTILE]))


def calibrate(graph: ir.Graph, tensors: list, batches: list, observer: str) -> dict:
    """tensor -> ActivationQuantization for each of `tensors` (float tensors of `graph`), from the
    float graph run on the native runtime over `batches` (each a list of the graph's inputs)."""
    from ..runtime import WASMRuntime
    from ..serialize import serialize

    computed = [t for t in dict.fromkeys(tensors) if t not in graph.inputs]
    probe = ir.Graph(nodes=graph.nodes, inputs=graph.inputs, outputs=list(graph.outputs) + computed,
                     metadata={k: v for k, v in graph.metadata.items() if k != "output_structure"},
                     symbols=graph.symbols)
    values = {t: [] for t in tensors}
    with WASMRuntime("native") as runtime:
        model = runtime.load_model(serialize(probe))
        try:
            for batch in batches:
                if len(batch) != len(graph.inputs):
                    raise QuantizationError(f"a calibration batch has {len(batch)} inputs, the model "
                                            f"{len(graph.inputs)}")
                outputs = model.forward(*batch)
                outputs = outputs if isinstance(outputs, tuple) else (outputs,)
                for t, out in zip(computed, outputs[len(graph.outputs):]):
                    values[t].append(out.numpy())
                for t, given in zip(graph.inputs, batch):
                    if t in values:
                        values[t].append(np.asarray(given, np.float32))
        finally:
            model.close()
    return {t: activation_quantization(*observe(v, observer)) for t, v in values.items()}
