"""The graph rewrites of quantize_for_wasm's configurations; they run inside optimize_graph
after the fusions (a fused activation or residual stays fused) and before weight packing."""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import ir
from ..contract import QD8_K_BLOCK, WEIGHT_LAYOUT_KN
from . import MIN_EMBEDDING_BYTES, MIN_WEIGHT_SQNR_DB, LayerChoice, QuantizationConfig
from .weights import dequantize_per_channel, quantize_per_channel, sqnr_db

FP16_MAX = float(np.finfo(np.float16).max)


def module_path(source: str) -> str:
    """The module path of a node's source ("encoder.layer.0.fc (linear)" -> "encoder.layer.0.fc")."""
    return source.split(" (")[0]


def _kept_float(config: QuantizationConfig, path: str) -> bool:
    return any(path == kept or path.startswith(kept + ".") for kept in config.keep_float)


def quantize_graph(graph: ir.Graph, config: QuantizationConfig) -> list:
    """The rewrite of config's quantization_type; a LayerChoice per candidate layer."""
    return {"dynamic": quantize_dynamic, "fp16": weights_to_fp16}[config.quantization_type](graph, config)


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


def _float_reason(config: QuantizationConfig, path: str, sqnr: float) -> str:
    if _kept_float(config, path):
        return "keep_float"
    if config.preserve_accuracy and sqnr < MIN_WEIGHT_SQNR_DB:
        return f"weight SQNR {sqnr:.1f} dB < {MIN_WEIGHT_SQNR_DB:.0f} dB (preserve_accuracy)"
    return ""


def weights_to_fp16(graph: ir.Graph, config: QuantizationConfig) -> list:
    """Each candidate's weight stored in half precision, in the layout it has (a linear's packed
    panels: the runtime expands them to f32 at load; an embedding's table: rows expanded as gathered)."""
    choices, converted = [], {}
    for node, weight in _candidates(graph, any_layout=True):
        path = module_path(node.source)
        largest = float(np.abs(weight.data).max(initial=0))
        if largest > FP16_MAX:
            reason, half, sqnr = f"weights up to {largest:.3g} exceed the float16 range", None, -math.inf
        else:
            if weight not in converted:
                rounded = weight.data.astype(np.float16)
                converted[weight] = (ir.constant(weight.name + ".f16", rounded), sqnr_db(weight.data, rounded))
            half, sqnr = converted[weight]
            reason = _float_reason(config, path, sqnr)
        choices.append(LayerChoice(path, node.op, tuple(weight.shape), "float" if reason else "fp16", sqnr, reason))
        if reason:
            continue
        node.inputs[0 if node.op == "embedding" else 1] = half
    return choices


def quantize_dynamic(graph: ir.Graph, config: QuantizationConfig) -> list:
    """Each linear with a constant [K, N] weight becomes dynamic_quantized_linear (inputs: x, int8
    weight [N, Kp], bias, residual, scales [N]), and each embedding of a constant table of at least
    MIN_EMBEDDING_BYTES an embedding of int8 rows (inputs: table, indices, row scales), unless its
    layer stays float. Returns a LayerChoice per candidate."""
    choices, quantized = [], {}  # a weight shared by several ops is quantized once
    for node, weight in _candidates(graph):
        if weight not in quantized:
            # A linear's channels are its [K, N] weight's columns; an embedding's, its table's rows.
            kn = weight.data if node.op == "linear" else weight.data.T
            q, scale = quantize_per_channel(kn, pad_to=QD8_K_BLOCK if node.op == "linear" else 1)
            quantized[weight] = (ir.constant(weight.name + ".qc8w", q), ir.constant(weight.name + ".qc8w_scale", scale),
                                 sqnr_db(kn, dequantize_per_channel(q, scale, kn.shape[0])))
        q, scale, sqnr = quantized[weight]
        path = module_path(node.source)
        reason = _float_reason(config, path, sqnr)
        choices.append(LayerChoice(path, node.op, tuple(weight.shape), "float" if reason else "int8", sqnr, reason))
        if reason:
            continue
        if node.op == "embedding":
            node.inputs = [q, node.inputs[1], scale]
            continue
        x, _, bias, residual = node.inputs + [None] * (4 - len(node.inputs))
        node.op = "dynamic_quantized_linear"
        node.inputs = [x, q, bias, residual, scale]
        node.attrs = {**{a: v for a, v in node.attrs.items() if a != "weight_layout"}, "in_features": int(weight.shape[0])}
    return choices
