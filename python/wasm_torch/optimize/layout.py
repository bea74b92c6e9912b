"""to_nhwc: convolutional networks compute with channels innermost (NHWC).

A convolution over NHWC is a GEMM whose A operand is the activation itself (pixels x channels,
read in place by 1x1 convolutions), with weights packed at export in the GEMM's panel layout;
depthwise, pooling and Winograd kernels vectorize across channels. Tensors change layout only
where an NHWC region meets an op that needs NCHW, one permute per tensor and direction: for an
image classifier once after the input, and never again when global pooling drops the spatial
dims. Tensors the pass moves get their physical shape [N, H, W, C] and `nhwc = True`.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import ir
from ..contract import UNARY_OPS, WEIGHT_LAYOUT_HWC, WEIGHT_LAYOUT_PANELS8
from ..ops.binary import BINARY_OPS
from .passes import batch_norm_affine, panels

TO_NHWC = (0, 2, 3, 1)    # perm of an NCHW tensor that gives NHWC
TO_NCHW = (0, 3, 1, 2)
_REDUCTIONS = ("sum", "mean", "amax", "amin", "var", "std")


def nhwc_shape(shape) -> tuple:
    return tuple(shape[d] for d in TO_NHWC)


def _same_bytes(shape) -> bool:
    """NCHW and NHWC order the elements alike when the image is 1x1 or has one channel."""
    return shape[1] == 1 or shape[2] * shape[3] == 1


def _is_image(t) -> bool:
    return t is not None and not t.is_constant and len(t.shape) == 4 and t.dtype == ir.DTYPE_CODES[torch.float32]


class _Rewriter:
    def __init__(self, graph: ir.Graph):
        self.graph = graph
        self.nodes: list = []
        # Keyed by the tensors themselves, never by id(): a replaced operand may be freed and its id
        # reused by a tensor made later.
        self.copies: dict = {}   # (tensor, to_nhwc) -> its copy in the other layout
        self.packed: dict = {}   # (conv weight, op) -> (weight, attrs) in NHWC form
        self.readers: dict = {}  # tensor -> the nodes that read it (a graph output counts as one more)
        for node in graph.nodes:
            for t in node.inputs:
                self.readers.setdefault(t, []).append(node)
        for t in graph.outputs:
            self.readers.setdefault(t, []).append(None)
        self.consumed: set = set()  # id() of nodes a rewrite emitted ahead of their turn

    def convert(self, t: ir.Tensor, to_nhwc: bool) -> ir.Tensor:
        """t in the requested layout: itself, or a copy made once (a view where the bytes agree)."""
        if t is None or t.nhwc == to_nhwc:
            return t
        key = (t, to_nhwc)
        if key not in self.copies:
            shape = nhwc_shape(t.shape) if to_nhwc else tuple(t.shape[d] for d in TO_NCHW)
            copy = ir.Tensor(f"{t.name}.{'nhwc' if to_nhwc else 'nchw'}", t.dtype, shape, nhwc=to_nhwc)
            if _same_bytes(t.shape if to_nhwc else copy.shape):
                self.nodes.append(ir.Node("reshape", [t], [copy], {"shape": list(shape)}, "layout"))
            else:
                perm = list(TO_NHWC if to_nhwc else TO_NCHW)
                self.nodes.append(ir.Node("permute", [t], [copy], {"perm": perm}, "layout"))
            self.copies[key] = copy
        return self.copies[key]

    def emit_nhwc(self, node: ir.Node, inputs: list, attrs: dict = None) -> None:
        """node over NHWC inputs: its image outputs become NHWC."""
        node.inputs = inputs
        node.attrs.update(attrs or {})
        for out in node.outputs:
            if len(out.shape) == 4:
                out.shape, out.nhwc = nhwc_shape(out.shape), True
        self.nodes.append(node)

    def emit_nchw(self, node: ir.Node) -> None:
        node.inputs = [self.convert(t, False) for t in node.inputs]
        self.nodes.append(node)

    def only_reader(self, t: ir.Tensor):
        """The one node that reads t, or None (several, none, or t is a graph output)."""
        readers = self.readers.get(t, [])
        return readers[0] if len(readers) == 1 else None

    def run(self) -> bool:
        for node in self.graph.nodes:
            if id(node) in self.consumed:
                continue
            rewrite = _REWRITES.get(node.op)
            if rewrite is None or not rewrite(self, node):
                self.emit_nchw(node)
        changed = any(t.nhwc for n in self.nodes for t in n.outputs)
        if changed:
            outputs = []
            for t in self.graph.outputs:
                nchw = self.convert(t, False)
                if nchw is not t and not t.name.endswith(".nhwc"):  # the file's output keeps its name
                    nchw.name, t.name = t.name, f"{t.name}.nhwc"
                outputs.append(nchw)
            self.graph.outputs = outputs
            self.graph.nodes = self.nodes
        return changed

    def any_nhwc(self, node) -> bool:
        return any(t is not None and t.nhwc for t in node.inputs)


def _conv(rw: _Rewriter, node: ir.Node) -> bool:
    """conv2d, conv_transpose2d and the static int8 convolutions: the input (and a residual) in NHWC,
    the float weights packed (the int8 ones are already in NHWC's order: static_quantized_conv2d's
    panels have (ky, kx, c) rows, static_quantized_depthwise_conv2d's [kh*kw, C] is the float [kh, kw, C])."""
    x, weight = node.inputs[:2]
    if not _is_image(x) or not weight.is_constant:
        return False
    packed, attrs = weight, {}
    if not node.op.startswith("static_quantized_"):
        if (weight, node.op) not in rw.packed:
            pack = _pack_conv_weight if node.op == "conv2d" else _pack_transposed_weight
            rw.packed[weight, node.op] = pack(weight, node.attrs["groups"])
        packed, attrs = rw.packed[weight, node.op]
    rest = [rw.convert(t, True) if i == 3 else t for i, t in enumerate(node.inputs[2:], 2)]  # a residual too
    inputs = [rw.convert(x, True), packed] + rest
    rw.emit_nhwc(node, inputs, dict(attrs, layout="nhwc"))
    return True


def _pack_conv_weight(weight: ir.Tensor, groups: int):
    """[O, I/g, kh, kw] -> depthwise [kh, kw, C] ("hwc"), else each group's [kh*kw*I/g, O/g] im2col
    matrix in GEMM panels, groups one after another ("panels8")."""
    w = weight.data
    out_channels, in_per_group, kh, kw = w.shape
    attrs = {"out_channels": out_channels, "kernel_size": [kh, kw]}
    if in_per_group == 1 and groups == out_channels:
        return ir.constant(f"{weight.name}.{WEIGHT_LAYOUT_HWC}", np.ascontiguousarray(w[:, 0].transpose(1, 2, 0))), \
            dict(attrs, weight_layout=WEIGHT_LAYOUT_HWC)
    per_group = out_channels // groups
    groups_panels = [panels(w[g * per_group:(g + 1) * per_group].transpose(0, 2, 3, 1).reshape(per_group, -1).T)
                     for g in range(groups)]
    return ir.constant(f"{weight.name}.{WEIGHT_LAYOUT_PANELS8}", np.concatenate(groups_panels)), \
        dict(attrs, weight_layout=WEIGHT_LAYOUT_PANELS8)


def _pack_transposed_weight(weight: ir.Tensor, groups: int):
    """[Cin, Cout/g, kh, kw] -> each group's [Cin/g, kh*kw*Cout/g] matrix (columns (ky, kx, oc)) in GEMM
    panels, groups one after another."""
    w = weight.data
    in_channels, per_group, kh, kw = w.shape
    cin = in_channels // groups
    groups_panels = [panels(w[g * cin:(g + 1) * cin].transpose(0, 2, 3, 1).reshape(cin, -1)) for g in range(groups)]
    return ir.constant(f"{weight.name}.{WEIGHT_LAYOUT_PANELS8}", np.concatenate(groups_panels)), \
        {"out_channels": per_group * groups, "kernel_size": [kh, kw], "weight_layout": WEIGHT_LAYOUT_PANELS8}


def _pool2d(rw: _Rewriter, node: ir.Node) -> bool:
    if not _is_image(node.inputs[0]) or len(node.outputs) > 1:  # max_pool2d's indices are NCHW plane offsets
        return False
    rw.emit_nhwc(node, [rw.convert(node.inputs[0], True)], {"layout": "nhwc"})
    return True


def _adaptive_avg_pool2d(rw: _Rewriter, node: ir.Node) -> bool:
    """Global average pooling: a mean over H and W, which needs no NCHW."""
    if not (rw.any_nhwc(node) and list(node.attrs["output_size"]) == [1, 1]):
        return False
    node.op, node.attrs = "mean", {}
    rw.emit_nhwc(node, [node.inputs[0]], {"dims": [1, 2], "keepdim": 1})
    return True


def _batch_norm(rw: _Rewriter, node: ir.Node) -> bool:
    """Inference batch norm over NHWC: channel_affine, y = x * scale + shift with [C] vectors along
    the last axis, in one pass (a ReLU after it fuses into it later)."""
    x = node.inputs[0]
    affine = batch_norm_affine(node) if x.nhwc else None
    if affine is None:
        return False
    scale, shift = affine
    node.op, node.attrs = "channel_affine", {}
    rw.emit_nhwc(node, [x, ir.constant(node.source + ".scale", scale.astype(np.float32)),
                        ir.constant(node.source + ".shift", shift.astype(np.float32))])
    return True


def _unary(rw: _Rewriter, node: ir.Node) -> bool:
    if not rw.any_nhwc(node):
        return False
    rw.emit_nhwc(node, node.inputs)
    return True


def _binary(rw: _Rewriter, node: ir.Node) -> bool:
    if not rw.any_nhwc(node) or len(node.outputs[0].shape) != 4:
        return False
    rw.emit_nhwc(node, [_broadcast_operand(rw, t) for t in node.inputs])
    return True


def _broadcast_operand(rw: _Rewriter, t: ir.Tensor) -> ir.Tensor:
    """An operand of a 4-d elementwise op, in NHWC: scalars as they are, lower ranks aligned right
    (NumPy broadcasting) to 4-d first."""
    if t.nhwc or int(np.prod(t.shape)) == 1:
        return t
    shape = (1,) * (4 - len(t.shape)) + tuple(t.shape)
    if t.is_constant:
        key = (t, True)
        if key not in rw.copies:
            rw.copies[key] = ir.Tensor(t.name + ".nhwc", t.dtype, nhwc_shape(shape),
                                       np.ascontiguousarray(t.data.reshape(shape).transpose(TO_NHWC)), nhwc=True)
        return rw.copies[key]
    if len(t.shape) < 4:
        as4d = ir.Tensor(t.name + ".4d", t.dtype, shape)
        rw.nodes.append(ir.Node("reshape", [t], [as4d], {"shape": list(shape)}, "layout"))
        t = as4d
    return rw.convert(t, True)


def _concat(rw: _Rewriter, node: ir.Node) -> bool:
    if not rw.any_nhwc(node) or not all(_is_image(t) for t in node.inputs):
        return False
    dim = TO_NHWC.index(node.attrs["dim"] % 4)
    rw.emit_nhwc(node, [rw.convert(t, True) for t in node.inputs], {"dim": dim})
    return True


def _slice(rw: _Rewriter, node: ir.Node) -> bool:
    """A slice of an NHWC image (ShuffleNet's chunk of the channels): the same slice of its axis in NHWC."""
    if not (node.inputs[0].nhwc and len(node.outputs[0].shape) == 4):
        return False
    rw.emit_nhwc(node, node.inputs, {"dim": TO_NHWC.index(node.attrs["dim"] % 4)})
    return True


def _channel_shuffle(rw: _Rewriter, node: ir.Node) -> bool:
    """ShuffleNet's channel shuffle over an NHWC image: x.view(N, g, C/g, H, W).transpose(1, 2)
    .reshape(N, C, H, W), this reshape and the two nodes after it, become the same on the channel
    axis, [N, H, W, g, C/g] -> [N, H, W, C/g, g]: the image stays NHWC (in NCHW the shuffle took two
    more permutes, in and out of NHWC, each a full copy)."""
    x, split = node.inputs[0], node.outputs[0]
    if not (x.nhwc and len(split.shape) == 5 and all(type(d) is int for d in (*x.shape, *split.shape))):
        return False
    n, h, w, c = x.shape
    groups, per_group = split.shape[1:3]
    transpose = rw.only_reader(split)
    if (tuple(split.shape) != (n, groups, per_group, h, w) or transpose is None or transpose.op != "permute"
            or list(transpose.attrs["perm"]) != [0, 2, 1, 3, 4]):
        return False
    merge = rw.only_reader(transpose.outputs[0])
    if merge is None or merge.op != "reshape" or tuple(merge.outputs[0].shape) != (n, c, h, w):
        return False
    split.shape, node.attrs["shape"] = (n, h, w, groups, per_group), [n, h, w, groups, per_group]
    rw.nodes.append(node)
    transpose.outputs[0].shape, transpose.attrs["perm"] = (n, h, w, per_group, groups), [0, 1, 2, 4, 3]
    rw.nodes.append(transpose)
    rw.emit_nhwc(merge, merge.inputs, {"shape": [n, h, w, c]})
    rw.consumed |= {id(transpose), id(merge)}
    return True


def _permute(rw: _Rewriter, node: ir.Node) -> bool:
    """A model's own permute at an NHWC region's edge (ConvNeXt's blocks and LayerNorm2d, Swin's
    stem: x.permute(0, 2, 3, 1), a layer norm and linears over the channels, .permute(0, 3, 1, 2)).
    Of an NHWC image, any permute is one permute of its bytes, and to channels last none: a view
    where there were two copies (the layout's permute back to NCHW, then the model's). Of a plain
    [N, H, W, C] tensor, the permute to NCHW is a view of its bytes as an NHWC image."""
    x, out = node.inputs[0], node.outputs[0]
    if len(out.shape) != 4 or not all(type(d) is int for d in (*x.shape, *out.shape)):
        return False
    perm = [d % 4 for d in node.attrs["perm"]]
    if x.nhwc:
        physical = [TO_NHWC.index(d) for d in perm]  # out's dim i is NCHW dim perm[i], stored at this one of x's
        if physical == [0, 1, 2, 3]:
            node.op, node.attrs = "reshape", {"shape": list(out.shape)}
        else:
            node.attrs = {"perm": physical}
        rw.nodes.append(node)
        return True
    if perm != list(TO_NCHW) or not _is_image(x):
        return False
    node.op, node.attrs = "reshape", {}
    rw.emit_nhwc(node, [x], {"shape": list(x.shape)})
    return True


def _reduce(rw: _Rewriter, node: ir.Node) -> bool:
    x = node.inputs[0]
    if not x.nhwc:
        return False
    dims = {d % 4 for d in node.attrs["dims"]} or {0, 1, 2, 3}
    if not node.attrs.get("keepdim", 0):
        # The output keeps its dims in NHWC order: it must be the NCHW order as well.
        if [d for d in TO_NHWC if d not in dims] != [d for d in range(4) if d not in dims]:
            return False
        node.attrs["dims"] = sorted(TO_NHWC.index(d) for d in dims)
        node.inputs = [x]
        rw.nodes.append(node)
        return True
    rw.emit_nhwc(node, [x], {"dims": sorted(TO_NHWC.index(d) for d in dims)})
    return True


_REWRITES = {"conv2d": _conv, "conv_transpose2d": _conv, "static_quantized_conv2d": _conv,
             "static_quantized_depthwise_conv2d": _conv,
             "max_pool2d": _pool2d, "avg_pool2d": _pool2d,
             "adaptive_avg_pool2d": _adaptive_avg_pool2d, "batch_norm": _batch_norm, "concat": _concat,
             "slice": _slice, "reshape": _channel_shuffle, "permute": _permute,
             **{op: _unary for op in UNARY_OPS}, **{op: _binary for op in BINARY_OPS},
             **{op: _reduce for op in _REDUCTIONS}}


def to_nhwc(graph: ir.Graph) -> bool:
    """Runs convolutions, pooling and the elementwise ops between them in NHWC."""
    return _Rewriter(graph).run()
