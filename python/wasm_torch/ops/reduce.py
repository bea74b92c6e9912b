"""Reductions over dims with keepdim: sum, mean, amax, amin, var, std."""
from . import Unsupported, converts


def _dims(node, rank):
    dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
    if dims is None:
        return list(range(rank))
    return [int(dims)] if isinstance(dims, int) else [int(d) for d in dims]


def _reduce(op):
    def convert(ctx, node):
        x = ctx.tensor(node.args[0])
        if node.kwargs.get("dtype") is not None:
            raise Unsupported(f"{op} with a dtype argument")
        # var.dim / std.dim: (self, dim, unbiased, keepdim); the others: (self, dim, keepdim).
        keepdim_at = 3 if node.target._overloadname == "dim" and op in ("var", "std") else 2
        keepdim = bool(node.args[keepdim_at] if len(node.args) > keepdim_at else node.kwargs.get("keepdim", False))
        attrs = {"dims": _dims(node, len(x.shape)), "keepdim": int(keepdim)}
        if op in ("var", "std"):
            attrs["correction"] = _correction(node)
        return ctx.emit(op, [x], attrs, node)
    convert.__name__ = op
    return convert


def _correction(node):
    if "correction" in node.kwargs:
        c = node.kwargs["correction"]
        return 1.0 if c is None else float(c)
    unbiased = node.args[2] if len(node.args) > 2 else node.kwargs.get("unbiased", True)
    return 1.0 if unbiased else 0.0


for _op, _overloads in {
    "sum": ["sum.dim_IntList"], "mean": ["mean.dim"], "amax": ["amax.default"], "amin": ["amin.default"],
    "var": ["var.correction", "var.dim"], "std": ["std.correction", "std.dim"],
}.items():
    converts(*_overloads)(_reduce(_op))


@converts("sum.default", "mean.default")
def reduce_all(ctx, node):
    x = ctx.tensor(node.args[0])
    op = "sum" if node.target.overloadpacket.__name__ == "sum" else "mean"
    return ctx.emit(op, [x], {"dims": list(range(len(x.shape))), "keepdim": 0}, node)
