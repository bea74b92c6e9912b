"""Elementwise binary ops with broadcasting; Python scalars become constant tensors."""
from . import Unsupported, converts


def _binary(op, swap=False):
    def convert(ctx, node):
        if node.kwargs.get("alpha", 1) != 1 or (len(node.args) > 2 and node.args[2] != 1):
            raise Unsupported(f"{op} with alpha != 1")
        a, b = node.args[:2]
        if swap:  # rsub(a, b) = b - a
            a, b = b, a
        dtype = ctx.float_dtype_of(node)
        return ctx.emit(op, [ctx.tensor(a, dtype=dtype), ctx.tensor(b, dtype=dtype)], {}, node)
    convert.__name__ = op
    return convert


def _div(ctx, node):
    if node.kwargs.get("rounding_mode") is not None:
        raise Unsupported(f"div with rounding_mode={node.kwargs['rounding_mode']!r}")
    return _binary("div")(ctx, node)


_TABLE = {
    "add": ["add.Tensor", "add.Scalar"],
    "sub": ["sub.Tensor", "sub.Scalar"],
    "mul": ["mul.Tensor", "mul.Scalar"],
    "maximum": ["maximum.default"],
    "minimum": ["minimum.default"],
}

for _op, _overloads in _TABLE.items():
    converts(*_overloads)(_binary(_op))
converts("rsub.Tensor", "rsub.Scalar")(_binary("sub", swap=True))
converts("div.Tensor", "div.Scalar", "div.Tensor_mode")(_div)

# Runtime ops of two broadcast operands that act on each element alone.
BINARY_OPS = frozenset(_TABLE) | {"div"}
