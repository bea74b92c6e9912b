import torch

from . import Unsupported, converts

aten = torch.ops.aten


@converts("convolution.default")
def convolution(ctx, node):
    x, weight, bias, stride, padding, dilation, transposed, _output_padding, groups = node.args
    if transposed:
        raise Unsupported("transposed convolution is not implemented yet")
    w = ctx.tensor(weight)
    if len(w.shape) != 4:
        raise Unsupported(f"{len(w.shape) - 2}-d convolution is not implemented yet (conv2d only)")
    attrs = {"stride": list(stride), "padding": list(padding), "dilation": list(dilation), "groups": int(groups),
             "activation": "none"}
    return ctx.emit("conv2d", [ctx.tensor(x), w, ctx.tensor(bias) if bias is not None else None], attrs, node)
