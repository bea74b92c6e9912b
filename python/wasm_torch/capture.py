"""Capture a torch.nn.Module through torch.export (non-strict) and convert it to the IR.

The exported program is decomposed to the Core ATen opset, except the ops wasm-torch runs whole
(linear, layer norm, softmax, ...: every op with a converter), so the runtime sees its own fused
forms. Parameters, buffers and lifted constants arrive as named constants; subexpressions over
constants only (e.g. a weight transpose) are evaluated now. Module paths come from the graph's
nn_module_stack, for errors and profiling.
"""
from __future__ import annotations

import inspect
import json
import operator
import re
import traceback
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.fx
import torch.utils._pytree as pytree
from torch.export.graph_signature import InputKind, OutputKind

from . import ir
from .custom_ops import DECOMPOSITIONS
from .errors import CaptureError, UnsupportedOpsError
from .ops import CONVERTERS, Unsupported
from .symbolic import collect_symbols, from_torch, is_symbolic, shape_of


class Trace(NamedTuple):
    """What verification re-runs in eager: the exported graph, its placeholders' values, the fx
    names of the file's outputs (by their names in the file), and the user's tensor inputs in the
    file's input order."""
    module: torch.fx.GraphModule
    placeholder_values: list
    fx_names: dict
    inputs: tuple


class Unavailable:
    """A value the runtime cannot produce (e.g. max_pool2d indices): an error only if read."""

    def __init__(self, what):
        self.what = what


class _Skip(Exception):
    """An input was already reported unsupported; do not report its dependents again."""


class ConvertContext:
    def __init__(self, graph: ir.Graph):
        self.graph = graph
        self.values: dict = {}
        self._constants = 0
        self._sizes: dict = {}  # sympy expression -> its size_tensor

    # -- helpers for converters -----------------------------------------------------------
    def tensor(self, arg, dtype=None) -> ir.Tensor:
        if isinstance(arg, torch.fx.Node):
            value = self.values[arg]
            if value is _SKIPPED:
                raise _Skip()
            if isinstance(value, Unavailable):
                raise Unsupported(f"reads {value.what}, which wasm-torch does not compute")
            if not isinstance(value, ir.Tensor):
                raise Unsupported(f"expects a tensor, got {type(value).__name__}")
            return value
        if is_symbolic(arg):
            size = self.size_tensor(arg)
            code = ir.DTYPE_CODES[dtype or torch.float32]
            return size if code == size.dtype else self.emit_step("cast", [size], {"dtype": code}, (), code,
                                                                  size.name + ".cast", size.name)
        if isinstance(arg, (bool, int, float)):
            return self.constant(torch.tensor(arg, dtype=dtype or torch.float32), "scalar")
        raise Unsupported(f"cannot use argument {arg!r} as a tensor")

    def constant(self, value, name) -> ir.Tensor:
        self._constants += 1
        return ir.constant(f"{name}#{self._constants}", value)

    def full(self, shape, value, np_dtype, name, source) -> ir.Tensor:
        """A tensor of `shape` filled with `value`: a constant, or for a dynamic shape a one-element
        constant expanded to it."""
        shape = tuple(shape)
        if not any(is_symbolic(d) for d in shape):
            return self.constant(np.full(shape, value, np_dtype), name)
        one = self.constant(np.full((1,) * len(shape), value, np_dtype), name + ".value")
        return self.emit_step("expand", [one], {"shape": list(shape)}, shape, one.dtype, name, source)

    def size_tensor(self, size) -> ir.Tensor:
        """A dynamic size as an int64 0-d tensor computed at run time: the last of cumsum(1 repeated
        `size` times); once per size."""
        if size.expr in self._sizes:
            return self._sizes[size.expr]
        self._constants += 1
        name = f"size{self._constants}"
        i64 = ir.DTYPE_CODES[torch.int64]
        ones = self.full((size,), 1, np.int64, name + ".ones", name)
        counted = self.emit_step("cumsum", [ones], {"dim": 0}, (size,), i64, name + ".count", name)
        last = self.emit_step("slice", [counted], {"dim": 0, "start": size - 1, "end": size, "step": 1}, (1,), i64,
                              name + ".last", name)
        self._sizes[size.expr] = self.emit_step("reshape", [last], {"shape": []}, (), i64, name, name)
        return self._sizes[size.expr]

    def unavailable(self, what) -> Unavailable:
        return Unavailable(what)

    def meta_shape(self, node) -> tuple:
        return tuple(node.meta["tensor_meta"].shape)

    def float_dtype_of(self, node):
        meta = node.meta.get("tensor_meta")
        return meta.dtype if meta is not None else torch.float32

    def emit(self, op, inputs, attrs, node, index=None, dtype=None, shape=None) -> ir.Tensor:
        """Adds a runtime op producing fx node `node`'s value (shape and dtype from its meta)."""
        if dtype is None:
            meta = node.meta.get("tensor_meta")
            if meta is None:
                meta = _getitem_meta(node, index or 0)
            dtype, shape = ir.DTYPE_CODES[meta.dtype], tuple(meta.shape)
        return self.emit_step(op, inputs, attrs, shape, dtype, node.name, _where(node))

    def emit_step(self, op, inputs, attrs, shape, dtype, name, source) -> ir.Tensor:
        """Adds a runtime op with an explicit output (for decompositions into several ops)."""
        out = ir.Tensor(name, dtype, tuple(d if is_symbolic(d) else int(d) for d in shape))
        self.graph.nodes.append(ir.Node(op, list(inputs), [out], dict(attrs), source=source))
        return out


_SKIPPED = object()


def _getitem_meta(node, index):
    val = node.meta.get("val")
    if isinstance(val, (tuple, list)) and index < len(val) and isinstance(val[index], torch.Tensor):
        return _tensor_meta(val[index])
    for user in node.users:
        if user.target is operator.getitem and user.args[1] == index:
            return user.meta["tensor_meta"]
    raise Unsupported("output shape unknown")


def export_program(model: torch.nn.Module, args: tuple, kwargs: dict,
                   dynamic_shapes=None) -> torch.export.ExportedProgram:
    """torch.export in non-strict mode (the forward runs as Python, as in eager), then the Core ATen
    decompositions of every op wasm-torch has no converter for, plus register_custom_op's."""
    try:
        with torch.no_grad():
            program = torch.export.export(model, args, kwargs, strict=False, dynamic_shapes=dynamic_shapes)
    except Exception as e:  # tracing failures are user-facing: say what to do and where
        raise CaptureError(_explain_trace_failure(e)) from e
    if _all_converted(program):  # nothing to decompose: decomposing would only cost time
        return program
    table = torch.export.default_decompositions()
    for op in CONVERTERS:
        if op in table:
            del table[op]
    for op, decomposition in DECOMPOSITIONS.items():
        table[op] = decomposition
    try:
        return _run_decompositions(program, table)
    except Exception as e:
        raise CaptureError(_explain_trace_failure(e)) from e


def _run_decompositions(program, table):
    try:
        return program.run_decompositions(table)
    except NameError:
        # torch 2.14: with dynamic shapes, the guard check run_decompositions puts in front of a
        # **kwargs forward refers to an undefined `L`; the bounds it checks are in the program's
        # range constraints anyway (and in the file), so decompose without it.
        module = torch.export.ExportedProgram.module
        torch.export.ExportedProgram.module = lambda self, check_guards=True: module(self, check_guards=False)
        try:
            return program.run_decompositions(table)
        finally:
            torch.export.ExportedProgram.module = module


def _all_converted(program) -> bool:
    return not DECOMPOSITIONS and all(
        n.op != "call_function" or n.target is operator.getitem or n.target in CONVERTERS
        for n in program.graph.nodes)


def _explain_trace_failure(error: Exception) -> str:
    message = str(error).strip().split("\n")[0]
    where = _user_frame(error)
    at = f" at {where}" if where else ""
    text = str(error)
    if ("data-dependent" in text or "data dependent" in text or "GuardOnDataDependent" in type(error).__name__
            or "Boolean value of Tensor" in text):
        return (f"the model has data-dependent control flow{at}, which one exported graph cannot hold: {message}. "
                "Rewrite it with tensor ops (torch.where, masking) or make the condition depend on shapes only.")
    if "Constraints violated" in text:  # dynamic shapes the model cannot take: torch's reasons and fixes
        reasons = [line.strip() for line in text.split("\n") if line.strip().startswith("- ")
                   or re.match(r"\s+\w+ = Dim\(", line) or re.match(r"\s+\w+ = \d*\*?_?\w+", line)]
        return (f"the dynamic shapes asked for do not hold for this model{at}: {message.split('!')[0]}. "
                + " ".join(reasons))
    return f"tracing the model with torch.export failed{at}: {type(error).__name__}: {message}"


def _user_frame(error: Exception) -> str:
    """The innermost traceback frame in the model's own source (not torch's), as "file:line: code"."""
    torch_dir = str(Path(torch.__file__).parent)
    frames = []
    seen = set()
    while error is not None and id(error) not in seen:  # the exception and the ones it wraps
        seen.add(id(error))
        frames += traceback.extract_tb(error.__traceback__)
        error = error.__cause__ or error.__context__
    own = [f for f in frames if not f.filename.startswith(torch_dir) and "wasm_torch" not in f.filename
           and not f.filename.startswith("<")]
    if not own:
        return ""
    frame = own[-1]
    return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"


def _module_path(node) -> str:
    """The innermost module that ran the op ("layer3.1.conv2"), from torch.export's nn_module_stack."""
    stack = node.meta.get("nn_module_stack")
    if not stack:
        return ""
    path = list(stack.values())[-1][0]
    return re.sub(r"^L\['self'\]\.?|^L__self__\.?", "", path)


def _where(node) -> str:
    """Where an op came from, for messages: the module path, else the graph node name."""
    path = _module_path(node)
    return f"{path} ({node.name})" if path else node.name


def _user_values(program, args: tuple, kwargs: dict) -> list:
    """The user's inputs flattened in the exported program's order (keyword arguments ordered as
    the program's input spec has them)."""
    in_spec = program.call_spec.in_spec
    if in_spec is not None and kwargs:
        keys = in_spec.child(1).context
        kwargs = {k: kwargs[k] for k in keys}
    return pytree.tree_flatten((args, kwargs))[0]


def _in_signature_order(model, kwargs: dict) -> dict:
    """Keyword inputs in the order the forward declares them (the file's input order), whatever
    order the caller's dict has; **kwargs-only forwards keep the caller's order."""
    try:
        order = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        return kwargs
    rank = {name: i for i, name in enumerate(order)}
    return dict(sorted(kwargs.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def _output_names(out_spec, count: int) -> list:
    """Names from the output structure: dict keys and attribute names joined by ".", positions as
    output_0, output_1 ...; a single tensor is "output"."""
    if out_spec is None:
        return [f"output_{i}" for i in range(count)] if count > 1 else ["output"]
    leaves = pytree.tree_unflatten(list(range(count)), out_spec)
    names = []
    for path, _ in pytree.tree_flatten_with_path(leaves)[0]:
        parts = []
        for key in path:
            part = getattr(key, "key", getattr(key, "idx", getattr(key, "name", key)))
            parts.append(str(part))
        name = ".".join(parts)
        names.append("output" if not parts else (f"output_{name}" if parts[0].isdigit() else name))
    return names


def _check_names(kind: str, names, count: int) -> list:
    names = list(names)
    if len(names) != count:
        raise ValueError(f"{kind}_names has {len(names)} names for {count} {kind}s")
    if len(set(names)) != len(names):
        raise ValueError(f"{kind}_names has duplicates: {names}")
    return names


def capture(model: torch.nn.Module, args: tuple, kwargs: dict | None = None, input_names=None,
            output_names=None, dynamic_shapes=None, dim_requests=None) -> ir.Graph:
    """Returns the IR; graph.trace holds a Trace for verification. With dynamic_shapes (torch.export's
    spec), shapes hold SymDims and graph.symbols the symbols (dim_requests: symbolic.collect_symbols)."""
    kwargs = _in_signature_order(model, dict(kwargs or {}))
    program = export_program(model, args, kwargs, dynamic_shapes)
    gm = program.graph_module
    constants = {**program.state_dict, **program.constants}
    user_values = iter(_user_values(program, args, kwargs))
    graph = ir.Graph()
    ctx = ConvertContext(graph)
    flat_values, user_tensors = [], []
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    for ph, spec in zip(placeholders, program.graph_signature.input_specs):
        if spec.kind == InputKind.USER_INPUT:
            value = next(user_values)
            if isinstance(value, torch.Tensor):
                if value.dtype not in ir.DTYPE_CODES:
                    hint = " (cast it with .float())" if value.dtype == torch.float64 else ""
                    raise CaptureError(f"input '{ph.name}' has dtype {value.dtype}, which wasm-torch does not take{hint}")
                t = ir.Tensor(ph.name, ir.DTYPE_CODES[value.dtype], shape_of(ph.meta["val"].shape))
                ctx.values[ph] = t
                graph.inputs.append(t)
                user_tensors.append(value)
            else:  # a Python value the program specialized on (an int, None): a constant
                ctx.values[ph] = value
        elif spec.kind in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
            value = constants[spec.target]
            ctx.values[ph] = ir.constant(spec.target, value) if isinstance(value, torch.Tensor) else value
        else:
            raise CaptureError(f"the exported program has a {spec.kind.name} input ('{ph.name}'), which "
                               "wasm-torch cannot hold")
        flat_values.append(value)
    try:
        graph.symbols = collect_symbols(program.range_constraints, [t.shape for t in graph.inputs], dim_requests or {})
    except ValueError as e:
        raise CaptureError(f"dynamic shapes: {e}") from e

    problems = []
    live = _live_nodes(gm.graph)
    for node in gm.graph.nodes:
        if node.op == "get_attr" and node in live:  # tensors the program keeps as attributes
            ctx.values[node] = ir.constant(node.target, getattr(gm, node.target))
            continue
        if node.op != "call_function" or node not in live:
            continue
        try:
            _fill_tensor_meta(node)
            ctx.values[node] = _convert(ctx, node)
        except _Skip:
            ctx.values[node] = _SKIPPED
        except Unsupported as e:
            problems.append((_op_name(node.target), _where(node), str(e)))
            ctx.values[node] = _SKIPPED
        except (TypeError, ValueError, IndexError, KeyError) as e:  # a form of the op its converter does not handle
            problems.append((_op_name(node.target), _where(node),
                             f"this form of the op is not handled ({type(e).__name__}: {e})"))
            ctx.values[node] = _SKIPPED
    if problems:
        raise UnsupportedOpsError(problems)

    output_node = next(n for n in gm.graph.nodes if n.op == "output")
    user_outputs = [out for out, spec in zip(output_node.args[0], program.graph_signature.output_specs)
                    if spec.kind == OutputKind.USER_OUTPUT]
    fx_names = {}
    for out in user_outputs:
        value = ctx.values.get(out) if isinstance(out, torch.fx.Node) else None
        if not isinstance(value, ir.Tensor):
            raise CaptureError(f"model output {out} is not a tensor the graph computes")
        if value in fx_names or value.is_constant or value in graph.inputs:  # the file's outputs are distinct computed tensors
            value = ctx.emit_step("reshape", [value], {"shape": list(value.shape)}, value.shape, value.dtype,
                                  f"{out.name}.copy", _where(out) if out.op != "placeholder" else out.name)
        fx_names[value] = out.name
        graph.outputs.append(value)
    out_spec = program.call_spec.out_spec
    _name_tensors(graph, graph.inputs, input_names and _check_names("input", input_names, len(graph.inputs)))
    _name_tensors(graph, graph.outputs, _check_names("output", output_names, len(graph.outputs)) if output_names
                  else _output_names(out_spec, len(graph.outputs)))
    graph.trace = Trace(gm, flat_values, {t.name: fx for t, fx in fx_names.items()}, tuple(user_tensors))
    graph.metadata["output_structure"] = json.dumps(_structure(out_spec) if out_spec is not None else None)
    return graph


def _name_tensors(graph: ir.Graph, tensors: list, names) -> None:
    """Gives the graph's inputs or outputs their user-facing names; a tensor inside the graph that
    already has one of those names is renamed out of the way."""
    if not names:
        return
    wanted = set(names)
    chosen = set(tensors)
    for t in graph.tensors():
        if t not in chosen and t.name in wanted:
            t.name = f"{t.name}.internal"
    for t, name in zip(tensors, names):
        t.name = name


def _fill_tensor_meta(node) -> None:
    """torch.export records a FakeTensor (meta["val"]); converters read meta["tensor_meta"]."""
    val = node.meta.get("val")
    if isinstance(val, torch.Tensor) and not isinstance(node.meta.get("tensor_meta"), _SymbolicMeta):
        node.meta["tensor_meta"] = _tensor_meta(val)


class _SymbolicMeta(NamedTuple):
    """What converters read of a tensor's metadata, its shape's symbolic dims as SymDims."""
    shape: tuple
    dtype: torch.dtype


def _tensor_meta(val) -> _SymbolicMeta:
    return _SymbolicMeta(shape_of(val.shape), val.dtype)


def _structure(spec) -> object:
    """A TreeSpec as JSON: null for a tensor, {"tuple"|"list": [...]} or {"dict": [[key, ...], ...]}."""
    if spec.is_leaf():
        return None
    children = [_structure(c) for c in spec.children()]
    if isinstance(spec.context, (list, tuple)) and len(spec.context) == len(children):  # dict, OrderedDict, ModelOutput
        return {"dict": [[str(k), c] for k, c in zip(spec.context, children)]}
    return {"list" if spec.type is list else "tuple": children}


class _ResolvedNode:
    """An fx node whose size arguments (fx nodes computing an int, as sym_size) are replaced by
    their values (SymDims), so converters read sizes from args as in a static graph."""

    def __init__(self, node, args, kwargs):
        self._node, self.args, self.kwargs = node, args, kwargs

    def __getattr__(self, name):
        return getattr(self._node, name)


def _resolve_sizes(ctx: ConvertContext, node):
    def value(a):
        if isinstance(a, torch.fx.Node) and isinstance(ctx.values.get(a), int):
            return ctx.values[a]
        return a
    args, kwargs = torch.fx.node.map_aggregate((node.args, node.kwargs), value)
    if args == node.args and kwargs == node.kwargs:
        return node
    return _ResolvedNode(node, args, kwargs)


def _convert(ctx: ConvertContext, node):
    val = node.meta.get("val")
    if isinstance(val, (torch.SymInt, int)) and not isinstance(val, bool):  # a size: sym_size, operator.mul ...
        return from_torch(val)
    node = _resolve_sizes(ctx, node)
    if node.target is operator.getitem:
        source, index = node.args
        value = ctx.values[source]
        if value is _SKIPPED:
            raise _Skip()
        return value[index]
    args_are_constant = all(
        (not isinstance(a, torch.fx.Node) and not is_symbolic(a))
        or (isinstance(a, torch.fx.Node) and isinstance(ctx.values[a], ir.Tensor) and ctx.values[a].is_constant)
        for a in pytree.tree_flatten((node.args, node.kwargs))[0])
    if args_are_constant:
        return _evaluate_constant(ctx, node)
    converter = CONVERTERS.get(node.target)
    if converter is None:
        raise Unsupported("no wasm-torch operator implements it")  # reported even below a skipped input
    return converter(ctx, node)


def _evaluate_constant(ctx: ConvertContext, node):
    def materialize(a):
        return torch.from_numpy(ctx.values[a].data) if isinstance(a, torch.fx.Node) else a
    args, kwargs = pytree.tree_map(materialize, (node.args, node.kwargs))
    result = node.target(*args, **kwargs)
    wrap = lambda r: ctx.constant(r, node.name) if isinstance(r, torch.Tensor) else r  # noqa: E731
    return tuple(wrap(r) for r in result) if isinstance(result, (tuple, list)) else wrap(result)


def _live_nodes(fx_graph) -> set:
    """Nodes the outputs depend on; dead ones (e.g. make_fx's `empty`) are never converted."""
    live, stack = set(), [n for n in fx_graph.nodes if n.op == "output"]
    while stack:
        n = stack.pop()
        if n in live:
            continue
        live.add(n)
        stack.extend(n.all_input_nodes)
    return live


def _op_name(target) -> str:
    if not hasattr(target, "overloadpacket"):
        return str(getattr(target, "__name__", target))
    overload = target._overloadname
    return f"aten.{target.overloadpacket.__name__}" + ("" if overload == "default" else f".{overload}")
