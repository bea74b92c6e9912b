"""Fits the odd rationals of runtime/kernels/simd128_math.h: f(x) ~ x P(x^2) / Q(x^2) on [0, c],
Q(0) = 1, P and Q of the given degrees in x^2, near minimax. It prints the coefficients as float
literals and the worst absolute error over [-c - 2, c + 2] with x clamped to [-c, c], evaluated in
double and in float (Horner, a multiply and an add per step, as the SIMD128 build without relaxed
SIMD does).

    python scripts/fit_odd_rational.py tanh 4 4 8.3
    python scripts/fit_odd_rational.py erf 5 5 3.92

How: linearized least squares, f Q - x P = 0 at 4,000 Chebyshev-spaced points, weighted by the
last iteration's 1 / Q (so the residual approximates f - x P / Q) and by Lawson's multiplicative
update of the errors (which drives the weighted L2 fit toward the minimax one); the iteration with
the smallest worst error is kept.
"""
import math
import sys

import numpy as np

FUNCTIONS = {"tanh": np.tanh, "erf": np.vectorize(math.erf)}


def fit(f, c: float, p_degree: int, q_degree: int, points: int = 4000, iterations: int = 60):
    x = c * (1 - np.cos(np.linspace(0, np.pi, points))) / 2
    x = x[1:]  # x = 0 says nothing about P / Q
    t, y = x * x, f(x)
    weight, q_last = np.ones_like(x), np.ones_like(x)
    best = None
    for _ in range(iterations):
        columns = [x * t ** k for k in range(p_degree + 1)] + [-y * t ** k for k in range(1, q_degree + 1)]
        a = np.stack(columns, axis=1)
        scale = np.sqrt(weight) / q_last
        coef, *_ = np.linalg.lstsq(a * scale[:, None], y * scale, rcond=None)
        p, q = coef[:p_degree + 1], np.concatenate([[1.0], coef[p_degree + 1:]])
        q_last = np.polyval(q[::-1], t)
        error = x * np.polyval(p[::-1], t) / q_last - y
        worst = np.max(np.abs(error))
        if best is None or worst < best[0]:
            best = (worst, p.copy(), q.copy())
        weight = np.maximum(weight * np.abs(error) / np.sum(weight * np.abs(error)), 1e-12)
    return best


def evaluate_f32(p, q, x, c: float):
    f32 = np.float32
    x = np.clip(x.astype(f32), f32(-c), f32(c))
    t = x * x
    num, den = f32(p[-1]), f32(q[-1])
    for pk, qk in zip(p[-2::-1], q[-2::-1]):
        num = (num * t).astype(f32) + f32(pk)
        den = (den * t).astype(f32) + f32(qk)
    return (x * num).astype(f32) / den


def main():
    name, p_degree, q_degree, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    f = FUNCTIONS[name]
    fitted, p, q = fit(f, c, p_degree, q_degree)
    p, q = p.astype(np.float32), q.astype(np.float32)
    x = np.linspace(-c - 2, c + 2, 400001)
    in_float = np.max(np.abs(evaluate_f32(p, q, x, c).astype(np.float64) - f(x)))
    print(f"{name} ({p_degree}, {q_degree}) on |x| <= {c}: fitted {fitted:.2g}, evaluated in float {in_float:.2g}")
    print("p[] = {" + ", ".join(f"{v:.8e}f" for v in p) + "};")
    print("q[] = {" + ", ".join(f"{v:.8e}f" for v in q) + "};")


if __name__ == "__main__":
    main()
