"""layer_norm, and group/instance norm decomposed into layer_norm and reductions
(batch_norm with running statistics is in batch_norm.py)."""
import numpy as np
import torch

from .. import ir
from . import Unsupported, converts

F32 = ir.DTYPE_CODES[torch.float32]


@converts("native_layer_norm.default")
def layer_norm(ctx, node):
    x, normalized_shape, weight, bias, eps = node.args
    inputs = [ctx.tensor(x), ctx.tensor(weight) if weight is not None else None,
              ctx.tensor(bias) if bias is not None else None]
    out = ctx.emit("layer_norm", inputs, {"normalized_ndim": len(normalized_shape), "eps": float(eps)}, node, index=0)
    return (out, ctx.unavailable("layer_norm's saved mean"), ctx.unavailable("layer_norm's saved rstd"))


@converts("native_group_norm.default")
def group_norm(ctx, node):
    """[N, C, *] -> [N, G, C/G * spatial] -> layer_norm over the last dim -> back, then the affine."""
    x, weight, bias, n, c, hw, groups, eps = node.args
    x = ctx.tensor(x)
    grouped = (n, groups, (c // groups) * hw)
    y = ctx.emit_step("reshape", [x], {"shape": list(grouped)}, grouped, F32, node.name + ".grouped", node.name)
    y = ctx.emit_step("layer_norm", [y], {"normalized_ndim": 1, "eps": float(eps)}, grouped, F32, node.name + ".norm",
                      node.name)
    y = ctx.emit_step("reshape", [y], {"shape": list(x.shape)}, x.shape, F32, node.name + ".ungrouped", node.name)
    out = _channel_affine(ctx, node, y, weight, bias)
    return (out, ctx.unavailable("group_norm's saved mean"), ctx.unavailable("group_norm's saved rstd"))


def _channel_affine(ctx, node, y, weight, bias):
    """y * weight[c] + bias[c] over dim 1, with weight/bias reshaped to broadcast."""
    per_channel = (-1,) + (1,) * (len(y.shape) - 2)
    for tag, param, op in (("scale", weight, "mul"), ("shift", bias, "add")):
        if param is None:
            continue
        p = ctx.tensor(param)
        if not p.is_constant:
            raise Unsupported("normalization with non-constant affine parameters")
        p = ctx.constant(np.ascontiguousarray(p.data.reshape(per_channel)), p.name + ".per_channel")
        y = ctx.emit_step(op, [y, p], {}, y.shape, F32, f"{node.name}.{tag}", node.name)
    return y


def batch_statistics_norm(ctx, node, x, weight, bias, eps):
    """batch_norm in training mode as instance_norm uses it: normalize each channel over all other dims."""
    dims = [d for d in range(len(x.shape)) if d != 1]
    stat_shape = tuple(1 if d != 1 else x.shape[1] for d in range(len(x.shape)))

    def step(op, inputs, attrs, shape, tag):
        return ctx.emit_step(op, inputs, attrs, shape, F32, f"{node.name}.{tag}", node.name)

    mean = step("mean", [x], {"dims": dims, "keepdim": 1}, stat_shape, "mean")
    var = step("var", [x], {"dims": dims, "keepdim": 1, "correction": 0.0}, stat_shape, "var")
    var = step("add", [var, ctx.constant(np.float32(eps), node.name + ".eps")], {}, stat_shape, "var_eps")
    inv = step("rsqrt", [var], {}, stat_shape, "inv_std")
    centered = step("sub", [x, mean], {}, x.shape, "centered")
    y = step("mul", [centered, inv], {}, x.shape, "normalized")
    return _channel_affine(ctx, node, y, weight, bias)
