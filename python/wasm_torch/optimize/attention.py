"""fuse_attention: hand-written scaled dot-product attention (as BERT- and GPT-style blocks write
it, and as make_fx captures it) becomes one runtime `attention` op:

    matmul(q, permute(k)) [-> reshape] [-> div|mul by a constant scalar] [-> add bias]
        -> softmax(dim=-1) [-> reshape] -> matmul(., v)

The runtime op tiles over keys with an online softmax, so the [B, H, L, S] scores and the
transposed keys are never written to memory. Reshapes of q, v and the output are views (free).
A constant bias that is a causal mask (GPT-style blocks add a sliced triu(-inf) buffer), on a fused
or a converted attention, becomes the op's causal flag: the runtime then skips the masked keys
instead of adding -inf to them.
"""
from __future__ import annotations

import numpy as np

from .. import ir


class _Graph:
    def __init__(self, graph: ir.Graph):
        self.graph = graph
        self.users = graph.consumers()
        self.producer = {id(t): n for n in graph.nodes for t in n.outputs}

    def sole_user(self, t):
        users = self.users.get(t, [])
        return users[0] if len(users) == 1 else None

    def made_by(self, t, op):
        node = self.producer.get(id(t))
        return node if node is not None and node.op == op else None

    def back_through_reshapes(self, t, chain):
        """Where t comes from through reshapes that are each read only by the next link (collected
        into chain); the caller checks the tensor returned."""
        while self.sole_user(t) is not None and (node := self.made_by(t, "reshape")) is not None:
            chain.append(node)
            t = node.inputs[0]
        return t

    def forward_through_reshapes(self, t, chain):
        while (node := self.sole_user(t)) is not None and node.op == "reshape":
            chain.append(node)
            t = node.outputs[0]
        return t, self.sole_user(t)


def _scalar(t):
    return float(t.data.reshape(-1)[0]) if t is not None and t.is_constant and t.data.size == 1 else None


def _match(g: _Graph, softmax: ir.Node):
    """The attention around `softmax`, or None: (nodes to remove, q, k, v, bias, scale, output)."""
    scores = softmax.outputs[0]
    rank = len(scores.shape)
    if softmax.attrs.get("dim") not in (-1, rank - 1) or rank not in (3, 4):
        return None
    batch, heads = (1, scores.shape[0]) if rank == 3 else scores.shape[:2]
    chain = [softmax]
    x, bias, scale = softmax.inputs[0], None, 1.0
    add = g.made_by(x, "add")
    if add is not None and g.sole_user(x) is softmax:
        scored = [i for i, t in enumerate(add.inputs) if t.shape == scores.shape and g.sole_user(t) is add]
        if scored:
            x, bias = add.inputs[scored[0]], add.inputs[1 - scored[0]]
            chain.append(add)
    for op, invert in (("div", True), ("mul", False)):
        node = g.made_by(x, op)
        if node is not None and g.sole_user(x) is not None and _scalar(node.inputs[1]) not in (None, 0.0):
            factor = _scalar(node.inputs[1])
            scale, x = (1.0 / factor if invert else factor), node.inputs[0]
            chain.append(node)
            break
    x = g.back_through_reshapes(x, chain)
    qk = g.made_by(x, "matmul") if g.sole_user(x) is not None else None
    probs, pv = g.forward_through_reshapes(scores, chain)
    if qk is None or pv is None or pv.op != "matmul" or pv.inputs[0] is not probs:
        return None
    chain += [qk, pv]
    q, k_t, v = qk.inputs[0], qk.inputs[1], pv.inputs[1]
    length, keys = scores.shape[-2:]
    head_dim, value_dim = q.shape[-1], v.shape[-1]
    if int(np.prod(q.shape)) != batch * heads * length * head_dim or int(np.prod(v.shape)) != batch * heads * keys * value_dim:
        return None  # q or v broadcast over batch dims: not one matrix per head
    permute = g.made_by(g.back_through_reshapes(k_t, []), "permute")
    if permute is None or list(permute.attrs["perm"]) != [0, 1, 3, 2] or len(permute.inputs[0].shape) != 4:
        return None
    k = permute.inputs[0]
    if tuple(k.shape) != (batch, heads, keys, head_dim) or not _bias_fits(bias, (batch, heads, length, keys)):
        return None
    return chain, q, k, v, bias, scale, pv.outputs[0]


def _is_causal_mask(bias) -> bool:
    """Whether `bias` is a constant [..., L, S] (leading dims 1) that masks exactly the keys after
    each query: -inf (or float32's lowest, as Hugging Face writes it; both make exact zeros) above
    the diagonal, 0 on and below it."""
    if bias is None or not bias.is_constant or len(bias.shape) < 2 or any(d != 1 for d in bias.shape[:-2]):
        return False
    data = bias.data.reshape(bias.shape[-2:])
    above = np.triu(np.ones(data.shape, dtype=bool), 1)
    masked = np.isneginf(data) | (data == np.finfo(np.float32).min)
    return bool(np.all(masked == above) and np.all(data[~above] == 0))


def _causal_flags(graph: ir.Graph) -> bool:
    """Attention ops converted with a causal mask as their bias (scaled_dot_product_attention's
    attn_mask) take the causal flag instead."""
    changed = False
    for node in graph.nodes:
        if node.op == "attention" and len(node.inputs) == 4 and _is_causal_mask(node.inputs[3]):
            node.inputs = node.inputs[:3]
            node.attrs = {**node.attrs, "causal": 1}
            changed = True
    return changed


def _bias_fits(bias, full):
    if bias is None:
        return True
    shape = (1,) * (4 - len(bias.shape)) + tuple(bias.shape)
    return len(bias.shape) <= 4 and shape[3] == full[3] and all(s in (1, f) for s, f in zip(shape[:3], full[:3]))


def fuse_attention(graph: ir.Graph) -> bool:
    changed = False
    for softmax in [n for n in graph.nodes if n.op == "softmax"]:
        g = _Graph(graph)  # earlier rewrites changed users and producers
        found = _match(g, softmax)
        if found is None:
            continue
        chain, q, k, v, bias, scale, out = found
        batch, heads, keys, head_dim = k.shape
        length, value_dim = q.shape[-2], v.shape[-1]
        name, source, at = out.name, softmax.source, graph.nodes.index(chain[-1])
        new = []

        def view(t, shape, suffix):
            if tuple(t.shape) == tuple(shape):
                return t
            viewed = ir.Tensor(f"{name}.{suffix}", t.dtype, tuple(shape))
            new.append(ir.Node("reshape", [t], [viewed], {"shape": list(shape)}, source))
            return viewed

        inputs = [view(q, (batch, heads, length, head_dim), "q"), k, view(v, (batch, heads, keys, value_dim), "v")]
        attrs = {"layout": "bhld", "scale": scale}
        if _is_causal_mask(bias):
            attrs["causal"] = 1
        elif bias is not None:
            inputs.append(view(bias, (1,) * (4 - len(bias.shape)) + tuple(bias.shape), "bias"))
        shape = (batch, heads, length, value_dim)
        fused = out if tuple(out.shape) == shape else ir.Tensor(f"{name}.attention", out.dtype, shape)
        new.append(ir.Node("attention", inputs, [fused], attrs, source))
        if fused is not out:
            new.append(ir.Node("reshape", [fused], [out], {"shape": list(out.shape)}, source))
        graph.nodes[at:at + 1] = new
        for node in chain[:-1]:
            graph.nodes.remove(node)
        changed = True
    return _causal_flags(graph) or changed
