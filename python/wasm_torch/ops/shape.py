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


@converts("cat.default")
def cat(ctx, node):
    tensors = [ctx.tensor(t) for t in node.args[0]]
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    tensors = [t for t in tensors if t.shape != (0,)]  # torch.cat skips legacy empty tensors
    return ctx.emit("concat", tensors, {"dim": int(dim)}, node)
