"""optimize_for_browser (the performance guide's "Operator Fusion"): a model with the passes
export_to_wasm runs on it, named as the guide names them or as PASSES does, instead of those of
the optimization level."""
from __future__ import annotations

import torch

from . import GUIDE_PASSES, PASSES, optimize_graph

DEFAULT_PASSES = list(GUIDE_PASSES)


class BrowserOptimizedModel(torch.nn.Module):
    """A model and the passes its export runs (`passes`: PASSES' names, in order). It runs as the
    model in PyTorch. report: a PassReport per pass when optimize_for_browser had an example input."""

    def __init__(self, model: torch.nn.Module, passes: list, requested: list, report=None):
        super().__init__()
        self.model = model
        self.passes = passes
        self.requested = requested
        self.report = report

    def forward(self, *args, **kwargs):
        return self.model(*args, **kwargs)


def expand_passes(names) -> list:
    """PASSES' names for the guide's or PASSES' own names, in order, each once; a ValueError
    naming every known pass for any other."""
    if isinstance(names, str):
        names = [names]
    expanded = []
    for name in names:
        if name in GUIDE_PASSES:
            steps = GUIDE_PASSES[name]
        elif name in PASSES:
            steps = [name]
        else:
            raise ValueError(f"unknown optimization pass {name!r}: the guide's passes are {', '.join(GUIDE_PASSES)}; "
                             f"wasm-torch's own are {', '.join(sorted(set(PASSES) - set(GUIDE_PASSES)))}")
        expanded += [step for step in steps if step not in expanded]
    return expanded


def optimize_for_browser(model: torch.nn.Module, optimization_passes=None, example_input=None,
                         memory_layout: str = "nchw") -> BrowserOptimizedModel:
    """The model, marked with the passes export_to_wasm runs on it (default: the guide's five:
    fuse_conv_bn_relu, fuse_linear_activation, fuse_attention_ops, eliminate_dead_code,
    constant_folding), in place of its optimization_level's. Passes may also be wasm-torch's own
    (fuse_residual_add, pack_linear_weights, to_nhwc, ... : PASSES). With an example input the model
    is captured and optimized at once, and .report lists what each pass changed (ops, constant
    bytes); otherwise the passes run when the model is exported."""
    if isinstance(model, BrowserOptimizedModel):
        model = model.model
    requested = list(DEFAULT_PASSES if optimization_passes is None else optimization_passes)
    result = BrowserOptimizedModel(model, expand_passes(requested), requested)
    if example_input is not None:
        from ..capture import capture
        from ..export import example_arguments
        args, kwargs = example_arguments(example_input)
        graph = capture(model, args, kwargs, None, None, None, {})
        result.report = []
        optimize_graph(graph, "O0", memory_layout, passes=result.passes, reports=result.report)
    return result

