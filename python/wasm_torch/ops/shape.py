import numpy as np
import torch

from .. import ir
from ..symbolic import is_symbolic
from . import Unsupported, converts, size_value

aten = torch.ops.aten


@converts("view.default", "_reshape_alias.default", "reshape.default", "_unsafe_view.default", "unsqueeze.default",
          "squeeze.dim", "squeeze.dims", "squeeze.default", "flatten.using_ints")
def reshape(ctx, node):
    x = ctx.tensor(node.args[0])
    shape = list(ctx.meta_shape(node))
    if tuple(shape) == tuple(x.shape):
        return x
    return ctx.emit("reshape", [x], {"shape": shape}, node)


@converts("detach.default", "alias.default", "clone.default", "lift_fresh_copy.default", "contiguous.default",
          "dropout.default", "native_dropout.default")
def identity(ctx, node):
    return ctx.tensor(node.args[0])


@converts("cat.default")
def cat(ctx, node):
    tensors = [ctx.tensor(t) for t in node.args[0]]
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    tensors = [t for t in tensors if t.shape != (0,)]  # torch.cat skips legacy empty tensors
    return ctx.emit("concat", tensors, {"dim": int(dim)}, node)


@converts("permute.default")
def permute(ctx, node):
    return ctx.emit("permute", [ctx.tensor(node.args[0])], {"perm": [int(d) for d in node.args[1]]}, node)


@converts("transpose.int", "t.default")
def transpose(ctx, node):
    x = ctx.tensor(node.args[0])
    rank = len(x.shape)
    if rank < 2:  # t() of a 0-d or 1-d tensor, transpose(0, 0) of a vector: the tensor itself
        return x
    d0, d1 = (node.args[1] % rank, node.args[2] % rank) if len(node.args) > 2 else (0, 1)
    perm = list(range(rank))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return ctx.emit("permute", [x], {"perm": perm}, node)


@converts("expand.default")
def expand(ctx, node):
    x = ctx.tensor(node.args[0])
    shape = list(ctx.meta_shape(node))
    return x if tuple(shape) == tuple(x.shape) else ctx.emit("expand", [x], {"shape": shape}, node)


@converts("slice.Tensor")
def slice_(ctx, node):
    args = list(node.args) + [None] * (5 - len(node.args))
    x, dim, start, end, step = args[:5]
    attrs = {"dim": int(dim or 0), "start": size_value(start or 0),
             "end": size_value(end if end is not None else 2**62), "step": int(step or 1)}
    shape = ctx.meta_shape(node)
    return x_tensor if (x_tensor := ctx.tensor(x)).shape == tuple(shape) else ctx.emit("slice", [x_tensor], attrs, node)


@converts("select.int")
def select(ctx, node):
    x, dim, index = node.args
    x = ctx.tensor(x)
    dim = dim % len(x.shape)
    index = index + x.shape[dim] if index < 0 else index
    kept = list(x.shape)
    kept[dim] = 1
    sliced = ctx.emit_step("slice", [x], {"dim": dim, "start": index, "end": index + 1, "step": 1}, kept, x.dtype,
                           node.name + ".slice", node.name)
    return ctx.emit("reshape", [sliced], {"shape": list(ctx.meta_shape(node))}, node)


@converts("split.Tensor", "split_with_sizes.default", "unsafe_split.Tensor", "unsafe_split_with_sizes.default")
def split(ctx, node):
    x = ctx.tensor(node.args[0])
    sizes = node.args[1]
    dim = (node.args[2] if len(node.args) > 2 else node.kwargs.get("dim", 0)) % len(x.shape)
    if isinstance(sizes, int):
        sizes = [min(sizes, x.shape[dim] - s) for s in range(0, x.shape[dim], sizes)]
    outputs, start = [], 0
    for k, size in enumerate(sizes):
        shape = list(x.shape)
        shape[dim] = size
        outputs.append(ctx.emit_step("slice", [x], {"dim": dim, "start": start, "end": start + size, "step": 1}, shape,
                                     x.dtype, f"{node.name}.{k}", node.name))
        start += size
    return tuple(outputs)


@converts("repeat.default")
def repeat(ctx, node):
    """x.repeat(r): out[i] = x[i % n] per dim, as x viewed [1, n] per dim, expanded to [r, n], then merged."""
    x = ctx.tensor(node.args[0])
    reps = [int(r) for r in node.args[1]]
    shape = (1,) * (len(reps) - len(x.shape)) + tuple(x.shape)
    interleaved = tuple(v for n in shape for v in (1, n))
    expanded = tuple(v for r, n in zip(reps, shape) for v in (r, n))
    view = ctx.emit_step("reshape", [x], {"shape": list(interleaved)}, interleaved, x.dtype, node.name + ".view",
                         node.name)
    wide = ctx.emit_step("expand", [view], {"shape": list(expanded)}, expanded, x.dtype, node.name + ".expand",
                         node.name)
    return ctx.emit("reshape", [wide], {"shape": list(ctx.meta_shape(node))}, node)


def _cast_to_node_dtype(ctx, node, x):
    """x in the dtype of `node`'s output: itself, or a cast op producing the node's value."""
    meta = node.meta["tensor_meta"]
    target = ir.DTYPE_CODES.get(meta.dtype)
    if target is None:
        raise Unsupported(f"conversion to {meta.dtype}")
    return x if target == x.dtype else ctx.emit("cast", [x], {"dtype": target}, node)


@converts("copy.default")
def copy(ctx, node):
    """copy(dst, src): src broadcast to dst's shape and cast to its dtype (dst's values are dropped)."""
    src = ctx.tensor(node.args[1])
    shape = tuple(ctx.meta_shape(node))
    if src.shape != shape:
        src = ctx.emit_step("expand", [src], {"shape": list(shape)}, shape, src.dtype, node.name + ".expand", node.name)
    return _cast_to_node_dtype(ctx, node, src)


@converts("_to_copy.default")
def to_copy(ctx, node):
    return _cast_to_node_dtype(ctx, node, ctx.tensor(node.args[0]))


@converts("zeros_like.default", "ones_like.default", "full_like.default", "empty_like.default", "new_empty.default",
          "new_zeros.default", "new_ones.default", "new_full.default", "full.default", "zeros.default", "ones.default",
          "empty.memory_format")
def filled(ctx, node):
    """A tensor filled with one value (empty ones with zeros): a constant; of a dynamic shape, a
    one-element constant expanded to it."""
    meta = node.meta["tensor_meta"]
    packet = node.target.overloadpacket.__name__
    value = {"ones_like": 1, "new_ones": 1, "ones": 1}.get(packet, 0)
    if packet in ("full_like", "full", "new_full"):
        value = node.args[1] if packet != "new_full" else node.args[2]
    if meta.dtype not in ir.DTYPE_CODES:
        raise Unsupported(f"a tensor of {meta.dtype}")
    return ctx.full(meta.shape, value, ir.NUMPY_DTYPES[ir.DTYPE_CODES[meta.dtype]], node.name, node.name)


@converts("arange.default", "arange.start", "arange.start_step")
def arange(ctx, node):
    """arange up to a dynamic end (static ones are constants): start - step + cumsum(step
    repeated n times)."""
    args = list(node.args)
    start, end, step = (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) > 2 else 1)
    if is_symbolic(start) or is_symbolic(step):
        raise Unsupported("arange with a dynamic start or step")
    meta = node.meta["tensor_meta"]
    if meta.dtype not in (torch.float32, torch.int64):
        raise Unsupported(f"arange in {meta.dtype}")
    code, n = ir.DTYPE_CODES[meta.dtype], meta.shape[0]
    np_dtype = ir.NUMPY_DTYPES[code]
    steps = ctx.emit_step("expand", [ctx.constant(np.full([1], step, np_dtype), node.name + ".step")], {"shape": [n]},
                          (n,), code, node.name + ".steps", node.name)
    counted = ctx.emit_step("cumsum", [steps], {"dim": 0}, (n,), code, node.name + ".cumsum", node.name)
    return ctx.emit("add", [counted, ctx.constant(np.full([1], start - step, np_dtype), node.name + ".start")], {},
                    node)


@converts("unbind.int")
def unbind(ctx, node):
    x = ctx.tensor(node.args[0])
    dim = (node.args[1] if len(node.args) > 1 else 0) % len(x.shape)
    rest = [d for i, d in enumerate(x.shape) if i != dim]
    kept = list(x.shape)
    kept[dim] = 1
    outputs = []
    for k in range(x.shape[dim]):
        piece = ctx.emit_step("slice", [x], {"dim": dim, "start": k, "end": k + 1, "step": 1}, kept, x.dtype,
                              f"{node.name}.{k}.slice", node.name)
        outputs.append(ctx.emit_step("reshape", [piece], {"shape": rest}, rest, x.dtype, f"{node.name}.{k}", node.name))
    return tuple(outputs)


@converts("stack.default")
def stack(ctx, node):
    tensors = [ctx.tensor(t) for t in node.args[0]]
    rank = len(tensors[0].shape) + 1
    dim = (node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)) % rank
    pieces = []
    for k, t in enumerate(tensors):
        shape = list(t.shape)
        shape.insert(dim, 1)
        pieces.append(ctx.emit_step("reshape", [t], {"shape": shape}, shape, t.dtype, f"{node.name}.{k}", node.name))
    return ctx.emit("concat", pieces, {"dim": dim}, node)


@converts("pixel_shuffle.default")
def pixel_shuffle(ctx, node):
    """[N, C*r*r, H, W] -> [N, C, r, r, H, W] -> [N, C, H, r, W, r] -> [N, C, H*r, W*r]."""
    x = ctx.tensor(node.args[0])
    r = int(node.args[1])
    n, c, h, w = x.shape
    c_out = c // (r * r)
    split = (n, c_out, r, r, h, w)
    y = ctx.emit_step("reshape", [x], {"shape": list(split)}, split, x.dtype, node.name + ".split", node.name)
    moved = (n, c_out, h, r, w, r)
    y = ctx.emit_step("permute", [y], {"perm": [0, 1, 4, 2, 5, 3]}, moved, x.dtype, node.name + ".moved", node.name)
    return ctx.emit("reshape", [y], {"shape": list(ctx.meta_shape(node))}, node)


@converts("constant_pad_nd.default")
def constant_pad(ctx, node):
    """Pads by concatenating constant blocks (negative padding crops with slice), last dim first."""
    x = ctx.tensor(node.args[0])
    pads = list(node.args[1])
    value = float(node.args[2]) if len(node.args) > 2 else 0.0
    np_dtype = ir.NUMPY_DTYPES[x.dtype]
    y = x
    for k in range(len(pads) // 2):
        dim = len(x.shape) - 1 - k
        before, after = pads[2 * k], pads[2 * k + 1]
        y = _crop(ctx, node, y, dim, max(-before, 0), max(-after, 0), k)
        pieces = []
        for amount, tag in ((before, "before"), (None, None), (after, "after")):
            if amount is None:
                pieces.append(y)
            elif amount > 0:
                shape = list(y.shape)
                shape[dim] = amount
                pieces.append(ctx.full(shape, value, np_dtype, f"{node.name}.{tag}{k}", node.name))
        if len(pieces) > 1:
            shape = list(y.shape)
            shape[dim] = sum(p.shape[dim] for p in pieces)
            y = ctx.emit_step("concat", pieces, {"dim": dim}, shape, x.dtype, f"{node.name}.pad{k}", node.name)
    return y


def _crop(ctx, node, y, dim, start_crop, end_crop, k):
    if not (start_crop or end_crop):
        return y
    shape = list(y.shape)
    shape[dim] -= start_crop + end_crop
    attrs = {"dim": dim, "start": start_crop, "end": y.shape[dim] - end_crop, "step": 1}
    return ctx.emit_step("slice", [y], attrs, shape, y.dtype, f"{node.name}.crop{k}", node.name)


@converts("diagonal.default")
def diagonal(ctx, node):
    """diagonal(x, offset, dim1, dim2): dim1 and dim2 moved last and merged, the diagonal's elements
    picked from them by a constant index (index_select), as a new last dim."""
    x = ctx.tensor(node.args[0])
    args = list(node.args) + [None] * (4 - len(node.args))
    offset = int(node.kwargs.get("offset", args[1] or 0))
    rank = len(x.shape)
    dim1 = int(node.kwargs.get("dim1", args[2] if args[2] is not None else 0)) % rank
    dim2 = int(node.kwargs.get("dim2", args[3] if args[3] is not None else 1)) % rank
    rows, cols = x.shape[dim1], x.shape[dim2]
    rest = [d for d in range(rank) if d not in (dim1, dim2)]
    lead = tuple(x.shape[d] for d in rest)
    start_row, start_col = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(rows - start_row, cols - start_col))
    index = np.array([(start_row + i) * cols + start_col + i for i in range(length)], np.int64)
    moved = x
    if rest + [dim1, dim2] != list(range(rank)):
        moved = ctx.emit_step("permute", [x], {"perm": rest + [dim1, dim2]}, lead + (rows, cols), x.dtype,
                              node.name + ".moved", node.name)
    flat = ctx.emit_step("reshape", [moved], {"shape": list(lead + (rows * cols,))}, lead + (rows * cols,), x.dtype,
                         node.name + ".flat", node.name)
    return ctx.emit("index_select", [flat, ctx.constant(index, node.name + ".index")], {"dim": len(lead)}, node)


@converts("as_strided.default")
def as_strided(ctx, node):
    """as_strided(x, size, stride, offset) over x's contiguous elements (every IR tensor is
    contiguous): a constant index of the elements it reads, taken from x flattened."""
    x = ctx.tensor(node.args[0])
    size, stride = [int(s) for s in node.args[1]], [int(s) for s in node.args[2]]
    offset = int(node.args[3] if len(node.args) > 3 and node.args[3] is not None else node.kwargs.get("storage_offset", 0) or 0)
    index = np.full(tuple(size), offset, np.int64)
    for dim, (n, step) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[dim] = n
        index = index + (np.arange(n, dtype=np.int64) * step).reshape(shape)
    numel = int(np.prod(x.shape, dtype=np.int64))
    if index.size and (index.min() < 0 or index.max() >= numel):
        raise Unsupported(f"as_strided reads past its input's {numel} elements")
    flat = ctx.emit_step("reshape", [x], {"shape": [numel]}, (numel,), x.dtype, node.name + ".flat", node.name)
    picked = ctx.emit_step("index_select", [flat, ctx.constant(index.reshape(-1), node.name + ".index")], {"dim": 0},
                           (index.size,), x.dtype, node.name + ".picked", node.name)
    return ctx.emit("reshape", [picked], {"shape": size}, node)
