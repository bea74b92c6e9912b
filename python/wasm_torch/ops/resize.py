"""F.interpolate / nn.Upsample: nearest and bilinear (2-D)."""
from . import Unsupported, converts


def _resize(ctx, node, mode, align_corners, scales):
    x = ctx.tensor(node.args[0])
    if len(x.shape) != 4:
        raise Unsupported(f"{mode} resize of a {len(x.shape)}-d tensor (2-d images only)")
    size = list(ctx.meta_shape(node))[2:]
    scales = list(scales) if scales else [0.0, 0.0]
    attrs = {"mode": mode, "output_size": size, "align_corners": int(bool(align_corners)),
             "scale_h": float(scales[0] or 0.0), "scale_w": float(scales[1] or 0.0)}
    return ctx.emit("resize2d", [x], attrs, node)


@converts("upsample_bilinear2d.vec")
def upsample_bilinear2d_vec(ctx, node):
    _, _, align_corners, scales = node.args
    return _resize(ctx, node, "bilinear", align_corners, scales)


@converts("upsample_bilinear2d.default")
def upsample_bilinear2d(ctx, node):
    args = list(node.args) + [None] * (5 - len(node.args))
    return _resize(ctx, node, "bilinear", args[2], [args[3], args[4]] if args[3] else None)


@converts("upsample_nearest2d.vec")
def upsample_nearest2d_vec(ctx, node):
    return _resize(ctx, node, "nearest", False, node.args[2])


@converts("upsample_nearest2d.default")
def upsample_nearest2d(ctx, node):
    args = list(node.args) + [None] * (4 - len(node.args))
    return _resize(ctx, node, "nearest", False, [args[2], args[3]] if args[2] else None)
