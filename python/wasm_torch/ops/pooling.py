import operator

import torch

from .. import ir
from . import converts

aten = torch.ops.aten


def _pair(v, default):
    v = list(v) if v else list(default)
    return v * 2 if len(v) == 1 else v


@converts("max_pool2d_with_indices.default", "max_pool2d.default")
def max_pool2d(ctx, node):
    args = list(node.args) + [None] * (6 - len(node.args))
    x, kernel, stride, padding, dilation, ceil_mode = args[:6]
    kernel = _pair(kernel, ())
    attrs = {"kernel_size": kernel, "stride": _pair(stride, kernel), "padding": _pair(padding, (0,)),
             "dilation": _pair(dilation, (1,)), "ceil_mode": int(bool(ceil_mode))}
    if node.target is aten.max_pool2d.default:
        return ctx.emit("max_pool2d", [ctx.tensor(x)], attrs, node)
    return _with_indices(ctx, node, "max_pool2d", ctx.tensor(x), attrs)


def _with_indices(ctx, node, op, x, attrs):
    """(values, int64 indices in each input plane): the op with a second output, made only where
    the indices are read (a pool without them may run channels-last)."""
    values = ctx.emit(op, [x], attrs, node, index=0)
    if not any(u.target is operator.getitem and u.args[1] == 1 for u in node.users):
        return (values, ctx.unavailable(f"{op}'s indices"))
    indices = ir.Tensor(node.name + ".indices", ir.DTYPE_CODES[torch.int64], values.shape)
    ctx.graph.nodes[-1].outputs.append(indices)
    return (values, indices)


@converts("avg_pool2d.default")
def avg_pool2d(ctx, node):
    args = list(node.args) + [None] * (7 - len(node.args))
    x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override = args[:7]
    kernel = _pair(kernel, ())
    attrs = {"kernel_size": kernel, "stride": _pair(stride, kernel), "padding": _pair(padding, (0,)),
             "ceil_mode": int(bool(ceil_mode)),
             "count_include_pad": int(count_include_pad is None or bool(count_include_pad)),
             "divisor_override": int(divisor_override or 0)}
    return ctx.emit("avg_pool2d", [ctx.tensor(x)], attrs, node)


@converts("_adaptive_avg_pool2d.default", "adaptive_avg_pool2d.default")
def adaptive_avg_pool2d(ctx, node):
    x, output_size = node.args[:2]
    return ctx.emit("adaptive_avg_pool2d", [ctx.tensor(x)], {"output_size": _pair(output_size, ())}, node)


@converts("adaptive_max_pool2d.default")
def adaptive_max_pool2d(ctx, node):
    x, output_size = node.args[:2]
    return _with_indices(ctx, node, "adaptive_max_pool2d", ctx.tensor(x), {"output_size": _pair(output_size, ())})
