"""Weight quantization: float weights to what the runtime's quantized kernels read."""
from __future__ import annotations

import math

import numpy as np

from ..contract import GEMM_PANEL_WIDTH, QD8_K_BLOCK, QD8_PANEL_K_PAIR


def to_normal_halves(data: np.ndarray) -> np.ndarray:
    """float16, values below the least normal half (6.1e-5) rounded to it or to zero, whichever is
    nearer: the runtime streams batch-1 linears' halves only without subnormals (as float subnormals,
    x86 multiplies them through a microcode assist, 15x slower), and expands the rest."""
    halves = data.astype(np.float16)
    tiny = np.finfo(np.float16).tiny
    subnormal = np.abs(halves) < tiny
    halves[subnormal] = np.where(np.abs(data[subnormal]) >= tiny / 2, np.copysign(tiny, data[subnormal]), 0)
    return halves


def quantize_per_channel(weight_kn: np.ndarray, pad_to: int = QD8_K_BLOCK) -> tuple:
    """A linear's [K, N] float weight as (int8 [N, Kp], scales float32 [N]): symmetric per output
    channel (scale = max |column| / 127), K zero-padded to a multiple of pad_to (the runtime's
    GEMM block; 1 for an embedding table, passed transposed: its rows are the channels)."""
    k, n = weight_kn.shape
    w = weight_kn.astype(np.float32).T  # [N, K]
    amax = np.abs(w).max(axis=1)
    scale = (amax / 127).astype(np.float32)
    safe = np.where(scale > 0, scale, 1).astype(np.float32)
    q = np.zeros((n, -(-k // pad_to) * pad_to), np.int8)
    q[:, :k] = np.clip(np.rint(w / safe[:, None]), -127, 127).astype(np.int8)
    return q, scale


def to_k_pair_panels(q: np.ndarray) -> np.ndarray:
    """int8 rows [N, Kp] (Kp a multiple of QD8_PANEL_K_PAIR) as the panel tile reads them:
    [ceil(N / 8), Kp / 2, 8, 2], channels past N zero."""
    n, kp = q.shape
    panels = -(-n // GEMM_PANEL_WIDTH)
    padded = np.zeros((panels * GEMM_PANEL_WIDTH, kp), np.int8)
    padded[:n] = q
    return np.ascontiguousarray(padded.reshape(panels, GEMM_PANEL_WIDTH, kp // QD8_PANEL_K_PAIR, QD8_PANEL_K_PAIR)
                                .transpose(0, 2, 1, 3))


def dequantize_per_channel(q: np.ndarray, scale: np.ndarray, k: int) -> np.ndarray:
    """The [K, N] float weight quantize_per_channel's (q, scale) stand for."""
    return (q[:, :k].astype(np.float64) * scale[:, None].astype(np.float64)).T


def sqnr_db(original: np.ndarray, restored: np.ndarray) -> float:
    """Signal-to-quantization-noise ratio of a weight as stored, in dB (inf when exact)."""
    original = original.astype(np.float64)
    noise = float(((original - restored.astype(np.float64)) ** 2).sum())
    signal = float((original ** 2).sum())
    if noise == 0:
        return math.inf
    return 10 * math.log10(signal / noise) if signal > 0 else -math.inf
