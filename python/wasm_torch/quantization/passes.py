"""The graph rewrites of quantize_for_wasm's configurations; they run inside optimize_graph
after the fusions (a fused activation or residual stays fused) and before weight packing."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from .. import ir
from ..contract import QD8_K_BLOCK, QD8_PANEL_K_PAIR, QU8_HALVES_MAX_BYTE, WEIGHT_LAYOUT_KN
from . import (MIN_EMBEDDING_BYTES, MIN_STATIC_CONV_DEPTH, MIN_STATIC_GROUP_CHANNELS, MIN_WEIGHT_SQNR_DB, LayerChoice,
               QuantizationConfig, QuantizationError)
from .weights import dequantize_per_channel, quantize_per_channel, sqnr_db, to_k_pair_panels, to_normal_halves

FP16_MAX = float(np.finfo(np.float16).max)


def module_path(source: str) -> str:
    """The module path of a node's source ("encoder.layer.0.fc (linear)" -> "encoder.layer.0.fc")."""
    return source.split(" (")[0]


def _kept_float(config: QuantizationConfig, path: str) -> bool:
    return any(path == kept or path.startswith(kept + ".") for kept in config.keep_float)


def quantize_graph(graph: ir.Graph, config: QuantizationConfig) -> list:
    """The rewrite of config's quantization_type; a LayerChoice per candidate layer."""
    rewrite = {"dynamic": quantize_dynamic, "static": quantize_static, "fp16": weights_to_fp16}
    return rewrite[config.quantization_type](graph, config)


def runs_after_packing(config: QuantizationConfig) -> bool:
    """fp16 stores weights in whatever layout packing chose (panels for the GEMM, 32 wide for
    batch-1 rows): the runtime expands them to f32 at load and runs its usual path. int8 weights
    are laid out for the int8 kernels instead, from the unpacked [K, N]."""
    return config.quantization_type == "fp16"


def _candidates(graph: ir.Graph, any_layout: bool = False):
    """(node, float weight) of each linear with a constant weight ([K, N], or any layout) and each
    embedding of a constant table of at least MIN_EMBEDDING_BYTES: the layers quantization rewrites."""
    for node in graph.nodes:
        weight = node.inputs[1] if node.op == "linear" else node.inputs[0] if node.op == "embedding" else None
        if weight is None or not weight.is_constant or weight.dtype != ir.DTYPE_CODES[torch.float32]:
            continue
        if node.op == "linear" and not any_layout and node.attrs.get("weight_layout") != WEIGHT_LAYOUT_KN:
            continue
        if node.op == "embedding" and weight.data.nbytes < MIN_EMBEDDING_BYTES:
            continue
        yield node, weight


def _float_reason(config: QuantizationConfig, path: str, sqnr: float, depth: int = 0, group_channels: int = 0) -> str:
    if _kept_float(config, path):
        return "keep_float"
    if 0 < depth < MIN_STATIC_CONV_DEPTH:
        return f"{depth} multiply-adds per output: too few for int8 to beat float (MIN_STATIC_CONV_DEPTH)"
    if 0 < group_channels < MIN_STATIC_GROUP_CHANNELS:
        return (f"{group_channels} input channels a group: too few for int8 to beat float's indirect GEMM "
                "(MIN_STATIC_GROUP_CHANNELS)")
    if config.preserve_accuracy and sqnr < MIN_WEIGHT_SQNR_DB:
        return f"weight SQNR {sqnr:.1f} dB < {MIN_WEIGHT_SQNR_DB:.0f} dB (preserve_accuracy)"
    return ""


def weights_to_fp16(graph: ir.Graph, config: QuantizationConfig) -> list:
    """Each candidate's weight stored in half precision, in the layout it has (a batch-1 linear's
    32-wide panels: the runtime streams them; other linears' packed panels: expanded to f32 at load;
    an embedding's table: rows expanded as gathered)."""
    choices, converted = [], {}
    for node, weight in _candidates(graph, any_layout=True):
        path = module_path(node.source)
        largest = float(np.abs(weight.data).max(initial=0))
        if largest > FP16_MAX:
            reason, half, sqnr = f"weights up to {largest:.3g} exceed the float16 range", None, -math.inf
        else:
            if weight not in converted:
                rounded = to_normal_halves(weight.data)
                converted[weight] = (ir.constant(weight.name + ".f16", rounded), sqnr_db(weight.data, rounded))
            half, sqnr = converted[weight]
            reason = _float_reason(config, path, sqnr)
        choices.append(LayerChoice(path, node.op, tuple(weight.shape), "float" if reason else "fp16", sqnr, reason))
        if reason:
            continue
        node.inputs[0 if node.op == "embedding" else 1] = half
    return choices


def _quantized_weight(cache: dict, node: ir.Node, weight: ir.Tensor) -> tuple:
    """(int8 weight, scales [channels], SQNR dB) of a layer's weight, made once however many ops
    share it. A linear's channels are its [K, N] weight's columns (rows [N, K rounded up to
    QD8_K_BLOCK]), a convolution's its output channels (the panel tile's [ceil(O / 8), Kp / 2, 8, 2]
    over rows (ky, kx, c), as NHWC's im2col, a grouped one's each group's in turn; a depthwise
    one's [kh*kw, C], as the float kernel's [kh, kw, C]), an embedding's its table's rows."""
    kind = "depthwise" if _depthwise(node) else node.op
    groups = node.attrs.get("groups", 1) if kind == "conv2d" else 1
    key = (weight, kind, groups)
    if key not in cache:
        data = weight.data
        kn = {"linear": lambda: data, "embedding": lambda: data.T,
              "conv2d": lambda: data.transpose(0, 2, 3, 1).reshape(data.shape[0], -1).T,
              "depthwise": lambda: data.reshape(data.shape[0], -1).T}[kind]()
        pad = {"linear": QD8_K_BLOCK, "conv2d": QD8_PANEL_K_PAIR}.get(kind, 1)
        q, scale = quantize_per_channel(kn, pad_to=pad)
        sqnr = sqnr_db(kn, dequantize_per_channel(q, scale, kn.shape[0]))
        # A grouped convolution's groups each as panels of their own output channels.
        stored = np.concatenate([to_k_pair_panels(part) for part in np.split(q, groups)]) if kind == "conv2d" \
            else np.ascontiguousarray(q.T) if kind == "depthwise" else q
        cache[key] = (ir.constant(weight.name + ".qc8w", stored), ir.constant(weight.name + ".qc8w_scale", scale), sqnr)
    return cache[key]


def _choose(config: QuantizationConfig, cache: dict, node: ir.Node, weight: ir.Tensor, choices: list, depth: int = 0,
            group_channels: int = 0):
    """The layer's int8 weight and scales, or None when it stays float (depth: a static
    convolution's multiply-adds per output); its LayerChoice appended."""
    q, scale, sqnr = _quantized_weight(cache, node, weight)
    path = module_path(node.source)
    reason = _float_reason(config, path, sqnr, depth, group_channels)
    choices.append(LayerChoice(path, node.op, tuple(weight.shape), "float" if reason else "int8", sqnr, reason))
    return None if reason else (q, scale)


def _int8_linear(node: ir.Node, op: str, q: ir.Tensor, scale: ir.Tensor, attrs: dict) -> None:
    """node (a linear of [K, N] weight) becomes `op` with inputs x, int8 weight [N, Kp], bias,
    residual, scales [N]."""
    x, weight, bias, residual = node.inputs + [None] * (4 - len(node.inputs))
    node.op = op
    node.inputs = [x, q, bias, residual, scale]
    node.attrs = {**{a: v for a, v in node.attrs.items() if a != "weight_layout"},
                  "in_features": int(weight.shape[0]), **attrs}


def quantize_dynamic(graph: ir.Graph, config: QuantizationConfig) -> list:
    """Each linear with a constant [K, N] weight becomes dynamic_quantized_linear (inputs: x, int8
    weight [N, Kp], bias, residual, scales [N]), and each embedding of a constant table of at least
    MIN_EMBEDDING_BYTES an embedding of int8 rows (inputs: table, indices, row scales), unless its
    layer stays float. Returns a LayerChoice per candidate."""
    choices, cache = [], {}
    for node, weight in _candidates(graph):
        chosen = _choose(config, cache, node, weight, choices)
        if chosen is None:
            continue
        q, scale = chosen
        if node.op == "embedding":
            node.inputs = [q, node.inputs[1], scale]
        else:
            _int8_linear(node, "dynamic_quantized_linear", q, scale, {})
    return choices


def _static_conv(node: ir.Node) -> bool:
    """A convolution the static ops run: depthwise (static_quantized_depthwise_conv2d) or any other
    (static_quantized_conv2d, grouped ones too), constant float weight, an NCHW image."""
    if node.op != "conv2d" or node.attrs.get("layout", "nchw") != "nchw":
        return False
    x, weight = node.inputs[:2]
    return weight.is_constant and weight.dtype == ir.DTYPE_CODES[torch.float32] and len(x.shape) == 4 and \
        all(type(d) is int for d in x.shape)


def _input_max_code(node: ir.Node, bits: int):
    """The top code of a static layer's input: an 8-bit linear's or convolution's input takes
    0..QU8_HALVES_MAX_BYTE, one step fewer, which relaxed SIMD's split tile multiplies as two 7-bit
    halves (the 255th value would need a half of 128); others take all 2**bits (depthwise layers
    run 8-bit inputs in float)."""
    return QU8_HALVES_MAX_BYTE if bits == 8 and not _depthwise(node) else None


def _depthwise(node: ir.Node) -> bool:
    """A convolution with a group per input channel and one output channel each, and no residual."""
    groups, weight = node.attrs.get("groups", 1), node.inputs[1]
    return node.op == "conv2d" and groups > 1 and tuple(weight.shape[:2]) == (groups, 1) and \
        node.inputs[0].shape[1] == groups and (len(node.inputs) < 4 or node.inputs[3] is None)


def quantize_static(graph: ir.Graph, config: QuantizationConfig) -> list:
    """Each linear with a constant [K, N] weight becomes static_quantized_linear, each convolution
    (grouped ones too) of at least MIN_STATIC_CONV_DEPTH multiply-adds per output
    static_quantized_conv2d and each depthwise one static_quantized_depthwise_conv2d (weights as
    quantize_dynamic's; a convolution's rows (ky, kx, c) of its group's channels, a depthwise one's
    [kh*kw, C]), their inputs' scale and zero point given by module path (config.given) or else
    calibrated on config.calibration (attributes input_scale, input_zero_point, input_bits: the
    configuration's activation_bits, or by default 7 where the calibrated values keep
    MIN_ACTIVATION_SQNR_DB at 7 bits, else 8); embeddings as quantize_dynamic's. Returns a
    LayerChoice per candidate."""
    from .calibration import MIN_ACTIVATION_SQNR_DB, activation_quantization, calibrate

    choices, cache, int8 = [], {}, []
    layers = list(_candidates(graph)) + [(n, n.inputs[1]) for n in graph.nodes if _static_conv(n)]
    for node, weight in layers:
        # A depthwise layer has few multiply-adds per output but a kernel of its own that gains.
        # PyTorch's own quantized models (config.given) take the same rule: their shallow layers
        # run float on the weights PyTorch quantized (PT2E's MobileNetV2 in Chromium: the stem and
        # the 1x1 convolutions of 16-24 channels 1.1-1.5x slower in int8 than in float).
        depth = int(np.prod(weight.shape[1:])) if node.op == "conv2d" and not _depthwise(node) else 0
        grouped = depth and node.attrs.get("groups", 1) > 1
        chosen = _choose(config, cache, node, weight, choices, depth, int(weight.shape[1]) if grouped else 0)
        if chosen is None:
            continue
        if node.op == "embedding":
            node.inputs = [chosen[0], node.inputs[1], chosen[1]]
        else:
            int8.append((node, weight, *chosen, choices[-1]))
    observed = config.observed if config.observed is not None else {}
    given = config.given or {}
    missing = [node for node, *_ in int8
               if module_path(node.source) not in given and node.inputs[0].name not in observed]
    if missing and not config.calibration:
        raise QuantizationError(f"{module_path(missing[0].source)}: no activation quantization was given for this "
                                "layer's input and there is no calibration data to observe it")
    if missing:
        observed.update((t.name, q) for t, q in
                        calibrate(graph, [n.inputs[0] for n in missing], config.calibration, config.observer).items())
    for node, weight, q, scale, choice in int8:
        activation = given.get(module_path(node.source))
        if activation is None:  # the observed range, in the bits asked for or that its values afford
            seen = observed[node.inputs[0].name]
            bits = config.activation_bits or (7 if seen.seven_bit_sqnr_db >= MIN_ACTIVATION_SQNR_DB else 8)
            activation = activation_quantization(seen.low, seen.high, bits, _input_max_code(node, bits))
        else:  # PyTorch's scale and zero point, its codes capped as the runtime takes them
            activation = dataclasses.replace(activation, max_code=_input_max_code(node, activation.bits))
        choice.activation_bits = activation.bits
        attrs = {"input_scale": activation.scale, "input_zero_point": activation.zero_point}
        if activation.bits != 8:
            attrs["input_bits"] = activation.bits
        if activation.max_code is not None:
            attrs["input_max"] = activation.max_code
        if node.op == "linear":
            _int8_linear(node, "static_quantized_linear", q, scale, attrs)
            continue
        out_channels, _, kh, kw = weight.shape
        if _depthwise(node):
            node.op = "static_quantized_depthwise_conv2d"
            node.inputs = [node.inputs[0], q, node.inputs[2] if len(node.inputs) > 2 else None, None, scale]
            node.attrs = {**node.attrs, "kernel_size": [kh, kw], **attrs}
            continue
        node.op = "static_quantized_conv2d"
        node.inputs = [node.inputs[0], q] + node.inputs[2:4] + [None] * (4 - len(node.inputs)) + [scale]
        node.attrs = {**node.attrs, "kernel_size": [kh, kw], "out_channels": int(out_channels), **attrs}
    return choices


STATIC_CONVOLUTIONS = ("static_quantized_conv2d", "static_quantized_depthwise_conv2d")


def _reads_int8(node: ir.Node) -> bool:
    """Whether a static convolution multiplies its input in int8 on some engine: every one-group one
    (the int8 GEMM; 3x3 ones may take float Winograd where the byte tile does not run), and 7-bit
    depthwise ones at stride 1 (the int8 depthwise kernel; others run the float kernel everywhere,
    and bytes in would only cost them a dequantizing pass)."""
    if node.op == "static_quantized_conv2d":
        return True
    return node.op == "static_quantized_depthwise_conv2d" and node.attrs.get("input_bits", 8) == 7 and \
        list(node.attrs.get("stride", [1, 1])) == [1, 1]


def form_int8_regions(graph: ir.Graph) -> int:
    """Int8 regions: a static convolution whose output only int8-reading static convolutions read, each
    as its input 0 with the same quantization, writes that output as the bytes they would quantize
    it to (attributes output_scale, output_zero_point, output_bits, output_max: their input_*; the
    tensor becomes uint8), requantized in its epilogue, and they read the bytes as they are. The
    float tensor between them and its quantization pass are gone, and the int8 kernels multiply the
    same values; a reader that runs in float on some engine (Winograd where the byte tile does not
    run) reads the bytes dequantized there, where it read the float before. Runs after to_nhwc (the
    convolutions then read each other directly). Returns the edges made int8."""
    readers: dict = {}
    for node in graph.nodes:
        for index, t in enumerate(node.inputs):
            if t is not None:
                readers.setdefault(t, []).append((node, index))
    graph_outputs = set(graph.outputs)
    edges = 0
    for node in graph.nodes:
        if node.op not in STATIC_CONVOLUTIONS or node.outputs[0] in graph_outputs:
            continue
        reading = readers.get(node.outputs[0], [])
        if not reading or any(not _reads_int8(r) or index != 0 for r, index in reading):
            continue
        quantizations = {(r.attrs["input_scale"], r.attrs["input_zero_point"], r.attrs.get("input_bits", 8),
                          r.attrs.get("input_max")) for r, _ in reading}
        if len(quantizations) != 1:
            continue
        scale, zero_point, bits, max_code = quantizations.pop()
        node.attrs.update(output_scale=scale, output_zero_point=zero_point)
        if bits != 8:
            node.attrs["output_bits"] = bits
        if max_code is not None:
            node.attrs["output_max"] = max_code
        node.outputs[0].dtype = ir.DTYPE_CODES[torch.uint8]
        edges += 1
    return edges
