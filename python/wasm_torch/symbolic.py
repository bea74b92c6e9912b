"""Dynamic shapes in the exporter: dimensions that depend on torch.export's symbols.

A `SymDim` is an int (its value at the example input, which every converter and pass computes
with as before) that also carries the sympy expression torch.export gave it ("2*s80"). Arithmetic
on SymDims keeps the expression, so a reshape to `[b * 2, n, 4]` built from input dims writes
`2*batch` into the file, not the example's 4. A dimension that loses its expression (a converter
or pass that computes with plain ints) is caught by verification at other shapes (verify.py),
never silently shipped.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

import sympy
import torch
from torch.utils._sympy.functions import CeilDiv, CleanDiv, FloorDiv, Max, Min, Mod, PythonMod

# Values match `enum DimOp` in schema/wasm_torch.fbs.
CONSTANT, SYMBOL, ADD, MUL, FLOORDIV, MOD, MAX, MIN = range(8)


class SymDim(int):
    """A dimension depending on the model's symbols: int(self) is its value at the example."""

    def __new__(cls, value: int, expr):
        obj = super().__new__(cls, int(value))
        obj.expr = sympy.sympify(expr)
        return obj

    def __repr__(self):
        return f"{int(self)}<{self.expr}>"

    def _combine(self, other, op, expr_op, reverse=False):
        if not isinstance(other, int) or isinstance(other, bool):
            return op(int(self), other) if not reverse else op(other, int(self))
        a, b = (other, self) if reverse else (self, other)
        return sym(op(int(a), int(b)), expr_op(expr_of(a), expr_of(b)))

    def __add__(self, o):
        return self._combine(o, int.__add__, lambda a, b: a + b)

    def __radd__(self, o):
        return self._combine(o, int.__add__, lambda a, b: a + b, True)

    def __sub__(self, o):
        return self._combine(o, int.__sub__, lambda a, b: a - b)

    def __rsub__(self, o):
        return self._combine(o, int.__sub__, lambda a, b: a - b, True)

    def __mul__(self, o):
        return self._combine(o, int.__mul__, lambda a, b: a * b)

    def __rmul__(self, o):
        return self._combine(o, int.__mul__, lambda a, b: a * b, True)

    def __floordiv__(self, o):
        return self._combine(o, int.__floordiv__, FloorDiv)

    def __rfloordiv__(self, o):
        return self._combine(o, int.__floordiv__, FloorDiv, True)

    def __mod__(self, o):
        return self._combine(o, int.__mod__, PythonMod)

    def __rmod__(self, o):
        return self._combine(o, int.__mod__, PythonMod, True)

    def __neg__(self):
        return sym(-int(self), -self.expr)

    def __eq__(self, other):
        if isinstance(other, SymDim):
            return int(self) == int(other) and (self.expr == other.expr or sympy.expand(self.expr - other.expr) == 0)
        return False if isinstance(other, int) else NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = int.__hash__


def expr_of(d):
    return d.expr if isinstance(d, SymDim) else sympy.Integer(int(d))


def sym(value: int, expr):
    """A SymDim, or a plain int where the expression is a number."""
    expr = sympy.sympify(expr)
    return int(value) if expr.is_number else SymDim(value, expr)


def is_symbolic(d) -> bool:
    return isinstance(d, SymDim)


def from_torch(d):
    """A torch.SymInt (from a FakeTensor's shape or a sym node's value) as a SymDim; ints as they are."""
    if isinstance(d, torch.SymInt):
        node = d.node
        if not node.has_hint():
            from .ops import Unsupported
            raise Unsupported("computes a size from tensor values (data-dependent), which one exported graph "
                              "cannot hold")
        hint = node.hint if node.hint is not None else node.shape_env.size_hint(node.expr)
        return sym(int(hint), node.expr)
    return int(d)


def shape_of(shape) -> tuple:
    return tuple(from_torch(d) for d in shape)


def broadcast_shapes(*shapes) -> tuple:
    """torch.broadcast_shapes over shapes that may hold SymDims (a dim of 1 stretches to the other)."""
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(rank):
        dims = [s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0]
        stretched = [d for d in dims if is_symbolic(d) or d != 1]
        out.append(stretched[0] if stretched else 1)
    return tuple(out)


@dataclasses.dataclass
class Symbol:
    name: str
    min: int
    max: int          # -1: unbounded
    sympy_symbol: object
    aliases: list = dataclasses.field(default_factory=list)  # symbols the user named alike: the same dim

    def index_of(self) -> dict:
        return {sym: self for sym in [self.sympy_symbol, *self.aliases]}


def program(expr, symbol_index: dict) -> tuple:
    """The expression in the file's postfix form: (ops, values). Raises ValueError for forms the
    runtime cannot evaluate."""
    ops, values = [], []

    def emit(op, value=0):
        ops.append(op)
        values.append(int(value))

    def fold(args, op):
        walk(args[0])
        for a in args[1:]:
            walk(a)
            emit(op)

    def walk(e):
        if e.is_Integer:
            emit(CONSTANT, int(e))
        elif e.is_Symbol:
            if e not in symbol_index:
                raise ValueError(f"symbol {e} is not a dimension of any input")
            emit(SYMBOL, symbol_index[e])
        elif isinstance(e, sympy.Add):
            fold(sorted(e.args, key=lambda a: a.is_number), ADD)  # "seq - 1", not "-1 + seq"
        elif isinstance(e, sympy.Mul):
            numerators = [a for a in e.args if not (a.is_Rational and not a.is_Integer)]
            fractions = [a for a in e.args if a.is_Rational and not a.is_Integer]
            fold(numerators if numerators else [sympy.Integer(1)], MUL)
            for f in fractions:  # exact division (torch.export proved it): p/q as * p // q
                if f.p != 1:
                    emit(CONSTANT, f.p)
                    emit(MUL)
                emit(CONSTANT, f.q)
                emit(FLOORDIV)
        elif isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp > 0:
            fold([e.base] * int(e.exp), MUL)
        elif isinstance(e, (FloorDiv, CleanDiv)):
            fold(e.args, FLOORDIV)
        elif isinstance(e, CeilDiv):  # ceil(a / b) = -((-a) // b)
            walk(-e.args[0])
            walk(e.args[1])
            emit(FLOORDIV)
            emit(CONSTANT, -1)
            emit(MUL)
        elif isinstance(e, (Mod, PythonMod, sympy.Mod)):
            fold(e.args, MOD)
        elif isinstance(e, (Max, sympy.Max)):
            fold(e.args, MAX)
        elif isinstance(e, (Min, sympy.Min)):
            fold(e.args, MIN)
        else:
            raise ValueError(f"the shape expression {e} ({type(e).__name__}) has no runtime form")

    walk(sympy.sympify(expr))
    return ops, values


class DimRequest(NamedTuple):
    """What the user asked of one input axis: its name, and its lower bound if they gave one."""
    name: str | None
    min: int | None = None


def collect_symbols(range_constraints: dict, input_shapes: list, requests: dict) -> list:
    """The program's symbols in the order inputs first show them, each an input axis on its own
    (where the runtime reads its value), named as the user asked (requests: {(input index, axis):
    DimRequest}), with the bounds torch.export proved, except that a lower bound of 2 on an axis
    asked to start lower becomes 1: torch.export traces sizes 0 and 1 as constants and so never
    proves them, while users run batch 1 (verification runs the lower bound to check it). Axes the
    user named alike are one symbol (the runtime then requires them equal), with both's bounds."""
    symbols, by_name, seen = [], {}, set()
    for i, shape in enumerate(input_shapes):
        for axis, d in enumerate(shape):
            if not (is_symbolic(d) and d.expr.is_Symbol) or d.expr in seen:
                continue
            seen.add(d.expr)
            bounds = range_constraints.get(d.expr)
            lower = int(bounds.lower) if bounds is not None and bounds.lower.is_Integer else 0
            upper = int(bounds.upper) if bounds is not None and bounds.upper.is_Integer else -1
            name, asked_min = requests.get((i, axis), DimRequest(None))
            if lower == 2 and asked_min is not None and asked_min < 2:
                lower = 1
            same = by_name.get(name) if name else None
            if same is not None:
                same.aliases.append(d.expr)
                same.min = max(same.min, lower)
                same.max = upper if same.max == -1 else (same.max if upper == -1 else min(same.max, upper))
                continue
            symbol = Symbol(name or str(d.expr), lower, upper, d.expr)
            by_name[symbol.name] = symbol
            symbols.append(symbol)
    for i, shape in enumerate(input_shapes):
        for axis, d in enumerate(shape):
            missing = d.expr.free_symbols - seen if is_symbolic(d) else set()
            if missing:
                raise ValueError(f"input {i} dimension {axis} is {d.expr}: each dynamic dimension must also be "
                                 "some input's dimension on its own (a Dim, not only a derived 2*Dim)")
    return symbols
