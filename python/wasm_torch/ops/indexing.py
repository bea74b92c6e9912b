"""Index ops along one axis: gather, index_select, argmax/argmin, max/min with indices, topk, cumsum."""
import torch

from .. import ir
from ..symbolic import broadcast_shapes, is_symbolic
from . import Unsupported, as_dtype, converts

I64 = ir.DTYPE_CODES[torch.int64]


def _index(ctx, node, op, x, dim, index):
    idx = ctx.tensor(index)
    if idx.dtype not in (I64, ir.DTYPE_CODES[torch.int32], ir.DTYPE_CODES[torch.uint8], ir.DTYPE_CODES[torch.int8]):
        raise Unsupported(f"{op} with {ir.DTYPE_NAMES[idx.dtype]} indices")
    idx = as_dtype(ctx, node, idx, torch.int64, "index")  # the runtime indexes with int64
    return ctx.emit(op, [ctx.tensor(x), idx], {"dim": int(dim)}, node)


@converts("gather.default")
def gather(ctx, node):
    x, dim, index = node.args[:3]
    return _index(ctx, node, "gather", x, dim, index)


@converts("index_select.default")
def index_select(ctx, node):
    x, dim, index = node.args[:3]
    return _index(ctx, node, "index_select", x, dim, index)


def _ordered(ctx, node, x):
    """x as the runtime compares it (float32 or int64): other integer and bool tensors widened to
    int64, which orders them alike."""
    if x.dtype in (ir.DTYPE_CODES[torch.float32], I64):
        return x
    if x.dtype == ir.DTYPE_CODES[torch.float16]:
        raise Unsupported("ordering float16 values")
    return as_dtype(ctx, node, x, torch.int64, "int64")


def _arg(op):
    def convert(ctx, node):
        x = _ordered(ctx, node, ctx.tensor(node.args[0]))
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
        keepdim = bool(node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False))
        if dim is None or len(x.shape) == 0:  # over all elements (or a 0-d one): flatten first
            x = _flat(ctx, node, x)
            dim, keepdim = 0, False
        return ctx.emit(op, [x], {"dim": int(dim), "keepdim": int(keepdim)}, node)
    convert.__name__ = op
    return convert


converts("argmax.default")(_arg("argmax"))
converts("argmin.default")(_arg("argmin"))


def _flat(ctx, node, x):
    flat = (max(1, int(torch.Size(x.shape).numel())),)
    return ctx.emit_step("reshape", [x], {"shape": list(flat)}, flat, x.dtype, node.name + ".flat", node.name)


@converts("max.dim", "min.dim")
def extreme_with_index(ctx, node):
    x = ctx.tensor(node.args[0])
    dim = int(node.args[1])
    keepdim = bool(node.args[2]) if len(node.args) > 2 else False
    if len(x.shape) == 0:  # PyTorch takes dim 0 or -1 of a 0-d tensor: the value and index 0
        x, dim, keepdim = _flat(ctx, node, x), 0, False
    is_max = node.target.overloadpacket.__name__ == "max"
    attrs = {"dim": dim, "keepdim": int(keepdim)}
    ordered = _ordered(ctx, node, x)
    shape = list(ordered.shape)
    if keepdim:
        shape[dim] = 1
    else:
        del shape[dim]
    values = ctx.emit_step("amax" if is_max else "amin", [ordered], {"dims": [dim], "keepdim": int(keepdim)}, shape,
                           ordered.dtype, node.name if ordered is x else node.name + ".ordered", node.name)
    if ordered is not x:  # back to x's dtype
        values = ctx.emit_step("cast", [values], {"dtype": x.dtype}, shape, x.dtype, node.name, node.name)
    indices = ctx.emit("argmax" if is_max else "argmin", [ordered], attrs, node, index=1)
    indices.name = node.name + ".indices"
    return (values, indices)


@converts("topk.default")
def topk(ctx, node):
    args = list(node.args) + [None] * (5 - len(node.args))
    x, k, dim, largest, _sorted = args[:5]
    if _sorted is False:
        raise Unsupported("topk with sorted=False (results are always sorted; export with sorted=True)")
    return _topk(ctx, node, ctx.tensor(x), int(k), -1 if dim is None else int(dim), largest is None or bool(largest))


def _topk(ctx, node, x, k, dim, largest):
    """(values, indices) of the runtime's topk (sorted; equal values keep their order), in x's
    dtype; a 0-d x is its own top value, at index 0."""
    if len(x.shape) == 0:
        return (x, ctx.constant(torch.zeros((), dtype=torch.int64), node.name + ".index"))
    ordered = _ordered(ctx, node, x)
    dim = dim % len(x.shape)
    shape = list(x.shape)
    shape[dim] = k
    values = ir.Tensor(node.name if ordered is x else node.name + ".ordered", ordered.dtype, tuple(shape))
    indices = ir.Tensor(node.name + ".indices", I64, tuple(shape))
    attrs = {"k": k, "dim": dim, "largest": int(largest)}
    ctx.graph.nodes.append(ir.Node("topk", [ordered], [values, indices], attrs, source=node.name))
    if ordered is not x:  # back to x's dtype
        values = ctx.emit_step("cast", [values], {"dtype": x.dtype}, tuple(shape), x.dtype, node.name, node.name)
    return (values, indices)

@converts("cumsum.default")
def cumsum(ctx, node):
    """In the dtype PyTorch returns (int64 for integer and bool inputs): the input is cast first."""
    out = node.meta["tensor_meta"].dtype
    x = as_dtype(ctx, node, ctx.tensor(node.args[0]), out, "acc")
    return ctx.emit("cumsum", [x], {"dim": int(node.args[1])}, node)


@converts("index.Tensor")
def advanced_index(ctx, node):
    """x[..., i0, i1, ...] with int64 index tensors on adjacent dims (broadcast together): the
    indexed dims are flattened into one, the index tensors combined into one linear index
    (negative indices wrap, as in PyTorch), and index_select takes it; then the result's shape."""
    x = ctx.tensor(node.args[0])
    indices = list(node.args[1])
    used = [k for k, i in enumerate(indices) if i is not None]
    if not used:
        return x
    first, last = used[0], used[-1] + 1
    if used != list(range(first, last)):
        raise Unsupported("advanced indexing with index tensors on dims that are not adjacent")
    tensors = [ctx.tensor(indices[k]) for k in used]
    if any(t.dtype != I64 for t in tensors):
        raise Unsupported("indexing with a bool mask or non-int64 indices (its output shape depends on the data)")
    dims = x.shape[first:last]
    span = 1
    for d in dims:
        span *= d
    out_shape = ctx.meta_shape(node)
    index_shape = broadcast_shapes(*[t.shape for t in tensors])
    count = 1
    for d in index_shape:
        count *= d
    step = [0]

    def emit(op, inputs, attrs, shape, dtype=I64):
        step[0] += 1
        return ctx.emit_step(op, inputs, attrs, shape, dtype, f"{node.name}.{step[0]}", node.name)

    def const(value):  # a dim or stride: a constant, or computed at run time where it is dynamic
        step[0] += 1
        if is_symbolic(value):
            return ctx.tensor(value, dtype=torch.int64)
        return ctx.constant(torch.tensor(value, dtype=torch.int64), f"{node.name}.c{step[0]}")

    linear = None
    for k, (t, d) in enumerate(zip(tensors, dims)):
        stride = 1
        for later in dims[k + 1:]:
            stride *= later
        term = emit("remainder", [t, const(d)], {}, t.shape)  # -1 -> d - 1
        if stride != 1:
            term = emit("mul", [term, const(stride)], {}, t.shape)
        linear = term if linear is None else emit("add", [linear, term], {}, broadcast_shapes(linear.shape, term.shape))
    if tuple(linear.shape) != index_shape:
        linear = emit("expand", [linear], {"shape": list(index_shape)}, index_shape)
    linear = emit("reshape", [linear], {"shape": [count]}, (count,))
    folded = tuple(x.shape[:first]) + (span,) + tuple(x.shape[last:])
    if folded != tuple(x.shape):
        x = emit("reshape", [x], {"shape": list(folded)}, folded, x.dtype)
    picked_shape = tuple(x.shape[:first]) + (count,) + tuple(x.shape[first + 1:])
    picked = emit("index_select", [x, linear], {"dim": first}, picked_shape, x.dtype)
    return ctx.emit("reshape", [picked], {"shape": list(out_shape)}, node)


@converts("sort.default", "sort.stable")
def sort(ctx, node):
    """sort(x, dim, descending) as topk of the whole dim (the runtime's topk is sorted; equal values
    keep their first-seen order, as stable=True does)."""
    x = ctx.tensor(node.args[0])
    if node.target._overloadname == "stable":
        dim, descending = node.kwargs.get("dim", -1), node.kwargs.get("descending", False)
    else:
        args = list(node.args) + [None] * (3 - len(node.args))
        dim = node.kwargs.get("dim", args[1] if args[1] is not None else -1)
        descending = node.kwargs.get("descending", args[2] or False)
    rank = max(len(x.shape), 1)
    return _topk(ctx, node, x, x.shape[int(dim) % rank] if x.shape else 1, int(dim), bool(descending))
