"""docs/OPERATORS.md is generated from the runtime's registry: it must match what the runtime has."""
import warnings
from pathlib import Path

import torch
import zoo
from opinfo import SampleModule, included_ops, samples

from wasm_torch.capture import capture
from wasm_torch.docs import render, runtime_ops
from wasm_torch.errors import CaptureError, UnsupportedOpsError
from wasm_torch.optimize import LAYOUTS, optimize_graph


def test_operators_doc_is_current():
    doc = Path(__file__).parents[2] / "docs" / "OPERATORS.md"
    assert doc.read_text() == render(), "docs/OPERATORS.md is stale: run `make docs`"


def _emitted_ops(model, args, layouts=LAYOUTS) -> set:
    """The runtime ops the exporter writes for `model` (captured and optimized at O2)."""
    ops = set()
    for layout in layouts:
        graph = capture(model, args, {}, None, None, None, ())
        optimize_graph(graph, "O2", layout)
        ops |= set(graph.op_counts())
    return ops


def test_every_op_the_exporter_emits_exists_in_the_runtime():
    """Walks the converters on traced models: the reference zoo at small size in both layouts and
    the first float32 and int64 sample of every OpInfo op the suite includes. A converter that emits
    an op the runtime lacks is a defect even where export would refuse the model (as unsupported)
    at its native load."""
    runtime = {name for name, _, _ in runtime_ops()}
    emitted = set()
    for name in zoo.ZOO:
        model, inputs = zoo.build(name, "small")
        emitted |= _emitted_ops(model, inputs)
    for op in included_ops():
        for sample in samples(op, (torch.float32, torch.int64), limit=1):
            module = SampleModule(op.op, sample).eval()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    emitted |= _emitted_ops(module, module.tensors(), ("nchw",))
            except (UnsupportedOpsError, CaptureError):
                continue  # refused before any op is emitted
    assert len(emitted) > 60, sorted(emitted)
    assert emitted <= runtime, sorted(emitted - runtime)
