"""layer_norm (batch_norm is in batch_norm.py)."""
from . import converts


@converts("native_layer_norm.default")
def layer_norm(ctx, node):
    x, normalized_shape, weight, bias, eps = node.args
    inputs = [ctx.tensor(x), ctx.tensor(weight) if weight is not None else None,
              ctx.tensor(bias) if bias is not None else None]
    out = ctx.emit("layer_norm", inputs, {"normalized_ndim": len(normalized_shape), "eps": float(eps)}, node, index=0)
    return (out, ctx.unavailable("layer_norm's saved mean"), ctx.unavailable("layer_norm's saved rstd"))
