"""Unary elementwise ops: ATen overloads -> runtime op, with the attributes each takes."""
import math

from . import Unsupported, converts


def _unary(op, attrs=lambda node: {}):
    def convert(ctx, node):
        return ctx.emit(op, [ctx.tensor(node.args[0])], attrs(node), node)
    convert.__name__ = op
    return convert


def _arg(node, index, name, default):
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


def _clamp_attrs(node):
    lo, hi = _arg(node, 1, "min", None), _arg(node, 2, "max", None)
    return {"min": -math.inf if lo is None else float(lo), "max": math.inf if hi is None else float(hi)}


def _hardtanh_attrs(node):
    return {"min": float(_arg(node, 1, "min_val", -1.0)), "max": float(_arg(node, 2, "max_val", 1.0))}


def _elu_attrs(node):
    if _arg(node, 2, "scale", 1) != 1 or _arg(node, 3, "input_scale", 1) != 1:
        raise Unsupported("elu with scale != 1 (selu/celu)")
    return {"alpha": float(_arg(node, 1, "alpha", 1.0))}


def _gelu(ctx, node):
    approximate = _arg(node, 1, "approximate", "none")
    return ctx.emit("gelu_tanh" if approximate == "tanh" else "gelu", [ctx.tensor(node.args[0])], {}, node)


# runtime op: (ATen overloads, attributes)
_TABLE = {
    "relu": (["relu.default"], None),
    "clamp": (["clamp.default"], _clamp_attrs),
    "sigmoid": (["sigmoid.default"], None),
    "tanh": (["tanh.default"], None),
    "silu": (["silu.default"], None),
    "hardswish": (["hardswish.default"], None),
    "hardsigmoid": (["hardsigmoid.default"], None),
    "elu": (["elu.default"], _elu_attrs),
    "leaky_relu": (["leaky_relu.default"], lambda n: {"negative_slope": float(_arg(n, 1, "negative_slope", 0.01))}),
    "softplus": (["softplus.default"], lambda n: {"beta": float(_arg(n, 1, "beta", 1.0)),
                                                   "threshold": float(_arg(n, 2, "threshold", 20.0))}),
    "mish": (["mish.default"], None),
    "exp": (["exp.default"], None),
    "log": (["log.default"], None),
    "sqrt": (["sqrt.default"], None),
    "rsqrt": (["rsqrt.default"], None),
    "neg": (["neg.default"], None),
    "abs": (["abs.default"], None),
    "erf": (["erf.default"], None),
}

for _op, (_overloads, _attrs) in _TABLE.items():
    converts(*_overloads)(_unary(_op, _attrs or (lambda node: {})))
converts("hardtanh.default")(_unary("clamp", _hardtanh_attrs))
converts("gelu.default")(_gelu)

# Runtime ops with one input that act on each element alone (layout-independent).
UNARY_OPS = frozenset(_TABLE) | {"gelu", "gelu_tanh"}
