"""IR rewrites. Each pass mutates the graph and returns True if it changed anything."""
from __future__ import annotations

import numpy as np

from .. import ir
from ..contract import (DTYPE_CODES, GEMM_PANEL_WIDTH, STREAM_PANEL_WIDTH, UNARY_OPS, WEIGHT_LAYOUT_KN,
                        WEIGHT_LAYOUT_PANELS32, WEIGHT_LAYOUT_PANELS8)
from ..symbolic import is_symbolic

_FUSABLE_PRODUCERS = ("conv2d", "linear")
# Ops that apply a fused activation (not a residual): to_nhwc's form of a batch norm too.
_ACTIVATION_PRODUCERS = _FUSABLE_PRODUCERS + ("channel_affine",)


def eliminate_dead_code(graph: ir.Graph) -> bool:
    needed = set(id(t) for t in graph.outputs)
    kept = []
    for node in reversed(graph.nodes):
        if any(id(t) in needed for t in node.outputs):
            kept.append(node)
            needed.update(id(t) for t in node.inputs if t is not None)
    changed = len(kept) != len(graph.nodes)
    graph.nodes = list(reversed(kept))
    return changed


def _sole_consumer(users: dict, tensor: ir.Tensor):
    consumers = users.get(tensor, [])
    return consumers[0] if len(consumers) == 1 else None


def _last_dim_halves(users: dict, tensor: ir.Tensor) -> list:
    """The two slices [0, C) and [C, 2C) of the last dim that are all of `tensor`'s readers, in that
    order, or []."""
    readers = users.get(tensor, [])
    width, rank = tensor.shape[-1], len(tensor.shape)
    if len(readers) != 2 or None in readers or width % 2:
        return []
    found = {}
    for node in readers:
        a = node.attrs
        if node.op != "slice" or a.get("dim", 0) % rank != rank - 1 or a.get("step", 1) != 1:
            return []
        found[(a.get("start", 0), min(a.get("end", width), width))] = node
    halves = [found.get((0, width // 2)), found.get((width // 2, width))]
    return halves if None not in halves else []


def fuse_channel_shuffle(graph: ir.Graph) -> bool:
    """A concatenation of two tensors along their last dim, viewed as [..., 2, C], the two dims
    swapped and viewed back as [..., 2C] (ShuffleNet's channel shuffle of groups 2, which to_nhwc
    puts on the last dim), becomes one interleave; when its only readers are the slices [0, C) and
    [C, 2C) of the last dim (ShuffleNet's split after it), the interleave writes those as its two
    chunks. Three copies become one."""
    users = graph.consumers()
    changed = False
    for concat in list(graph.nodes):
        if concat.op != "concat" or len(concat.inputs) != 2 or None in concat.inputs:
            continue
        first, second = concat.inputs
        shape, rank = tuple(first.shape), len(first.shape)
        if (rank == 0 or tuple(second.shape) != shape or not all(type(d) is int for d in shape)
                or first.dtype not in (DTYPE_CODES["float32"], DTYPE_CODES["int32"]) or second.dtype != first.dtype
                or concat.attrs.get("dim", 0) % rank != rank - 1):
            continue
        view = _sole_consumer(users, concat.outputs[0])
        if view is None or view.op != "reshape" or tuple(view.outputs[0].shape) != shape[:-1] + (2, shape[-1]):
            continue
        swap = _sole_consumer(users, view.outputs[0])
        if swap is None or swap.op != "permute" or list(swap.attrs["perm"]) != list(range(rank - 1)) + [rank, rank - 1]:
            continue
        merge = _sole_consumer(users, swap.outputs[0])
        if merge is None or merge.op != "reshape" or tuple(merge.outputs[0].shape) != tuple(concat.outputs[0].shape):
            continue
        halves = _last_dim_halves(users, merge.outputs[0])
        outputs = [half.outputs[0] for half in halves] or merge.outputs
        interleave = ir.Node("interleave", [first, second], outputs, {"chunks": len(outputs)}, concat.source)
        graph.nodes[graph.nodes.index(concat)] = interleave
        for node in [view, swap, merge] + halves:
            graph.nodes.remove(node)
        users = graph.consumers()
        changed = True
    return changed


def batch_norm_affine(bn: ir.Node):
    """(scale, shift), float64 per channel, with batch_norm(x) = x * scale + shift; None when its
    statistics or affine parameters are not constants."""
    _, gamma, beta, mean, var = bn.inputs
    if not (all(t is None or t.is_constant for t in (gamma, beta)) and mean.is_constant and var.is_constant):
        return None
    scale = (gamma.data if gamma is not None else 1.0) / np.sqrt(var.data.astype(np.float64) + bn.attrs["eps"])
    return scale, (beta.data if beta is not None else 0.0) - mean.data * scale


def fold_batch_norm_into_conv(graph: ir.Graph) -> bool:
    """conv2d -> batch_norm (constant statistics) becomes one conv2d with rescaled weights."""
    users = graph.consumers()
    changed = False
    for conv in list(graph.nodes):
        # A conv carrying a residual (fuse_residual_add ran first) outputs conv + residual: BN's
        # scale would have to apply to the residual too.
        if conv.op != "conv2d" or conv.attrs.get("activation", "none") != "none" or len(conv.inputs) > 3:
            continue
        bn = _sole_consumer(users, conv.outputs[0])
        if bn is None or bn.op != "batch_norm" or bn.inputs[0] is not conv.outputs[0]:
            continue
        x, weight, bias = conv.inputs
        affine = batch_norm_affine(bn)
        if affine is None or not weight.is_constant or not (bias is None or bias.is_constant):
            continue
        scale, shift = affine
        w = (weight.data * scale.reshape(-1, 1, 1, 1)).astype(np.float32)
        b = ((bias.data if bias is not None else 0.0) * scale + shift).astype(np.float32)
        conv.inputs = [x, ir.constant(weight.name + ".bn_folded", w), ir.constant(bn.source + ".bias_folded", b)]
        conv.outputs = bn.outputs
        graph.nodes.remove(bn)
        changed = True
    return changed


def fuse_residual_add(graph: ir.Graph) -> bool:
    """conv2d (groups = 1) or linear, with no fused activation, whose only reader adds a tensor of
    its own shape takes that tensor as a fourth input: the runtime accumulates the product onto it
    (in its bytes when it dies there), and an activation after the add can then fuse too. A linear
    over [B, S, K] is captured as view -> addmm -> view: its residual is viewed as [B * S, N]."""
    users = graph.consumers()
    changed = False
    for producer in list(graph.nodes):
        if producer.op not in _FUSABLE_PRODUCERS or producer.attrs.get("activation", "none") != "none":
            continue
        if producer.attrs.get("groups", 1) != 1 or len(producer.inputs) > 3:
            continue
        add = reshape = _sole_consumer(users, producer.outputs[0])
        if producer.op == "linear" and reshape is not None and reshape.op == "reshape":
            add = _sole_consumer(users, reshape.outputs[0])
        else:
            reshape = None
        if add is None or add.op != "add" or len(add.inputs) != 2:
            continue
        out = (reshape or producer).outputs[0]
        residual = add.inputs[1] if add.inputs[0] is out else add.inputs[0]
        if residual is out or residual.shape != out.shape or residual.dtype != out.dtype or add.outputs[0].shape != out.shape:
            continue
        moved = [producer] + ([reshape] if reshape else [])
        if reshape:
            rows = ir.Tensor(residual.name + ".rows", residual.dtype, producer.outputs[0].shape)
            moved.insert(0, ir.Node("reshape", [residual], [rows], {"shape": list(rows.shape)}, producer.source))
            residual = rows
        producer.inputs = list(producer.inputs) + [None] * (3 - len(producer.inputs)) + [residual]
        (reshape or producer).outputs = add.outputs
        # The producer runs where the add did: the residual may be computed after it (ResNet's
        # downsample branch), and everything it reads already exists there.
        for node in (producer, reshape):
            if node is not None:
                graph.nodes.remove(node)
        at = graph.nodes.index(add)
        graph.nodes[at:at + 1] = moved
        users = graph.consumers()
        changed = True
    return changed


def _per_feature_scale(constant: ir.Tensor, shape: tuple):
    """constant's values along the last dim when, broadcast to `shape`, it varies along that dim
    alone (a [C] vector, or [1, 1, 1, C]), else None."""
    if not constant.is_constant or constant.dtype != DTYPE_CODES["float32"] or len(constant.shape) > len(shape):
        return None
    if any(d != 1 for d in constant.shape[:-1]) or not constant.shape or constant.shape[-1] != shape[-1]:
        return None
    return constant.data.reshape(-1)


def fold_linear_scale(graph: ir.Graph) -> bool:
    """A float linear (no activation, no residual) whose output, or a view of it keeping the last
    dim, is read only by a multiplication by a constant per output feature (ConvNeXt's and CaiT's
    layer scale: gamma * block(x)) takes the scale into its weights and bias: one op fewer, and
    the add after it can then fuse as the linear's residual. Runs after to_nhwc, which turns
    ConvNeXt's permute back to NCHW into a view, so the scale meets the linear's output features."""
    users = graph.consumers()
    changed = False
    for linear in list(graph.nodes):
        if (linear.op != "linear" or linear.attrs.get("activation", "none") != "none" or len(linear.inputs) > 3
                or not linear.inputs[1].is_constant or linear.inputs[1].dtype != DTYPE_CODES["float32"]):
            continue
        chain, tensor = [linear], linear.outputs[0]
        while (reader := _sole_consumer(users, tensor)) is not None and reader.op == "reshape" \
                and reader.outputs[0].shape[-1:] == tensor.shape[-1:]:
            chain.append(reader)
            tensor = reader.outputs[0]
        mul = _sole_consumer(users, tensor)
        if (mul is None or mul.op != "mul" or len(mul.inputs) != 2 or mul.outputs[0].shape != tensor.shape
                or mul.outputs[0].nhwc != tensor.nhwc):
            continue
        other = mul.inputs[1] if mul.inputs[0] is tensor else mul.inputs[0]
        scale = None if other is tensor else _per_feature_scale(other, tensor.shape)
        weight, bias = linear.inputs[1], linear.inputs[2] if len(linear.inputs) > 2 else None
        if scale is None or (bias is not None and not bias.is_constant):
            continue
        layout = linear.attrs.get("weight_layout", WEIGHT_LAYOUT_KN)
        if layout == WEIGHT_LAYOUT_KN:
            scaled = weight.data * scale
        else:  # panels [ceil(N / width), K, width]: column j is lane j % width of panel j // width
            count, _, width = weight.shape
            padded = np.zeros(count * width, np.float32)
            padded[:len(scale)] = scale
            scaled = weight.data * padded.reshape(count, 1, width)
        linear.inputs[1] = ir.constant(f"{weight.name}.scaled", scaled.astype(np.float32))
        if bias is not None:
            linear.inputs[2] = ir.constant(f"{bias.name}.scaled", (bias.data * scale).astype(np.float32))
        chain[-1].outputs = mul.outputs
        graph.nodes.remove(mul)
        users = graph.consumers()
        changed = True
    return changed


# Elementwise ops conv2d/linear can apply to their own output: clamps in the GEMM epilogue, the
# functions to each finished output block while it is still in cache (runtime ops/common/fused_activation.h).
_FUSABLE_ACTIVATIONS = frozenset(op for op, spec in UNARY_OPS.items() if spec.fusable)


def fuse_activation(graph: ir.Graph, producers=_ACTIVATION_PRODUCERS) -> bool:
    """conv2d/linear/channel_affine (of `producers`) followed by an activation (its only reader)
    computes it in its epilogue. A reshape in between (linear over [B, S, K] is captured as view -> addmm -> view) is
    kept: an elementwise function commutes with it."""
    users = graph.consumers()
    changed = False
    for producer in list(graph.nodes):
        if producer.op not in producers or producer.attrs.get("activation", "none") != "none":
            continue
        act = reshape = _sole_consumer(users, producer.outputs[0])
        if reshape is not None and reshape.op == "reshape":
            act = _sole_consumer(users, reshape.outputs[0])
        else:
            reshape = None
        if act is None or act.op not in _FUSABLE_ACTIVATIONS:
            continue
        producer.attrs["activation"] = act.op
        if act.op == "clamp":
            producer.attrs["activation_min"] = act.attrs["min"]
            producer.attrs["activation_max"] = act.attrs["max"]
        (reshape or producer).outputs = act.outputs
        graph.nodes.remove(act)
        changed = True
    return changed


def fuse_conv_activation(graph: ir.Graph) -> bool:
    """fuse_activation for convolutions only (the guide's fuse_conv_bn_relu, after the batch norm fold)."""
    return fuse_activation(graph, ("conv2d",))


def fuse_linear_activation(graph: ir.Graph) -> bool:
    """fuse_activation for linear layers only."""
    return fuse_activation(graph, ("linear",))


STREAM_MAX_ROWS = 3  # fewer rows than the GEMM's smallest tile: each row streams the weights
PANEL_LAYOUTS = {GEMM_PANEL_WIDTH: WEIGHT_LAYOUT_PANELS8, STREAM_PANEL_WIDTH: WEIGHT_LAYOUT_PANELS32}


def panels(kn: np.ndarray, width: int = GEMM_PANEL_WIDTH) -> np.ndarray:
    """A [K, N] GEMM B operand in the runtime's panel layout [ceil(N/width), K, width]: `width`
    columns row after row, zero past N."""
    k, n = kn.shape
    count = -(-n // width)
    padded = np.zeros((k, count * width), np.float32)
    padded[:, :n] = kn
    return np.ascontiguousarray(padded.reshape(k, count, width).transpose(1, 0, 2))


def _linear_panel_width(node: ir.Node) -> int:
    """32 for a linear of at most 3 input rows whose N pads to 32 columns at little cost (its rows read
    the four panels of 32 columns as one stream: 1.04-1.13x the bandwidth in Chromium), else 8 (also
    where the row count is dynamic)."""
    if any(is_symbolic(d) for d in node.inputs[0].shape[:-1]):
        return GEMM_PANEL_WIDTH
    rows = int(np.prod(node.inputs[0].shape[:-1]))
    n = node.inputs[1].shape[1]
    extra = -(-n // STREAM_PANEL_WIDTH) * STREAM_PANEL_WIDTH - -(-n // GEMM_PANEL_WIDTH) * GEMM_PANEL_WIDTH
    return STREAM_PANEL_WIDTH if rows <= STREAM_MAX_ROWS and extra * 16 <= n else GEMM_PANEL_WIDTH


def pack_linear_weights(graph: ir.Graph) -> bool:
    """Constant [K, N] linear weights are written in the runtime GEMM's panel layout [ceil(N/8), K, 8]
    (8 columns row after row, zero past N), which it reads in place instead of packing every run;
    those of linears with 1-3 input rows 32 columns wide ("panels32")."""
    packed = {}  # a weight shared by several linears is packed once per width
    changed = False
    for node in graph.nodes:
        if node.op != "linear" or node.attrs.get("weight_layout") != WEIGHT_LAYOUT_KN or not node.inputs[1].is_constant:
            continue
        weight, width = node.inputs[1], _linear_panel_width(node)
        if (weight, width) not in packed:
            packed[weight, width] = ir.constant(f"{weight.name}.{PANEL_LAYOUTS[width]}", panels(weight.data, width))
        node.inputs[1] = packed[weight, width]
        node.attrs["weight_layout"] = PANEL_LAYOUTS[width]
        node.attrs["out_features"] = int(weight.shape[1])
        changed = True
    return changed
