"""PyTorch's own quantized models (torch.ao.quantization) as wasm-torch reads them: a model from
torch.ao.quantization.quantize_dynamic becomes its float twin (each dynamically quantized Linear a
Linear holding the dequantized int8 weights) marked for wasm-torch's dynamic int8, so it exports
onto the same ops as quantize_for_wasm(model, "dynamic") (its int8 values re-derived per channel
from those weights: never coarser than PyTorch's per-tensor ones)."""
from __future__ import annotations

import copy

import torch

from . import QuantizationConfig, QuantizationError, QuantizedModel


def _is_quantized_module(module) -> bool:
    name = type(module).__module__
    return ".quantized" in name or ".intrinsic.quantized" in name


def torch_quantized_modules(model: torch.nn.Module) -> list:
    """Names (module path: type) of the torch.ao quantized modules and tensors in `model`."""
    found = [f"{path or '(model)'}: {type(m).__module__}.{type(m).__name__}" for path, m in model.named_modules()
             if _is_quantized_module(m)]
    return found or [n for n, t in model.state_dict().items() if isinstance(t, torch.Tensor) and t.is_quantized]


def from_torch_dynamic(model: torch.nn.Module) -> QuantizedModel:
    """The QuantizedModel standing for a torch.ao dynamically quantized model; QuantizationError
    when it holds other quantized modules (PyTorch's statically quantized modules are not read)."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    modules = dict(model.named_modules())
    # The outermost quantized modules (a quantized Linear, not its packed parameters) that are not
    # dynamic Linears.
    others = [f"{path or '(model)'}: {type(m).__name__}" for path, m in modules.items()
              if _is_quantized_module(m) and not isinstance(m, DynamicLinear)
              and not (path and _is_quantized_module(modules[path.rpartition(".")[0]]))]
    if others:
        raise QuantizationError(f"the model holds PyTorch quantized modules wasm-torch does not read yet "
                                f"({', '.join(others[:3])}): PyTorch's static quantization is not read; export the "
                                "float model with wasm_torch.optimize.quantize_for_wasm(model, 'static', "
                                "calibration_data=...), or quantize it with torch.ao.quantization.quantize_dynamic")
    twin = copy.deepcopy(model)
    for path, module in list(twin.named_modules()):
        if not isinstance(module, DynamicLinear):
            continue
        if module.weight().dtype != torch.qint8:
            raise QuantizationError(f"{path}: dynamic quantization to {module.weight().dtype} is not read "
                                    "(wasm-torch reads qint8 weights)")
        linear = torch.nn.Linear(module.in_features, module.out_features, bias=module.bias() is not None)
        with torch.no_grad():
            linear.weight.copy_(module.weight().dequantize())
            if module.bias() is not None:
                linear.bias.copy_(module.bias())
        parent, _, name = path.rpartition(".")
        setattr(twin.get_submodule(parent) if parent else twin, name, linear)
    # Every Linear PyTorch quantized stays int8, as the user chose; the others stay float.
    quantized = {path for path, m in model.named_modules() if isinstance(m, DynamicLinear)}
    keep = frozenset(path for path, m in twin.named_modules() if isinstance(m, torch.nn.Linear) and path not in quantized)
    return QuantizedModel(twin.eval(), QuantizationConfig("dynamic", preserve_accuracy=False, keep_float=keep))
