"""convolution: 2-d directly; 1-d as 2-d over a height-1 image; transposed 1-d/2-d."""
import numpy as np

from . import Unsupported, converts


def _as_2d(ctx, node, x, w, bias, attrs, op, out_shape_2d):
    """Runs a 1-d convolution as 2-d: [N, C, L] -> [N, C, 1, L] and back."""
    n, c, length = x.shape
    x4 = ctx.emit_step("reshape", [x], {"shape": [n, c, 1, length]}, (n, c, 1, length), x.dtype,
                       node.name + ".as2d", node.name)
    if not w.is_constant:
        raise Unsupported("1-d convolution with non-constant weights")
    w4 = ctx.constant(np.ascontiguousarray(w.data[:, :, None, :]), w.name + ".as2d")
    y4 = ctx.emit_step(op, [x4, w4, bias], attrs, out_shape_2d, x.dtype, node.name + ".conv2d", node.name)
    return ctx.emit("reshape", [y4], {"shape": list(ctx.meta_shape(node))}, node)


@converts("convolution.default")
def convolution(ctx, node):
    x, weight, bias, stride, padding, dilation, transposed, output_padding, groups = node.args
    x, w = ctx.tensor(x), ctx.tensor(weight)
    b = ctx.tensor(bias) if bias is not None else None
    spatial = len(w.shape) - 2
    if spatial not in (1, 2):
        raise Unsupported(f"{spatial}-d convolution (1-d and 2-d are supported)")
    pad = lambda v, fill: [fill] + list(v) if spatial == 1 else list(v)  # noqa: E731
    attrs = {"stride": pad(stride, 1), "padding": pad(padding, 0), "dilation": pad(dilation, 1), "groups": int(groups)}
    op = "conv_transpose2d" if transposed else "conv2d"
    if transposed:
        attrs["output_padding"] = pad(output_padding, 0)
    else:
        attrs["activation"] = "none"
    if spatial == 1:
        out = ctx.meta_shape(node)
        return _as_2d(ctx, node, x, w, b, attrs, op, (out[0], out[1], 1, out[2]))
    return ctx.emit(op, [x, w, b], attrs, node)
