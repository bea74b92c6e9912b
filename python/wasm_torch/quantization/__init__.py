"""Quantization for wasm: quantize_for_wasm marks a float model with how export_to_wasm should
quantize it; the export then rewrites the captured graph (quantization/passes.py) and verifies
the file against the float model with the tolerance the quantization costs.

    quantized = quantize_for_wasm(model, quantization_type="dynamic")
    report = export_to_wasm(quantized, "model.wtm", example_input)   # report.quantization: per layer

"fp16": the same layers' weights in half precision: half the file. The runtime expands linear
weights to f32 once, at load (the arithmetic and speed stay f32's; memory holds both copies),
and embedding rows as it gathers them.

"dynamic": every linear's weights int8 (symmetric, per output channel), its input rows quantized
at run time (int32 sums, dequantized in the GEMM's epilogue), and embedding tables of at least
MIN_EMBEDDING_BYTES int8 per row (gathered rows dequantized), as onnxruntime's quantize_dynamic
does: BERT-style encoders, MLPs, the linears of any model. Convolutions stay float.

"static": every linear and convolution (depthwise ones too, grouped ones of at least
MIN_STATIC_GROUP_CHANNELS channels a group) int8 (weights as dynamic's), their inputs quantized
with a scale and zero point calibrated on calibration_data (asymmetric 8-bit; observer "minmax" or
"percentile"); embeddings as dynamic's; with int8_regions, the tensors between int8 convolutions
int8 too.
"""
from __future__ import annotations

import dataclasses

import torch

from ..errors import WASMTorchError

QUANTIZATION_TYPES = ("dynamic", "static", "mixed", "fp16")

# What verification allows a quantized export by default: its largest error relative to the
# output's largest magnitude. Measured: an MLP 1.5%, 2-layer encoders 1-3%, all-MiniLM-L6-v2's
# normalized embeddings 6.9% (their cosine to float 0.997). Mixed precision is dynamic int8 with
# some layers float: no more than dynamic's.
# Static quantizes every int8 layer's input to a range calibrated once, so errors add up through a
# deep convnet: measured ResNet-18 2.5-2.8%, MobileNetV2 1.3-1.4%, EfficientNet-B0 1.2% (random
# weights); the margin is for calibration data less like the inputs than random batches are.
DEFAULT_TOLERANCE = {"dynamic": 0.1, "fp16": 5e-3, "static": 0.2}

# preserve_accuracy keeps in float a linear whose int8 weights fall below this signal-to-noise
# ratio (per-channel int8 of well-spread weights measures ~38-40 dB; outlier channels drag it down).
MIN_WEIGHT_SQNR_DB = 30.0
# Smaller tables (token types, a few classes) save too little to be worth any error.
MIN_EMBEDDING_BYTES = 64 * 1024
# Static convolutions with fewer multiply-adds per output (K = C x kh x kw) stay float: the int8
# tile's dequantizing epilogue and the input's quantization pass cost more than its dot saves.
# Measured per layer in MobileNetV2 (Chromium, 1 thread, float / static): the stem (K = 27) 0.72x,
# 1x1 K = 16 -> 96 channels at 112x112 0.80x, K = 24 at 56x56 0.96-1.03x; K = 32 at 28x28 1.20x,
# K >= 96 1.16-3.1x.
MIN_STATIC_CONV_DEPTH = 32
# Grouped convolutions with fewer input channels a group stay float too: the int8 path gathers each
# group's channels per output pixel, where the float one reads its taps in place (indirect GEMM).
# Measured per layer in ResNeXt-50 32x4d (Chromium, 1 thread, float / int8 grouped): 4 channels a
# group 0.87x, 8 0.86-0.94x, 16 1.4-1.6x, 32 2.4-2.6x; RegNetY-400MF (8 a group) 0.94x overall.
MIN_STATIC_GROUP_CHANNELS = 16


class QuantizationError(WASMTorchError):
    """A quantization the exporter cannot do, or arguments that do not describe one."""


@dataclasses.dataclass(frozen=True)
class QuantizationConfig:
    quantization_type: str
    preserve_accuracy: bool = True
    keep_float: frozenset = frozenset()  # module paths left in float
    # static: the calibration batches (each a list of the model's flattened inputs) and the observer
    calibration: tuple = dataclasses.field(default=(), compare=False, repr=False)
    observer: str = "minmax"
    # static: the inputs' bits, 7 (0..127, what relaxed SIMD's int8 dot takes) or 8 (0..255); None:
    # per layer, 7 where its calibrated values afford them (calibration.MIN_ACTIVATION_SQNR_DB)
    activation_bits: int = None
    # Activation ranges already observed, by tensor name: one mixed-precision search shares them
    # across the configurations it tries (they run the same float graph); None outside a search.
    observed: dict = dataclasses.field(default=None, compare=False, repr=False)
    # static: activation quantization given by module path, used instead of calibrating: what
    # PyTorch's own statically quantized model (torch.ao) applies to each layer's input.
    given: dict = dataclasses.field(default=None, compare=False, repr=False)
    # static: tensors between static convolutions are int8 (passes.form_int8_regions)
    int8_regions: bool = False

    @property
    def tolerance(self) -> float:
        return DEFAULT_TOLERANCE[self.quantization_type]


@dataclasses.dataclass
class LayerChoice:
    """What the export did with one linear, convolution or embedding: "int8", "fp16" or "float", and why."""
    source: str             # the module path (or graph node) the op came from
    op: str                 # "linear", "conv2d" or "embedding"
    shape: tuple            # the float weight's: [K, N] for a linear, [O, I, kh, kw] for a conv, [V, D] for an embedding
    choice: str             # "int8", "fp16" or "float"
    weight_sqnr_db: float
    reason: str = ""
    activation_bits: int = 0  # static int8: its input's bits (7 or 8); 0 otherwise


class QuantizedModel(torch.nn.Module):
    """A float model and how to quantize it: runs as the float model in PyTorch; export_to_wasm
    writes it quantized. report: how "mixed" chose its float layers (None otherwise)."""

    def __init__(self, model: torch.nn.Module, config: QuantizationConfig, report=None):
        super().__init__()
        self.model = model
        self.config = config
        self.report = report

    def forward(self, *args, **kwargs):
        return self.model(*args, **kwargs)


def quantize_for_wasm(model: torch.nn.Module, quantization_type: str = "dynamic", calibration_data=None,
                      target_accuracy=None, preserve_accuracy: bool = True, metric=None,
                      keep_float=(), validation_data=None, observer: str = "minmax",
                      activation_bits=None, int8_regions: bool = False) -> QuantizedModel:
    """Marks `model` for quantization at export (the performance guide's API).

    quantization_type:
      "dynamic": int8 weights, activations quantized per row at run time.
      "fp16": float16 weights (linears and large embedding tables), f32 arithmetic.
      "mixed": dynamic int8 with the layers the model cannot afford kept float, chosen by
        measurement: every layer int8 is scored on calibration_data (or validation_data: an
        iterable of batches, a DataLoader's (inputs, labels) taken as inputs) with `metric`
        (default: agreement of the argmax with the float model's; any callable
        metric(quantized_output, float_output) -> float), and while the score is below
        target_accuracy (default 0.99) layers fall back to float, the most sensitive first (each
        layer's sensitivity: the output error with it alone in int8). The result's .report lists
        the sensitivities and the score after each step. Costs one export and run per layer.
      "static": int8 weights and int8 activations with calibrated ranges: every linear and
        convolution runs the int8 GEMM on its input quantized with a scale and zero point
        observed on calibration_data (batches of inputs; the export's memory_layout must be "nhwc");
        3x3 stride-1 convolutions run Winograd in float on their int8 weights. observer: "minmax"
        (the range seen) or "percentile" (the 0.01%-99.99% quantiles). Depthwise convolutions are
        int8 too, and grouped ones of at least MIN_STATIC_GROUP_CHANNELS channels a group. int8_regions=True: where int8 convolutions only feed
        int8 convolutions, the tensor between them is int8, requantized in the writer's epilogue,
        not float (docs/QUANTIZATION.md: measured no faster in Chromium, 5-6% slower in Node, so
        not the default).
        With target_accuracy (the guide's call), layers fall back to
        float as "mixed" chooses them, on static int8 instead of dynamic. activation_bits: 7
        (0..127, as PyTorch's x86 default qconfig, reduce_range), 8 (0..255, twice the
        resolution), or None (the default): per layer, 7 where the calibrated inputs keep
        calibration.MIN_ACTIVATION_SQNR_DB at 7 bits, else 8 (the export report lists each
        layer's). Relaxed SIMD's int8 dot multiplies 7-bit inputs exactly, about 4x faster than
        the f32 GEMM where the engine's is exact (Chromium): there 3x3 convolutions run it too,
        elsewhere float Winograd on the int8 weights.
    preserve_accuracy: keep in float the layers whose int8 weights measure below
    MIN_WEIGHT_SQNR_DB (the export report lists every layer's choice and its SQNR).
    keep_float: module paths (e.g. "classifier") to leave in float regardless.
    """
    if not isinstance(model, torch.nn.Module):
        raise QuantizationError(f"quantize_for_wasm takes a torch.nn.Module, got {type(model).__name__}")
    if quantization_type not in QUANTIZATION_TYPES:
        raise QuantizationError(f"quantization_type must be one of {QUANTIZATION_TYPES}, got {quantization_type!r}")
    if quantization_type in ("dynamic", "fp16") and (calibration_data is not None or target_accuracy is not None
                                           or metric is not None or validation_data is not None):
        raise QuantizationError(f"{quantization_type} quantization takes no calibration_data, target_accuracy or "
                                "metric (it quantizes weights only); to meet a target accuracy use "
                                "quantization_type='mixed'")
    if quantization_type == "mixed" and calibration_data is None and validation_data is None:
        raise QuantizationError("mixed quantization measures accuracy: give calibration_data (batches of inputs)")
    if quantization_type == "static" and calibration_data is None:
        raise QuantizationError("static quantization calibrates its activation ranges: give calibration_data "
                                "(batches of inputs, e.g. a DataLoader)")
    if quantization_type == "static" and metric is not None and target_accuracy is None:
        raise QuantizationError("a metric scores a target_accuracy: give target_accuracy too (static quantization "
                                "then keeps the most sensitive layers float until the target holds)")
    from .calibration import OBSERVERS
    if observer != "minmax" and quantization_type != "static":
        raise QuantizationError(f"observer applies to static quantization (it calibrates activation ranges), not "
                                f"{quantization_type!r}")
    if observer not in OBSERVERS:
        raise QuantizationError(f"observer must be one of {OBSERVERS}, got {observer!r}")
    if activation_bits is not None and quantization_type != "static":
        raise QuantizationError(f"activation_bits applies to static quantization (its calibrated activations), not "
                                f"{quantization_type!r}")
    if int8_regions and quantization_type != "static":
        raise QuantizationError(f"int8_regions applies to static quantization (its int8 activations), not "
                                f"{quantization_type!r}")
    if activation_bits not in (None, 7, 8):
        raise QuantizationError(f"activation_bits must be 7 or 8, got {activation_bits!r}")
    if isinstance(keep_float, str):
        keep_float = (keep_float,)
    names = {name for name, _ in model.named_modules()}
    unknown = sorted(set(keep_float) - names)
    if unknown:
        raise QuantizationError(f"keep_float names no module of the model: {unknown}")
    if isinstance(model, QuantizedModel):
        model = model.model
    if quantization_type == "static":
        from .mixed import calibration_batches
        config = QuantizationConfig("static", bool(preserve_accuracy), frozenset(keep_float),
                                    calibration_batches(calibration_data), observer, activation_bits=activation_bits,
                                    int8_regions=bool(int8_regions))
        if target_accuracy is None:
            return QuantizedModel(model, config)
    else:
        config = QuantizationConfig("fp16" if quantization_type == "fp16" else "dynamic", bool(preserve_accuracy),
                                    frozenset(keep_float))
        if quantization_type != "mixed":
            return QuantizedModel(model, config)
    from .mixed import mixed_precision
    mixed, report = mixed_precision(model, calibration_data, 0.99 if target_accuracy is None else target_accuracy,
                                    config, metric, validation_data)
    return QuantizedModel(model, mixed, report)
