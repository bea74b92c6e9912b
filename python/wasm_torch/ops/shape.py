import torch

from . import converts

aten = torch.ops.aten


@converts("view.default", "_reshape_alias.default", "reshape.default", "_unsafe_view.default")
def reshape(ctx, node):
    x = ctx.tensor(node.args[0])
    shape = list(ctx.meta_shape(node))
    if tuple(shape) == tuple(x.shape):
        return x
    return ctx.emit("reshape", [x], {"shape": shape}, node)


@converts("detach.default", "alias.default", "clone.default", "lift_fresh_copy.default")
def identity(ctx, node):
    return ctx.tensor(node.args[0])
