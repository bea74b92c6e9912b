"""Capture a torch.nn.Module as an ATen-level graph (make_fx on torch 1.13) and convert it to
the IR. Parameters and buffers are traced as placeholders (functional_call), so they arrive as
named constants; subexpressions over constants only (e.g. a weight transpose) are evaluated now.
"""
from __future__ import annotations

import contextlib
import json
import operator

import torch
import torch.fx
import torch.utils._pytree as pytree
from torch.fx.experimental.proxy_tensor import make_fx
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

from . import ir
from .custom_ops import DECOMPOSITIONS
from .errors import CaptureError, UnsupportedOpsError
from .ops import CONVERTERS, Unsupported

try:
    from torch.func import functional_call, functionalize
except ImportError:  # torch 1.13
    from functorch import functionalize
    from torch.nn.utils.stateless import functional_call


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
        if isinstance(arg, (bool, int, float)):
            return self.constant(torch.tensor(arg, dtype=dtype or torch.float32), "scalar")
        raise Unsupported(f"cannot use argument {arg!r} as a tensor")

    def constant(self, value, name) -> ir.Tensor:
        self._constants += 1
        return ir.constant(f"{name}#{self._constants}", value)

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
        out = ir.Tensor(name, dtype, tuple(int(d) for d in shape))
        self.graph.nodes.append(ir.Node(op, list(inputs), [out], dict(attrs), source=source))
        return out


_SKIPPED = object()


def _getitem_meta(node, index):
    for user in node.users:
        if user.target is operator.getitem and user.args[1] == index:
            return user.meta["tensor_meta"]
    raise Unsupported("output shape unknown")


def trace(model: torch.nn.Module, example_inputs: tuple) -> tuple:
    """Returns (fx GraphModule, flat list of parameter/buffer names in placeholder order)."""
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())

    def run(p, b, *inputs):
        return functional_call(model, {**p, **b}, inputs)

    try:
        # functionalize: in-place and aliasing ops (relu_, add_) become their pure forms.
        with torch.no_grad(), _recording_module_paths(model):
            gm = make_fx(functionalize(run), decomposition_table=dict(DECOMPOSITIONS))(params, buffers, *example_inputs)
    except Exception as e:  # tracing failures are user-facing: say what to do
        message = str(e).split("\n")[0]
        if "data-dependent" in message or "symbolic" in message.lower() or "Boolean value of Tensor" in message:
            raise CaptureError(f"the model has data-dependent control flow, which a static graph cannot hold: {message}") from e
        raise CaptureError(f"tracing the model failed: {type(e).__name__}: {message}") from e
    return gm, list(params) + list(buffers), {**params, **buffers}


@contextlib.contextmanager
def _recording_module_paths(model: torch.nn.Module):
    """Stamps node.meta["module_path"] (e.g. "layer3.1.conv2") on every node traced while a
    submodule runs: module forward hooks keep the stack, fx.Graph.create_node reads it."""
    names = {id(m): name for name, m in model.named_modules()}
    stack = []
    def enter(module, _inputs):
        stack.append(names.get(id(module), stack[-1] if stack else ""))

    def leave(_module, _inputs, _output):  # must return None: a returned value replaces the output
        if stack:
            stack.pop()

    pre = register_module_forward_pre_hook(enter)
    post = register_module_forward_hook(leave)
    create_node = torch.fx.Graph.create_node

    def stamped(self, *args, **kwargs):
        node = create_node(self, *args, **kwargs)
        node.meta["module_path"] = stack[-1] if stack else ""
        return node

    torch.fx.Graph.create_node = stamped
    try:
        yield
    finally:
        torch.fx.Graph.create_node = create_node
        pre.remove()
        post.remove()


def _where(node) -> str:
    """Where an op came from, for messages: the module path, else the graph node name."""
    path = node.meta.get("module_path", "")
    return f"{path} ({node.name})" if path else node.name


def capture(model: torch.nn.Module, example_inputs: tuple) -> ir.Graph:
    """Returns the IR; graph.trace holds (fx GraphModule, flat placeholder values) for verification."""
    gm, state_names, state = trace(model, example_inputs)
    graph = ir.Graph()
    ctx = ConvertContext(graph)
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    for i, ph in enumerate(placeholders):
        if i < len(state_names):
            name = state_names[i]
            ctx.values[ph] = ir.constant(name, state[name])
        else:
            meta = ph.meta["tensor_meta"]
            if meta.dtype not in ir.DTYPE_CODES:
                raise CaptureError(f"input {i - len(state_names)} has unsupported dtype {meta.dtype}")
            t = ir.Tensor(f"input{i - len(state_names)}", ir.DTYPE_CODES[meta.dtype], tuple(meta.shape))
            ctx.values[ph] = t
            graph.inputs.append(t)

    problems = []
    live = _live_nodes(gm.graph)
    for node in gm.graph.nodes:
        if node.op == "get_attr" and node in live:  # tensors make_fx lifted out of the model (not parameters)
            ctx.values[node] = ir.constant(node.target, getattr(gm, node.target))
            continue
        if node.op != "call_function" or node not in live:
            continue
        try:
            ctx.values[node] = _convert(ctx, node)
        except _Skip:
            ctx.values[node] = _SKIPPED
        except Unsupported as e:
            problems.append((_op_name(node.target), _where(node), str(e)))
            ctx.values[node] = _SKIPPED
    output_node = next(n for n in gm.graph.nodes if n.op == "output")
    flat_outputs = pytree.tree_flatten(output_node.args[0])[0]
    if problems:
        raise UnsupportedOpsError(problems)
    for out in flat_outputs:
        value = ctx.values.get(out) if isinstance(out, torch.fx.Node) else None
        if not isinstance(value, ir.Tensor):
            raise CaptureError(f"model output {out} is not a tensor the graph computes")
        graph.outputs.append(value)
    graph.trace = (gm, [state[n] for n in state_names] + list(example_inputs))
    graph.metadata["output_structure"] = json.dumps(_structure(gm._graph._codegen.pytree_info.out_spec))
    return graph


def _structure(spec) -> object:
    """A TreeSpec as JSON: null for a tensor, {"tuple"|"list": [...]} or {"dict": [[key, ...], ...]}."""
    if spec.type is None:  # a leaf
        return None
    children = [_structure(c) for c in spec.children_specs]
    if spec.type is dict:
        return {"dict": [[str(k), c] for k, c in zip(spec.context, children)]}
    return {"list" if spec.type is list else "tuple": children}


def _convert(ctx: ConvertContext, node):
    if node.target is operator.getitem:
        source, index = node.args
        value = ctx.values[source]
        if value is _SKIPPED:
            raise _Skip()
        return value[index]
    args_are_constant = all(
        not isinstance(a, torch.fx.Node) or (isinstance(ctx.values[a], ir.Tensor) and ctx.values[a].is_constant)
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
