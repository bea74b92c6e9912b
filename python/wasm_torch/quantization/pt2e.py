"""PT2E quantized graphs (torchao's prepare_pt2e / convert_pt2e over a torch.export graph) as
wasm-torch reads them, the way torch_ao.py reads eager and FX models: the graph becomes its float
twin, marked for the wasm-torch quantization that runs the same arithmetic.

- Each conv2d or linear whose weight is a dequantized int8 constant becomes an nn.Conv2d / nn.Linear
  module (at the module path the call came from) holding the dequantized weight; wasm-torch derives
  its int8 values per channel again, the same values where a channel reaches +-127.
- Static graphs: every quantize_per_tensor / dequantize_per_tensor pair is dropped; the pair
  before a layer gives that layer's input scale and zero point (not calibrated again). Between
  layers wasm-torch keeps float tensors, where the graph rounds at every pair: the two differ by
  about half a step where a pair sits between float ops (torch_ao.py says the same of eager models).
- Dynamic graphs (activations quantized with choose_qparams at run time): every such layer runs as
  wasm-torch's dynamic int8, its input quantized per row (PT2E: per tensor), so a finer step.
- Layers whose weight is float stay float.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from . import QuantizationConfig, QuantizationError, QuantizedModel
from .torch_ao import unquantized_layers

_NAMESPACE = "quantized_decomposed"


def _is_quantized_op(node, *names) -> bool:
    target = node.target
    return node.op == "call_function" and getattr(target, "namespace", None) == _NAMESPACE and \
        (not names or target._schema.name.split("::")[-1] in names)


def is_pt2e_quantized(model) -> bool:
    """Whether `model` is a graph of PT2E's quantize / dequantize ops (convert_pt2e's output)."""
    return isinstance(model, torch.fx.GraphModule) and any(_is_quantized_op(n) for n in model.graph.nodes)


def from_pt2e(model: torch.fx.GraphModule) -> QuantizedModel:
    """The QuantizedModel standing for a PT2E quantized graph (module docstring); QuantizationError
    for a graph it does not read."""
    twin = copy.deepcopy(model).eval()  # its ops are fixed; eval() only clears the training flag
    graph = twin.graph
    dynamic = any(_is_quantized_op(n, "choose_qparams") for n in graph.nodes)
    calls = {}  # the call_module node of each layer: its input's quantization (None: not quantized)
    for node in list(graph.nodes):
        layer = _float_layer(twin, node)
        if layer is None:
            continue
        name = f"_wt_layer_{node.name}"
        twin.add_submodule(name, layer)
        with graph.inserting_before(node):
            call = graph.call_module(name, (node.args[0],))
        call.meta = dict(node.meta)
        calls[call] = None if dynamic else _input_quantization(twin, node.args[0], _source_path(node) or node.name)
        node.replace_all_uses_with(call)
        graph.erase_node(node)
    _drop_quantization(twin)
    _move_to_source_paths(twin, calls)
    layers = [call.target for call in calls]
    given = {call.target: activation for call, activation in calls.items() if activation is not None}
    keep_float = unquantized_layers(twin, set(layers)) | _float_layer_calls(twin)
    if dynamic:
        return QuantizedModel(twin, QuantizationConfig("dynamic", preserve_accuracy=False, keep_float=keep_float))
    unquantized_inputs = sorted(set(layers) - set(given))
    if unquantized_inputs:
        raise QuantizationError(f"{unquantized_inputs[0]}: its weight is int8 but its input is not quantized in the "
                                "PT2E graph; wasm-torch reads static graphs whose quantized layers have quantized "
                                "inputs (or dynamic ones)")
    return QuantizedModel(twin, QuantizationConfig("static", preserve_accuracy=False, keep_float=keep_float,
                                                   given=given))


# What the graph's float convolutions and linears call (the layers PT2E left float).
_LAYER_OPS = {torch.ops.aten.conv1d.default, torch.ops.aten.conv2d.default, torch.ops.aten.linear.default,
              torch.ops.aten.addmm.default, torch.ops.aten.mm.default, torch.ops.aten.matmul.default}


def _float_layer_calls(graph_module) -> frozenset:
    """The module paths of the convolution and linear calls left in the graph: they stay float."""
    return frozenset(path for n in graph_module.graph.nodes if n.op == "call_function" and n.target in _LAYER_OPS
                     and (path := _source_path(n)))


def _constant(graph_module, arg):
    """The value of a node argument that is a constant (a get_attr, or a plain Python value)."""
    if isinstance(arg, torch.fx.Node):
        if arg.op != "get_attr":
            return None
        value = graph_module
        for name in arg.target.split("."):
            value = getattr(value, name)
        return value
    return arg


def _dequantized_weight(graph_module, node):
    """The float weight a dequantize node computes from constants, or None."""
    if not isinstance(node, torch.fx.Node) or not _is_quantized_op(node, "dequantize_per_channel",
                                                                   "dequantize_per_tensor"):
        return None
    args = [_constant(graph_module, a) for a in node.args]
    if any(a is None for a in args) or not isinstance(args[0], torch.Tensor) or args[0].dtype != torch.int8:
        return None
    return node.target(*args, **node.kwargs).float()


def _float_layer(graph_module, node):
    """The nn.Conv2d or nn.Linear a conv2d / linear call over a dequantized int8 weight stands for."""
    conv = node.target is torch.ops.aten.conv2d.default
    if node.op != "call_function" or not (conv or node.target is torch.ops.aten.linear.default):
        return None
    weight = _dequantized_weight(graph_module, node.args[1])
    if weight is None:
        return None
    bias = _constant(graph_module, node.args[2]) if len(node.args) > 2 else None
    if len(node.args) > 2 and node.args[2] is not None and bias is None:
        return None  # a computed bias: the call stays as it is, float
    if conv:
        stride, padding, dilation, groups = (list(node.args[3:7]) + [1, 0, 1, 1][len(node.args[3:7]):])
        layer = nn.Conv2d(weight.shape[1] * groups, weight.shape[0], tuple(weight.shape[2:]), stride, padding,
                          dilation, groups, bias=bias is not None)
    else:
        layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer.eval()


def _source_path(node) -> str:
    """The module path a node of the graph came from ("" if none is recorded)."""
    stack = node.meta.get("nn_module_stack") or {}
    return next(reversed(stack.values()))[0] if stack else ""


def _move_to_source_paths(graph_module, calls) -> None:
    """Each layer's module moved to the path of the module its call came from, so reports and
    keep_float name the user's modules: in place of what the export left there (a module holding
    the bias it read), unless the graph still reads something at that path."""
    graph = graph_module.graph
    read = {n.target for n in graph.nodes if n.op in ("get_attr", "call_module") and n not in calls}
    for call in calls:
        path = _source_path(call)
        if not path or any(t == path or t.startswith(path + ".") or path.startswith(t + ".") for t in read):
            continue
        layer = graph_module.get_submodule(call.target)
        parent, _, name = path.rpartition(".")
        owner = graph_module.get_submodule(parent) if parent else graph_module
        if hasattr(owner, name):
            delattr(owner, name)
        if graph_module.add_submodule(path, layer):
            graph_module.delete_submodule(call.target)
            call.target = path
            read.add(path)
    graph_module.recompile()


def _input_quantization(graph_module, arg, path):
    """The ActivationQuantization of a dequantize_per_tensor(quantize_per_tensor(x)) input, or None."""
    from .calibration import given_activation_quantization

    if not isinstance(arg, torch.fx.Node) or not _is_quantized_op(arg, "dequantize_per_tensor"):
        return None
    scale, zero_point, quant_min, quant_max, dtype = (_constant(graph_module, a) for a in arg.args[1:6])
    if any(v is None for v in (scale, zero_point)):
        raise QuantizationError(f"{path}: its input's scale or zero point is computed in the graph, not a constant")
    scale, zero_point = float(scale), int(zero_point)
    # int8 codes q - zp are uint8's (q + 128) - (zp + 128): one 0..255 code either way.
    shift = 128 if dtype == torch.int8 else 0
    if (quant_min + shift, quant_max + shift) != (0, 255) or dtype not in (torch.uint8, torch.int8):
        raise QuantizationError(f"{path}: its input is quantized to {dtype} {quant_min}..{quant_max}; wasm-torch reads "
                                "the full 8-bit range (uint8 0..255 or int8 -128..127)")
    zero_point += shift
    return given_activation_quantization(scale, zero_point)


def _drop_quantization(graph_module) -> None:
    """The graph without its quantize / dequantize calls (each dequantize's users read what the
    quantize read) and without what only they used; QuantizationError names another such op."""
    graph = graph_module.graph
    for node in list(graph.nodes):
        if _is_quantized_op(node, "dequantize_per_tensor", "dequantize_per_channel"):
            source = node.args[0]
            if isinstance(source, torch.fx.Node) and _is_quantized_op(source, "quantize_per_tensor",
                                                                      "quantize_per_channel"):
                node.replace_all_uses_with(source.args[0])
            elif (weight := _dequantized_weight(graph_module, node)) is not None:
                name = f"_wt_dequantized_{node.name}"
                graph_module.register_buffer(name, weight)
                with graph.inserting_before(node):
                    node.replace_all_uses_with(graph.get_attr(name))
    graph.eliminate_dead_code()
    left = [n for n in graph.nodes if _is_quantized_op(n) and n.users]
    if left:
        raise QuantizationError(f"the PT2E graph calls {left[0].target} (node {left[0].name}) where wasm-torch "
                                "reads quantize / dequantize pairs and dequantized int8 weights")
    graph_module.recompile()
