import torch

from . import converts

aten = torch.ops.aten


@converts("relu.default")
def relu(ctx, node):
    return ctx.emit("relu", [ctx.tensor(node.args[0])], {}, node)
