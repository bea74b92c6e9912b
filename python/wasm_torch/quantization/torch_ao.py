"""PyTorch's own quantized models (torch.ao.quantization, eager or FX mode) as wasm-torch reads them: the
model becomes its float twin (each quantized module the float module it stands for, holding the
dequantized int8 weights), marked for the wasm-torch quantization that runs the same arithmetic,
so it exports onto the same ops as quantize_for_wasm. The int8 values are re-derived per channel
from the dequantized weights: the same values where PyTorch's channel reaches +-127, and never a
coarser step than PyTorch's per-tensor ones.

- quantize_dynamic's model: every dynamically quantized Linear runs as dynamic int8.
- A statically quantized model (prepare / calibrate / convert): every quantized convolution and
  linear runs as static int8, its input quantized with the scale and zero point PyTorch gives that
  input (recorded on one forward of the example input), not calibrated again. Between them
  wasm-torch keeps float tensors, where PyTorch requantizes each op's output: an op whose output
  feeds a quantized layer is rounded there to the same scale, so the two differ by about half an
  output step where a float op (an add, a pooling) sits between. An FX-mode graph (convert_fx)
  loses its quantize / dequantize calls and computes its quantized functions in float.
"""
from __future__ import annotations

import copy

import torch
import torch.ao.nn.intrinsic.quantized as nniq
import torch.ao.nn.quantized as nnq
import torch.ao.nn.quantized.dynamic as nnqd
from torch import nn

from . import QuantizationConfig, QuantizationError, QuantizedModel


def _is_quantized_module(module) -> bool:
    name = type(module).__module__
    return ".quantized" in name or ".intrinsic.quantized" in name


def torch_quantized_modules(model: torch.nn.Module) -> list:
    """Names (module path: type) of the torch.ao quantized modules and tensors in `model`."""
    found = [f"{path or '(model)'}: {type(m).__module__}.{type(m).__name__}" for path, m in model.named_modules()
             if _is_quantized_module(m)]
    return found or [n for n, t in model.state_dict().items() if isinstance(t, torch.Tensor) and t.is_quantized]


def from_torch_ao(model: torch.nn.Module, args: tuple, kwargs: dict) -> QuantizedModel:
    """The QuantizedModel standing for a torch.ao quantized model (module docstring), `args` and
    `kwargs` the export's example; QuantizationError for a module it does not read."""
    modules = dict(model.named_modules())
    # The outermost quantized modules (a quantized Linear, not its packed parameters).
    outer = {path: m for path, m in modules.items() if _is_quantized_module(m)
             and not (path and _is_quantized_module(modules[path.rpartition(".")[0]]))}
    dynamic = {path for path, m in outer.items() if isinstance(m, nnqd.Linear)}
    twins = {path: _float_linear(m) if path in dynamic else _float_twin(m) for path, m in outer.items()}
    unread = [f"{path or '(model)'}: {type(m).__name__}" for path, m in outer.items() if twins[path] is None]
    if unread:
        raise QuantizationError(f"the model holds PyTorch quantized modules wasm-torch does not read "
                                f"({', '.join(unread[:3])}); it reads quantize_dynamic's Linears and statically "
                                "quantized convolutions, linears, their fused activations and the modules around "
                                "them. Export the float model with wasm_torch.optimize.quantize_for_wasm(model, "
                                "'static', calibration_data=...) instead")
    if dynamic and len(dynamic) != len(outer):
        raise QuantizationError("the model mixes PyTorch's dynamic and static quantization "
                                f"({sorted(dynamic)[0]} dynamic, {sorted(set(outer) - dynamic)[0]} static); "
                                "wasm-torch reads one kind per model")
    twin, layers = _float_twin_model(model, twins)
    keep_float = unquantized_layers(twin, set(layers.values()))
    if dynamic:
        return QuantizedModel(twin, QuantizationConfig("dynamic", preserve_accuracy=False, keep_float=keep_float))
    inputs = _layer_inputs(model, {path: outer[path] for path in layers}, args, kwargs)
    given = {layers[path]: activation for path, activation in inputs.items()}
    return QuantizedModel(twin, QuantizationConfig("static", preserve_accuracy=False, keep_float=keep_float,
                                                   given=given))


def _float_twin_model(model, twins: dict) -> tuple:
    """(a deep copy of `model` with the module at each path of `twins` replaced by its float twin, in
    eval mode; {module path: the path of its twin's convolution or linear} for the quantized layers)."""
    twin, layers = copy.deepcopy(model), {}
    if isinstance(twin, torch.fx.GraphModule):
        _dequantize_graph(twin)
    for path, replacement in twins.items():
        layer = _twin_layer(replacement)
        if layer is not None:
            layers[path] = ".".join(p for p in (path, layer) if p)
        if not path:
            return replacement.eval(), layers
        parent, _, name = path.rpartition(".")
        setattr(twin.get_submodule(parent) if parent else twin, name, replacement)
    return twin.eval(), layers


def _float_functions() -> dict:
    """What each quantized function of a torch.ao FX graph computes in float, from its float inputs."""
    q = torch.ops.quantized
    return {q.add: lambda a, b, *_, **__: a + b, q.add_relu: lambda a, b, *_, **__: torch.relu(a + b),
            q.mul: lambda a, b, *_, **__: a * b, q.mul_relu: lambda a, b, *_, **__: torch.relu(a * b),
            q.matmul: lambda a, b, *_, **__: torch.matmul(a, b),
            q.hardswish: lambda x, *_, **__: torch.nn.functional.hardswish(x),
            q.leaky_relu: lambda x, negative_slope=0.01, *_, **__: torch.nn.functional.leaky_relu(x, negative_slope),
            q.elu: lambda x, output_scale, output_zero_point, alpha=1.0, *_, **__: torch.nn.functional.elu(x, alpha)}


def _dequantize_graph(graph_module: torch.fx.GraphModule) -> None:
    """A torch.ao FX-mode graph (convert_fx) in float: its quantize and dequantize calls removed
    (each layer's input quantization is recorded by hooks, as in eager mode) and its quantized
    functions replaced by their float arithmetic; QuantizationError names one it does not read."""
    floats = _float_functions()
    for node in list(graph_module.graph.nodes):
        target = node.target
        packet = getattr(target, "overloadpacket", target)
        if (node.op == "call_function" and target is torch.quantize_per_tensor) or \
                (node.op == "call_method" and target == "dequantize"):
            node.replace_all_uses_with(node.args[0])
        elif node.op == "call_function" and packet in floats:
            with graph_module.graph.inserting_after(node):
                replacement = graph_module.graph.call_function(floats[packet], node.args, node.kwargs)
            node.replace_all_uses_with(replacement)
        elif node.op == "call_function" and str(packet).startswith("quantized."):
            raise QuantizationError(f"the FX graph calls {target} (node {node.name}), a quantized function "
                                    "wasm-torch does not read")
        else:
            continue
        graph_module.graph.erase_node(node)
    graph_module.graph.eliminate_dead_code()
    graph_module.recompile()


def _twin_layer(module) -> str | None:
    """The path, inside a twin, of its convolution or linear ("" for the twin itself)."""
    if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
        return ""
    if isinstance(module, nn.Sequential):
        return "0" if _twin_layer(module[0]) == "" else None
    return "conv" if isinstance(module, _ConvAdd) else None


def unquantized_layers(twin, layers) -> frozenset:
    """The paths of the twin's convolutions and linears PyTorch left in float: they stay float."""
    return frozenset(path for path, m in twin.named_modules()
                     if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd)) and path not in layers)


def _layer_inputs(model, layers: dict, args: tuple, kwargs: dict) -> dict:
    """{module path: ActivationQuantization} of the input of each of `layers` (the quantized
    convolutions and linears of `model`, by path), as one forward of the example gives it."""
    from .calibration import given_activation_quantization

    seen, hooks = {}, []

    def record(path):
        def hook(module, inputs):
            x = inputs[0]
            quantized = isinstance(x, torch.Tensor) and x.is_quantized
            if not quantized or x.qscheme() != torch.per_tensor_affine:
                what = f"quantized {x.qscheme()}" if quantized else "not quantized (no QuantStub before it?)"
                raise QuantizationError(f"{path}: its input is {what}; wasm-torch reads statically quantized "
                                        "layers whose inputs are quantized per tensor")
            # qint8 values q - zp are quint8's (q + 128) - (zp + 128): one 0..255 code either way.
            zero_point = int(x.q_zero_point()) + (128 if x.dtype == torch.qint8 else 0)
            scale = float(x.q_scale())
            activation = given_activation_quantization(scale, zero_point)
            if seen.setdefault(path, activation) != activation:
                raise QuantizationError(f"{path} runs on inputs of different quantization ({seen[path]} and "
                                        f"{activation}); wasm-torch gives each layer one")
        return hook

    for path, module in layers.items():
        hooks.append(module.register_forward_pre_hook(record(path)))
    try:
        with torch.no_grad():
            model(*args, **kwargs)
    finally:
        for hook in hooks:
            hook.remove()
    return seen


class _ConvAdd(nn.Module):
    """nniq.ConvAdd2d / ConvAddReLU2d in float: conv(x) + extra, then ReLU or not."""

    def __init__(self, conv: nn.Module, relu: bool):
        super().__init__()
        self.conv, self.relu = conv, relu

    def forward(self, x, extra):
        y = self.conv(x) + extra
        return torch.relu(y) if self.relu else y


_CONVS = ((nnq.Conv3d, nn.Conv3d), (nnq.Conv2d, nn.Conv2d), (nnq.Conv1d, nn.Conv1d))


def _float_conv(m) -> nn.Module:
    float_type = next(f for q, f in _CONVS if isinstance(m, q))
    conv = float_type(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation, m.groups,
                      m.bias() is not None, m.padding_mode)
    with torch.no_grad():
        conv.weight.copy_(m.weight().dequantize())
        if m.bias() is not None:
            conv.bias.copy_(m.bias())
    return conv


def _float_linear(m) -> nn.Module:
    weight = m.weight()
    if weight.dtype != torch.qint8:
        raise QuantizationError(f"quantization of Linear weights to {weight.dtype} is not read "
                                "(wasm-torch reads qint8 weights)")
    linear = nn.Linear(m.in_features, m.out_features, bias=m.bias() is not None)
    with torch.no_grad():
        linear.weight.copy_(weight.dequantize())
        if m.bias() is not None:
            linear.bias.copy_(m.bias())
    return linear


def _float_norm(m, float_type) -> nn.Module:
    norm = copy.deepcopy(m)
    norm.__class__ = float_type  # the quantized norms keep the float module's parameters and buffers
    return norm


def _float_twin(m) -> nn.Module | None:
    """The float module a statically quantized module stands for; None when it is not read."""
    if isinstance(m, (nniq.ConvAdd2d, nniq.ConvAddReLU2d)):
        return _ConvAdd(_float_conv(m), isinstance(m, nniq.ConvAddReLU2d))
    fused = {nniq.ConvReLU1d: nn.ReLU, nniq.ConvReLU2d: nn.ReLU, nniq.ConvReLU3d: nn.ReLU, nniq.LinearReLU: nn.ReLU,
             nniq.LinearTanh: nn.Tanh}
    if type(m) in fused:
        layer = _float_linear(m) if isinstance(m, nnq.Linear) else _float_conv(m)
        return nn.Sequential(layer, fused[type(m)]())
    if isinstance(m, nniq.LinearLeakyReLU):
        return nn.Sequential(_float_linear(m), nn.LeakyReLU(m.negative_slope))
    if isinstance(m, nniq.BNReLU2d):
        return nn.Sequential(_float_norm(m, nn.BatchNorm2d), nn.ReLU())
    if type(m) in (nnq.Linear, nnqd.Linear):
        return _float_linear(m)
    if type(m) in (nnq.Conv1d, nnq.Conv2d, nnq.Conv3d):
        return _float_conv(m)
    norms = {nnq.BatchNorm2d: nn.BatchNorm2d, nnq.BatchNorm3d: nn.BatchNorm3d, nnq.LayerNorm: nn.LayerNorm,
             nnq.GroupNorm: nn.GroupNorm, nnq.InstanceNorm1d: nn.InstanceNorm1d,
             nnq.InstanceNorm2d: nn.InstanceNorm2d, nnq.InstanceNorm3d: nn.InstanceNorm3d}
    if type(m) in norms:
        return _float_norm(m, norms[type(m)])
    simple = {nnq.Quantize: nn.Identity, nnq.DeQuantize: nn.Identity, nnq.QFunctional: nnq.FloatFunctional,
              nnq.ReLU6: nn.ReLU6, nnq.Hardswish: nn.Hardswish, nnq.Sigmoid: nn.Sigmoid, nnq.Dropout: nn.Dropout}
    if type(m) in simple:
        return simple[type(m)]()
    if isinstance(m, nnq.LeakyReLU):
        return nn.LeakyReLU(m.negative_slope)
    if isinstance(m, nnq.ELU):
        return nn.ELU(m.alpha)
    if isinstance(m, nnq.Softmax):
        return nn.Softmax(m.dim)
    if isinstance(m, nnq.MaxPool2d):
        return nn.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices, m.ceil_mode)
    return None
