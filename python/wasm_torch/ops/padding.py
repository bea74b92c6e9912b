"""Padding modes and slice_scatter, decomposed into slice, flip, expand and concat
(constant padding is in shape.py)."""
from . import Unsupported, converts


class _Builder:
    """Emits the numbered intermediate ops of one decomposition."""

    def __init__(self, ctx, node):
        self.ctx, self.node, self.count = ctx, node, 0

    def op(self, name, inputs, attrs, shape, dtype):
        self.count += 1
        return self.ctx.emit_step(name, inputs, attrs, tuple(shape), dtype, f"{self.node.name}.{self.count}", self.node.name)

    def slice(self, x, dim, start, end):
        shape = list(x.shape)
        shape[dim] = end - start
        return self.op("slice", [x], {"dim": dim, "start": start, "end": end, "step": 1}, shape, x.dtype)

    def flip(self, x, dim):
        return self.op("flip", [x], {"dims": [dim]}, x.shape, x.dtype)

    def expand(self, x, dim, size):
        shape = list(x.shape)
        shape[dim] = size
        return self.op("expand", [x], {"shape": shape}, shape, x.dtype)

    def concat(self, pieces, dim):
        pieces = [p for p in pieces if p.shape[dim] > 0]
        if len(pieces) == 1:
            return pieces[0]
        shape = list(pieces[0].shape)
        shape[dim] = sum(p.shape[dim] for p in pieces)
        return self.op("concat", pieces, {"dim": dim}, shape, pieces[0].dtype)


def _pad(ctx, node, edges):
    """Pads the last len(pads)/2 dims; edges(b, x, dim, before, after) returns the two edge pieces."""
    x = ctx.tensor(node.args[0])
    pads = list(node.args[1])
    b = _Builder(ctx, node)
    for k in range(len(pads) // 2):
        dim = len(x.shape) - 1 - k
        before, after = pads[2 * k], pads[2 * k + 1]
        if before < 0 or after < 0:
            raise Unsupported(f"{node.target} with negative padding")
        if before or after:
            left, right = edges(b, x, dim, before, after)
            x = b.concat([left, x, right], dim)
    return x


def _reflect(b, x, dim, before, after):
    n = x.shape[dim]
    if before >= n or after >= n:
        raise Unsupported("reflection padding must be smaller than the dimension")
    return b.flip(b.slice(x, dim, 1, before + 1), dim), b.flip(b.slice(x, dim, n - 1 - after, n - 1), dim)


def _replicate(b, x, dim, before, after):
    n = x.shape[dim]
    return b.expand(b.slice(x, dim, 0, 1), dim, before), b.expand(b.slice(x, dim, n - 1, n), dim, after)


@converts("reflection_pad1d.default", "reflection_pad2d.default", "reflection_pad3d.default")
def reflection_pad(ctx, node):
    return _pad(ctx, node, _reflect)


@converts("replication_pad1d.default", "replication_pad2d.default", "replication_pad3d.default")
def replication_pad(ctx, node):
    return _pad(ctx, node, _replicate)


@converts("slice_scatter.default")
def slice_scatter(ctx, node):
    """base with base[start:end] along dim replaced by src (step 1): concat of three slices."""
    args = list(node.args) + [None] * (6 - len(node.args))
    base, src, dim, start, end, step = args[:6]
    base, src = ctx.tensor(base), ctx.tensor(src)
    dim = (dim or 0) % len(base.shape)
    n = base.shape[dim]
    start = 0 if start is None else (start + n if start < 0 else start)
    end = n if end is None else min(end + n if end < 0 else end, n)
    if (step or 1) != 1:
        raise Unsupported("slice_scatter with a step")
    b = _Builder(ctx, node)
    return b.concat([b.slice(base, dim, 0, start), src, b.slice(base, dim, end, n)], dim)


@converts("flip.default")
def flip(ctx, node):
    return ctx.emit("flip", [ctx.tensor(node.args[0])], {"dims": [int(d) for d in node.args[1]]}, node)
