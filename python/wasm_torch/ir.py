"""The exporter's graph IR: what capture builds, passes rewrite and the serializer writes."""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

import numpy as np
import torch

from . import contract

# dtype codes by torch dtype, names and numpy dtypes (the schema's enum DType, via the contract).
DTYPE_CODES = {getattr(torch, name): code for name, code in contract.DTYPE_CODES.items()}
DTYPE_NAMES = {code: name for name, code in contract.DTYPE_CODES.items()}
NUMPY_DTYPES = {code: np.dtype(name).type for name, code in contract.DTYPE_CODES.items()}


@dataclasses.dataclass(eq=False)
class Tensor:
    name: str
    dtype: int                      # DTYPE_CODES value
    shape: tuple
    data: Optional[np.ndarray] = None  # set for constants (weights)
    nhwc: bool = False              # a 4-d image stored channels last: shape is [N, H, W, C]

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    def __repr__(self):
        kind = "const " if self.is_constant else ""
        return f"{kind}{self.name}:{DTYPE_NAMES[self.dtype]}{list(self.shape)}"


@dataclasses.dataclass(eq=False)
class Node:
    op: str
    inputs: list                    # Tensor or None (an optional input left out)
    outputs: list
    attrs: dict = dataclasses.field(default_factory=dict)
    source: str = ""


@dataclasses.dataclass
class Graph:
    nodes: list = dataclasses.field(default_factory=list)
    inputs: list = dataclasses.field(default_factory=list)
    outputs: list = dataclasses.field(default_factory=list)
    metadata: dict = dataclasses.field(default_factory=dict)
    trace: Any = None  # capture.Trace when captured from a model (what verification re-runs)
    symbols: list = dataclasses.field(default_factory=list)  # symbolic.Symbol: dynamic shapes' dims

    def consumers(self) -> dict:
        """Map tensor -> list of nodes reading it (graph outputs count as a None consumer)."""
        users: dict[Tensor, list] = {}
        for node in self.nodes:
            for t in node.inputs:
                if t is not None:
                    users.setdefault(t, []).append(node)
        for t in self.outputs:
            users.setdefault(t, []).append(None)
        return users

    def tensors(self) -> list:
        """Every tensor in first-use order: inputs, then node inputs/outputs."""
        seen, order = set(), []
        for t in list(self.inputs) + [x for n in self.nodes for x in n.inputs + n.outputs] + list(self.outputs):
            if t is not None and id(t) not in seen:
                seen.add(id(t))
                order.append(t)
        return order

    def replace_uses(self, old: Tensor, new: Tensor) -> None:
        for node in self.nodes:
            node.inputs = [new if t is old else t for t in node.inputs]
        self.outputs = [new if t is old else t for t in self.outputs]

    def op_counts(self) -> dict:
        counts: dict[str, int] = {}
        for n in self.nodes:
            counts[n.op] = counts.get(n.op, 0) + 1
        return counts


def constant(name: str, value: Any) -> Tensor:
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    torch_dtype = torch.from_numpy(np.ascontiguousarray(array[None] if array.ndim == 0 else array)).dtype
    return Tensor(name, DTYPE_CODES[torch_dtype], tuple(array.shape), np.ascontiguousarray(array))


def numpy_dtype(name: str):
    """numpy dtype of a dtype name as the runtimes report it ("float32", ...)."""
    return NUMPY_DTYPES[{v: k for k, v in DTYPE_NAMES.items()}[name]]
