"""export_to_wasm: torch.nn.Module -> one wasm-torch model file."""
from __future__ import annotations

import dataclasses
import inspect
import re
import time
import warnings
from pathlib import Path

import torch
import torch.utils._pytree as pytree

from . import __version__
from .capture import capture
from .errors import ExportArgumentError, ModelRuntimeError, UnsupportedOpsError
from ._paths import NATIVE_LIBRARY
from .optimize import LAYOUTS, BrowserOptimizedModel, optimize_graph
from .optimize.tuning import checked_options as checked_tuning_options, tune_kernels
from .quantization import QuantizationError, QuantizedModel
from .quantization.passes import form_int8_regions, quantize_graph, runs_after_packing
from .quantization.pt2e import from_pt2e, is_pt2e_quantized
from .quantization.torch_ao import from_torch_ao, torch_quantized_modules
from .serialize import serialize
from .symbolic import DimRequest
from .verify import verify_export

@dataclasses.dataclass
class ExportReport:
    output_path: str
    ops: dict                 # runtime op -> count
    parameter_bytes: int
    file_bytes: int
    export_seconds: float
    optimization_level: str
    passes_applied: list
    memory_layout: str        # the layout the file computes in
    inputs: list
    outputs: list
    verification: list = dataclasses.field(default_factory=list)  # verify.OutputError per output
    quantization: list = dataclasses.field(default_factory=list)  # quantization.LayerChoice per linear
    pass_reports: list = dataclasses.field(default_factory=list)  # optimize.PassReport per pass run
    kernel_choices: list = dataclasses.field(default_factory=list)  # optimize.tuning.KernelChoice (O3)
    tuning_seconds: float = 0.0  # of export_seconds, what O3's kernel tuning took

    def __str__(self):
        ops = ", ".join(f"{k}x{v}" for k, v in sorted(self.ops.items()))
        return (f"exported {self.output_path}: {self.file_bytes} bytes ({self.parameter_bytes} of parameters), "
                f"{sum(self.ops.values())} ops [{ops}], {self.optimization_level} "
                f"(passes: {', '.join(self.passes_applied) or 'none'}), {self.export_seconds:.2f} s"
                + (f"; {self.quantized_layers()} of {len(self.quantization)} layers {self.quantized_as()}"
                   if self.quantization else "")
                + (f"; kernel tuning changed {self.tuned_ops} of "
                   f"{len(self.kernel_choices)} tunable ops" if self.kernel_choices else "")
                + "".join(f"; verified {e.output}: max abs err {e.max_abs:.2g} ({e.relative:.2%} of its scale)"
                          for e in self.verification))

    @property
    def tuned_ops(self) -> int:
        """How many ops O3's kernel tuning changed (of len(kernel_choices) it could)."""
        return sum(bool(c.chosen) for c in self.kernel_choices)

    def quantized_layers(self) -> int:
        return sum(c.choice != "float" for c in self.quantization)

    def quantized_as(self) -> str:
        return "/".join(sorted({c.choice for c in self.quantization} - {"float"})) or "quantized"


def export_to_wasm(model: torch.nn.Module, output_path, example_input, optimization_level: str = "O2",
                   use_simd=None, use_threads=None, memory_layout: str = "nhwc",
                   align_tensors: bool = True, verify: bool = True, verify_engine: str = "native",
                   verify_tolerance=None, input_names=None, output_names=None, dynamic_shapes=None,
                   dynamic_axes=None, tuning_threads=(1, 2), tuning_engine: str = "node") -> ExportReport:
    """Captures `model` through torch.export on `example_input`, optimizes the graph and writes the
    model file. `model` may come from optimize_for_browser (its passes run instead of
    optimization_level's: the report says "custom"), quantize_for_wasm, or both. Without dynamic_shapes / dynamic_axes, shapes are static: the file runs inputs of
    the example's shapes.

    Dynamic shapes: dynamic_shapes is torch.export's spec ({"x": {0: Dim("batch"), 1: Dim("seq",
    max=512)}}); dynamic_axes is torch.onnx.export's form ({"input_ids": {0: "batch", 1: "seq"}},
    keyed by input name; axes named alike are one dimension, required equal). The file carries each dimension as
    a symbol with the bounds torch.export proved and every shape as an expression of them; the
    runtime plans each distinct input shape on first use. Give examples of size >= 2 on dynamic
    axes (torch.export specializes sizes 0 and 1). Verification then also runs a second shape.

    example_input: a tensor, a tuple of positional arguments, or a dict of keyword arguments
    (Hugging Face style: {"input_ids": ..., "attention_mask": ...}). The file's inputs are named
    after the forward's parameters and its outputs after the returned structure's keys ("output"
    for a single tensor, output_0 ... for a tuple) unless input_names / output_names say otherwise.

    optimization_level: O0-O3 (wasm_torch.optimize). O3 adds kernel tuning: each op that can run
    more than one way (Winograd or GEMM, the GEMM's depth block) is timed every way on the
    WebAssembly runtime's relaxed-SIMD build, which browsers run, in `tuning_engine`: "node" (the
    default) or "chromium" (headless Chromium, the browser itself), at each thread count of
    `tuning_threads` (1 and 2 by default), and the way that gains most is recorded in the file
    (report.kernel_choices), with the thread counts it is faster at when not all of them (a
    runtime with another pool size then runs the heuristic's way). It needs that engine and the
    built runtime, and costs seconds (about 100 forwards of the model per thread count).

    use_simd / use_threads are deprecated and do nothing (a DeprecationWarning says so): one file
    runs on every build, and the JavaScript loader picks the variant the platform supports.
    memory_layout="nhwc" (the default) runs
    convolutions, pooling and the elementwise ops between them channels-last, on the runtime's fast
    path (Winograd, SIMD depthwise, weights packed at export); "nchw" keeps PyTorch's layout and
    runs the runtime's general path (im2col GEMMs, scalar depthwise and pooling): slower, for
    comparison. Inputs and outputs keep PyTorch's NCHW either way. The report says which layout the
    file computes in ("nchw" when the model has nothing to run channels-last).

    verify (default on) runs the written file through the real runtime (`verify_engine`: "native",
    "node" or "chromium") on the example input and checks every output against eager: its largest
    error must be at most verify_tolerance x the output's largest magnitude (a scale-relative
    error, so outputs of size 1e-9 and of size 100 are held to the same standard). The report
    carries each output's errors; beyond tolerance VerificationError names the first op whose
    output diverges. The default tolerance is 1e-4, or for a model from quantize_for_wasm what its
    quantization costs (quantization.DEFAULT_TOLERANCE): it is verified against the float model.
    """
    started = time.perf_counter()
    for name, value in (("use_simd", use_simd), ("use_threads", use_threads)):
        if value is not None:
            warnings.warn(f"export_to_wasm({name}=...) is deprecated and has no effect: one file runs on every build; "
                          "the JavaScript runtime picks SIMD and threads where the platform has them "
                          "(WASMTorch.init({simd, threads}))", DeprecationWarning, stacklevel=2)
    if memory_layout not in LAYOUTS:
        raise ValueError(f"memory_layout must be one of {LAYOUTS}, got {memory_layout!r}")
    check_export_arguments(model, output_path, example_input)
    tuning_counts = checked_tuning_options(tuning_threads, tuning_engine)  # before seconds of capture
    quantization, custom_passes, choices, pass_reports = None, None, [], []
    while isinstance(model, (QuantizedModel, BrowserOptimizedModel)):  # either may wrap the other
        if isinstance(model, QuantizedModel):
            quantization = model.config
        else:
            custom_passes, optimization_level = model.passes, "custom"
        model = model.model
    args, kwargs = example_arguments(example_input)
    if quantization is None:  # PyTorch's int8 onto wasm-torch's (or a clear error)
        read = from_pt2e(model) if is_pt2e_quantized(model) else \
            from_torch_ao(model, args, kwargs) if torch_quantized_modules(model) else None
        if read is not None:
            quantization, model = read.config, read.model
    if quantization is not None and quantization.quantization_type == "static" and memory_layout != "nhwc":
        raise QuantizationError("static quantization runs its int8 convolutions channels-last: export with "
                                "memory_layout='nhwc' (the default)")
    if verify_tolerance is None:
        verify_tolerance = quantization.tolerance if quantization else 1e-4
    if model.training:
        warnings.warn("exporting a model in training mode: call model.eval() first for inference behaviour",
                      stacklevel=2)

    dynamic_shapes, dim_requests = dynamic_spec(model, args, kwargs, input_names, dynamic_shapes, dynamic_axes)
    graph = capture(model, args, kwargs, input_names, output_names, dynamic_shapes, dim_requests)
    quantize = None
    if quantization is not None:
        def quantize(g):
            choices.extend(quantize_graph(g, quantization))
            return any(c.choice != "float" for c in choices)
    passes = optimize_graph(graph, "O0" if custom_passes else optimization_level, memory_layout, quantize,
                            quantize_after_packing=quantization is not None and runs_after_packing(quantization),
                            passes=custom_passes, reports=pass_reports)
    layout = "nhwc" if "to_nhwc" in passes else "nchw"
    if quantization is not None and quantization.quantization_type == "static" and quantization.int8_regions \
            and form_int8_regions(graph):
        passes.append("form_int8_regions")
    kernel_choices, tuning_started = [], time.perf_counter()
    if optimization_level == "O3":
        kernel_choices = tune_kernels(graph, graph.trace.inputs, threads=tuning_counts, engine=tuning_engine)
        graph.metadata["kernel_tuning"] = f"{tuning_engine} relaxed-simd, " \
            f"{' and '.join(map(str, tuning_counts))} thread" + ("s" if tuning_counts != (1,) else "")
    tuning_seconds = time.perf_counter() - tuning_started
    graph.metadata.update({
        "producer_version": __version__, "torch_version": torch.__version__, "optimization_level": optimization_level,
        "memory_layout": layout, "requested_memory_layout": memory_layout,
    })
    if quantization is not None:
        graph.metadata["quantization"] = quantization.quantization_type
    data = serialize(graph, align_tensors=align_tensors, producer=f"wasm-torch {__version__}")
    check_runtime_accepts(graph, data)
    Path(output_path).write_bytes(data)
    verification = verify_export(graph, graph.trace.inputs, verify_engine, verify_tolerance) if verify else []
    return ExportReport(
        output_path=str(output_path), ops=graph.op_counts(),
        parameter_bytes=sum(t.data.nbytes for t in graph.tensors() if t.is_constant),
        file_bytes=len(data), export_seconds=time.perf_counter() - started,
        optimization_level=optimization_level, passes_applied=passes, memory_layout=layout,
        inputs=[repr(t) for t in graph.inputs], outputs=[repr(t) for t in graph.outputs], verification=verification,
        quantization=choices, pass_reports=pass_reports, kernel_choices=kernel_choices, tuning_seconds=tuning_seconds)


def example_arguments(example_input) -> tuple:
    """(args, kwargs) of an example input: a tensor, a tuple of positional arguments, or a dict of
    keyword arguments."""
    if isinstance(example_input, dict):
        return (), dict(example_input)
    return (tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)), {}


def check_export_arguments(model, output_path, example_input) -> None:
    """The mistakes a newcomer makes first, each answered with what to do instead."""
    if isinstance(model, dict):
        raise ExportArgumentError("export_to_wasm takes a torch.nn.Module, got a dict (a state_dict?): build the "
                                  "model and call model.load_state_dict(state_dict) first, then export the model")
    if not isinstance(model, torch.nn.Module):
        what = type(model).__name__
        raise ExportArgumentError(f"export_to_wasm takes a torch.nn.Module, got a {what}: wrap a function in a Module "
                                  "whose forward calls it")
    if isinstance(output_path, (torch.Tensor, tuple, list, dict)) and isinstance(example_input, (str, Path)):
        raise ExportArgumentError("the arguments are export_to_wasm(model, output_path, example_input): this looks "
                                  "like torch.onnx.export's order (model, args, f); swap the last two")
    if not isinstance(output_path, (str, Path)):
        raise ExportArgumentError(f"output_path must be a file path, got {type(output_path).__name__}")
    for leaf in pytree.tree_flatten(example_input)[0]:
        if isinstance(leaf, torch.Tensor) and leaf.dtype == torch.float64:
            raise ExportArgumentError("an example input is float64, which wasm-torch does not compute in: cast it "
                                      "(and the model, with model.float()) to float32")


def dynamic_spec(model, args: tuple, kwargs: dict, input_names, dynamic_shapes, dynamic_axes) -> tuple:
    """torch.export's dynamic_shapes from either form, keyed by the forward's parameter names, and
    what the user asked of each dynamic (input, axis): a DimRequest (name, lower bound)."""
    if dynamic_shapes is not None and dynamic_axes is not None:
        raise ExportArgumentError("give dynamic_shapes (torch.export's Dims) or dynamic_axes (names), not both")
    if dynamic_shapes is None and dynamic_axes is None:
        return None, {}
    params = [p for p in inspect.signature(model.forward).parameters]
    tensor_params = [p for p, a in zip(params, args) if isinstance(a, torch.Tensor)] + \
        [k for k, v in _ordered(params, kwargs) if isinstance(v, torch.Tensor)]
    if dynamic_axes is not None:
        aliases = dict(zip(input_names or [], tensor_params))
        dim_labels, dynamic_shapes = {}, {}
        for name, axes in dynamic_axes.items():
            param = aliases.get(name, name)
            if param not in tensor_params:
                raise ExportArgumentError(f"dynamic_axes names input '{name}', but the inputs are "
                                          f"{list(input_names or tensor_params)}")
            axes = axes if isinstance(axes, dict) else {a: f"{name}_{a}" for a in axes}
            # Dim.DYNAMIC: torch.export infers the bounds; from 1, not 2, as ONNX users expect of a batch
            dynamic_shapes[param] = {int(a): torch.export.Dim.DYNAMIC(min=1) for a in axes}
            dim_labels[param] = {int(a): DimRequest(d, 1) for a, d in axes.items()}
    if isinstance(dynamic_shapes, (tuple, list)):
        dynamic_shapes = dict(zip(params, dynamic_shapes))
    if dynamic_axes is None:
        dim_labels = {}
        for param, spec in (dynamic_shapes.items() if isinstance(dynamic_shapes, dict) else []):
            items = spec.items() if isinstance(spec, dict) else enumerate(spec or [])
            dim_labels[param] = {int(axis): DimRequest(getattr(dim, "__name__", None), getattr(dim, "min", None))
                                 for axis, dim in items if dim is not None and not hasattr(dim, "root")}
    dim_requests = {(index, axis): request for index, param in enumerate(tensor_params)
                    for axis, request in dim_labels.get(param, {}).items()}
    return dynamic_shapes, dim_requests


def _ordered(params, kwargs: dict) -> list:
    rank = {name: i for i, name in enumerate(params)}
    return sorted(kwargs.items(), key=lambda kv: rank.get(kv[0], len(rank)))


def check_runtime_accepts(graph, data: bytes) -> None:
    """Loads the file in the native runtime before it is written: the runtime, the one judge of
    what it runs, prepares every op (dtypes, ranks, attributes), so an op it cannot run is an
    UnsupportedOpsError at export naming the PyTorch source, never a load error in the browser.
    Skipped where the native library is not built (the file is then checked on first load)."""
    if not NATIVE_LIBRARY.exists():
        return
    from .runtime import WASMRuntime
    with WASMRuntime("native") as runtime:
        try:
            runtime.load_model(data).close()
        except ModelRuntimeError as e:
            message = str(e)
            found = re.search(r"node '([^']*)'(?: \((.*?)\))?: (.*)", message)
            if not found:
                raise
            op, name, reason = found.groups()
            source = next((n.source for n in graph.nodes for t in n.outputs if t.name == name), name)
            raise UnsupportedOpsError([(op, source, reason)]) from e
