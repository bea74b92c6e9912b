"""Calibration for static quantization: the float graph runs on the native runtime over the
calibration batches with the tensors to be quantized as extra outputs, and an observer turns
each one's values into an asymmetric 8-bit scale and zero point."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from .. import ir
from . import QuantizationError

OBSERVERS = ("minmax", "percentile")
# The percentile observer's range: the 0.01% and 99.99% quantiles of the calibration values, so a
# few outliers do not stretch the step of every other value.
PERCENTILE = 99.99
# Static layers take 7-bit inputs (relaxed SIMD's int8 dot) where 7 bits over the calibrated range
# keep at least this signal-to-noise ratio, else 8. Measured on the inputs of the bench models' int8
# layers: random-weight convnets and BERT-style 28-39 dB; all-MiniLM-L6-v2's real activations, whose
# outliers stretch the range, 15-24 dB (all of them 7-bit: embedding cosine 0.971 against 0.992).
MIN_ACTIVATION_SQNR_DB = 30.0


@dataclasses.dataclass(frozen=True)
class ActivationQuantization:
    """u = clamp(round(x / scale) + zero_point, 0, top) (the runtime's qu8): top = max_code, by
    default 2**bits - 1."""
    scale: float
    zero_point: int
    low: float    # the observed range, 0 included
    high: float
    bits: int = 8
    max_code: int = None

    @property
    def top(self) -> int:
        return 2 ** self.bits - 1 if self.max_code is None else self.max_code


def activation_quantization(low: float, high: float, bits: int = 8, max_code: int = None) -> ActivationQuantization:
    """The scale and zero point that map [low, high] (widened to hold 0, which must be exact: a
    convolution's padding) onto 0..2**bits - 1, or 0..max_code."""
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    if not np.isfinite(low) or not np.isfinite(high):
        raise QuantizationError(f"calibration saw non-finite activations ({low}, {high})")
    if high == low:
        return ActivationQuantization(1.0, 0, low, high, bits, max_code)
    top = 2 ** bits - 1 if max_code is None else max_code
    scale = float(np.float32((high - low) / top))
    zero_point = int(np.clip(np.rint(-low / scale), 0, top))
    return ActivationQuantization(scale, zero_point, low, high, bits, max_code)


def given_activation_quantization(scale: float, zero_point: int) -> ActivationQuantization:
    """The quantization PyTorch gives a layer's input (uint8, 0..255: torch.ao, PT2E). The static
    pass caps the codes of the layers that take 0..254 (a value PyTorch rounds to 255 becomes 254:
    one step less, at the top of the range only)."""
    return ActivationQuantization(scale, zero_point, -zero_point * scale, (255 - zero_point) * scale, 8)


@dataclasses.dataclass(frozen=True)
class Observation:
    """What calibration saw of one tensor: its range (by the observer) and how well 7 bits over that
    range represent its values (signal-to-noise ratio, dB)."""
    low: float
    high: float
    seven_bit_sqnr_db: float


def quantization_sqnr_db(values: list, q: ActivationQuantization) -> float:
    """The signal-to-noise ratio of `values` quantized by q (dB; inf when exact)."""
    signal = noise = 0.0
    top = q.top
    for v in values:
        x = v.astype(np.float64).reshape(-1)
        restored = (np.clip(np.rint(x / q.scale) + q.zero_point, 0, top) - q.zero_point) * q.scale
        signal += float(np.dot(x, x))
        noise += float(np.sum((restored - x) ** 2))
    return math.inf if noise == 0 else 10 * math.log10(max(signal, 1e-300) / noise)


def observe(values: list, observer: str) -> tuple:
    """(low, high) of one tensor's values over every batch."""
    if observer == "minmax":
        return min(float(v.min()) for v in values), max(float(v.max()) for v in values)
    flat = np.concatenate([v.reshape(-1) for v in values])
    return tuple(float(q) for q in np.percentile(flat, [100 - PERCENTILE, PERCENTILE]))


def calibrate(graph: ir.Graph, tensors: list, batches: list, observer: str) -> dict:
    """tensor -> Observation for each of `tensors` (float tensors of `graph`), from the float graph
    run on the native runtime over `batches` (each a list of the graph's inputs)."""
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
    observations = {}
    for t, v in values.items():
        low, high = observe(v, observer)
        observations[t] = Observation(low, high, quantization_sqnr_db(v, activation_quantization(low, high, 7)))
    return observations
