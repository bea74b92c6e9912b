import torch

from . import Unsupported, converts

aten = torch.ops.aten


def _softmax(ctx, node, op):
    x, dim = node.args[:2]
    if len(node.args) > 2 and node.args[2] not in (False, None):
        raise Unsupported(f"{op} with a half-to-float conversion")
    return ctx.emit(op, [ctx.tensor(x)], {"dim": int(dim)}, node)


@converts("_softmax.default", "softmax.int")
def softmax(ctx, node):
    return _softmax(ctx, node, "softmax")


@converts("_log_softmax.default", "log_softmax.int")
def log_softmax(ctx, node):
    return _softmax(ctx, node, "log_softmax")
