import torch

from . import Unsupported, converts
from .normalization import batch_statistics_norm

aten = torch.ops.aten


@converts("native_batch_norm.default", "_native_batch_norm_legit_no_training.default")
def batch_norm(ctx, node):
    args = list(node.args)
    x, weight, bias, mean, var = (ctx.tensor(a) if a is not None else None for a in args[:5])
    if node.target is aten.native_batch_norm.default:
        training, eps = args[5], args[7]
        if training:  # batch statistics: instance_norm, or batch_norm with track_running_stats=False
            out = batch_statistics_norm(ctx, node, x, args[1], args[2], eps)
            return (out, ctx.unavailable("batch_norm's saved mean"), ctx.unavailable("batch_norm's saved inverse std"))
    else:
        eps = args[6]
    if mean is None or var is None:
        raise Unsupported("batch_norm without running statistics (track_running_stats=False)")
    out = ctx.emit("batch_norm", [x, weight, bias, mean, var], {"eps": float(eps)}, node,
                   dtype=x.dtype, shape=x.shape)
    # The saved mean / inverse std outputs only exist in training; nothing may read them.
    return (out, ctx.unavailable("batch_norm's saved mean"), ctx.unavailable("batch_norm's saved inverse std"))


@converts("_native_batch_norm_legit.no_stats", "_native_batch_norm_legit.default")
def batch_norm_batch_statistics(ctx, node):
    """torch.export's batch norm over the batch's own statistics (instance_norm, or batch_norm with
    track_running_stats=False): no_stats (x, w, b, training, momentum, eps); default (x, w, b,
    running_mean, running_var, training, momentum, eps), whose running statistics an inference
    graph never updates."""
    args = list(node.args)
    eps = args[5] if node.target._overloadname == "no_stats" else args[7]
    training = args[3] if node.target._overloadname == "no_stats" else args[5]
    if not training:
        raise Unsupported("_native_batch_norm_legit in eval mode")
    out = batch_statistics_norm(ctx, node, ctx.tensor(args[0]), args[1], args[2], eps)
    return (out, ctx.unavailable("batch_norm's saved mean"), ctx.unavailable("batch_norm's saved inverse std"))
