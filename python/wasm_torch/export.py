"""export_to_wasm: torch.nn.Module -> one wasm-torch model file."""
from __future__ import annotations

import dataclasses
import time
import warnings
from pathlib import Path

import torch

from . import __version__
from .capture import capture
from .optimize import LAYOUTS, optimize_graph
from .serialize import serialize
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

    def __str__(self):
        ops = ", ".join(f"{k}x{v}" for k, v in sorted(self.ops.items()))
        return (f"exported {self.output_path}: {self.file_bytes} bytes ({self.parameter_bytes} of parameters), "
                f"{sum(self.ops.values())} ops [{ops}], {self.optimization_level} "
                f"(passes: {', '.join(self.passes_applied) or 'none'}), {self.export_seconds:.2f} s"
                + "".join(f"; verified {e.output}: max abs err {e.max_abs:.2g}" for e in self.verification))


def export_to_wasm(model: torch.nn.Module, output_path, example_input, optimization_level: str = "O2",
                   use_simd: bool = True, use_threads: bool = True, memory_layout: str = "nhwc",
                   align_tensors: bool = True, verify: bool = True, verify_engine: str = "native",
                   verify_atol: float = 1e-4, verify_rtol: float = 1e-3) -> ExportReport:
    """Captures `model` on `example_input` (a tensor or a tuple of tensors), optimizes the graph
    and writes the model file. Shapes are static: the file runs inputs of the example's shapes.

    use_simd / use_threads are recorded in the file as the exporter's preference; the JavaScript
    loader chooses the variant the platform supports. memory_layout="nhwc" (the default) runs
    convolutions, pooling and the elementwise ops between them channels-last; inputs and outputs
    keep PyTorch's NCHW either way. The report says which layout the file computes in ("nchw" when
    the model has nothing to run channels-last).

    verify (default on) runs the written file through the real runtime (`verify_engine`: "native",
    "node" or "chromium") on the example input; the report carries max abs/rel error per output, and
    beyond tolerance it raises VerificationError naming the first op whose output diverges.
    """
    started = time.perf_counter()
    if memory_layout not in LAYOUTS:
        raise ValueError(f"memory_layout must be one of {LAYOUTS}, got {memory_layout!r}")
    inputs = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    if model.training:
        warnings.warn("exporting a model in training mode: call model.eval() first for inference behaviour",
                      stacklevel=2)

    graph = capture(model, inputs)
    passes = optimize_graph(graph, optimization_level, memory_layout)
    layout = "nhwc" if "to_nhwc" in passes else "nchw"
    graph.metadata.update({
        "producer_version": __version__, "torch_version": torch.__version__, "optimization_level": optimization_level,
        "memory_layout": layout, "requested_memory_layout": memory_layout,
        "use_simd": str(bool(use_simd)).lower(), "use_threads": str(bool(use_threads)).lower(),
    })
    data = serialize(graph, align_tensors=align_tensors, producer=f"wasm-torch {__version__}")
    Path(output_path).write_bytes(data)
    verification = verify_export(graph, inputs, verify_engine, verify_atol, verify_rtol) if verify else []
    return ExportReport(
        output_path=str(output_path), ops=graph.op_counts(),
        parameter_bytes=sum(t.data.nbytes for t in graph.tensors() if t.is_constant),
        file_bytes=len(data), export_seconds=time.perf_counter() - started,
        optimization_level=optimization_level, passes_applied=passes, memory_layout=layout,
        inputs=[repr(t) for t in graph.inputs], outputs=[repr(t) for t in graph.outputs], verification=verification)
