"""Arithmetic that stays right at the edges of the double range, shared by the closed forms.

A probability built as ``1 - (1 - p) ...`` keeps nothing of a p below 1e-16 (1 - 1e-17 is 1.0),
so a small error rate or dark-count probability vanished without a word; these forms keep it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qnsim import _core

__all__ = ["ROUNDING_ULPS", "any_of", "exp", "exp10", "expm1", "in_unit_interval", "log", "log1p", "tidy",
           "exp_array", "expm1_array", "log_array", "log1p_array", "weighted_line", "weighted_sums"]

# The engine's own exp, 10^x, expm1, log and log1p (cpp/core/portable_math.h), for the figures that become its
# parameters (a fiber's transmissivity, a detector's dark-count probability, a link's success probability): the
# same doubles on every CPU and C library. Python's math module calls the platform's libm, whose last bits differ
# between machines (glibc's FMA builds of exp and pow on CPUs that have FMA), and one differing parameter changes
# a whole run.
exp = _core.portable_exp
exp10 = _core.portable_exp10
expm1 = _core.portable_expm1
log = _core.portable_log
log1p = _core.portable_log1p


# The same over arrays. numpy's exp, log, expm1 and log1p run AVX-512 loops (and Intel's SVML) on CPUs that have them,
# whose last bits differ from the baseline loops' (and from other CPUs'): a QEC link's round timing, computed with
# np.exp over a quadrature, moved in its last bits between an AVX-512 machine and the same machine with numpy's
# SIMD turned off (tests/test_determinism_audit8.py). These take any shape and give float arrays of that shape.
def exp_array(x: Any) -> np.ndarray:
    """e^x of each value of ``x`` (a number or an array of any shape): the engine's exp, the same doubles on every
    CPU.

    Example:
        >>> exp_array([0.0, 1.0]).tolist() == [1.0, exp(1.0)]
        True
    """
    return _core.portable_exp_array(np.asarray(x, dtype=float))


def expm1_array(x: Any) -> np.ndarray:
    """e^x - 1 of each value of ``x`` (any shape), the same doubles on every CPU (see :func:`exp_array`)."""
    return _core.portable_expm1_array(np.asarray(x, dtype=float))


def log_array(x: Any) -> np.ndarray:
    """ln x of each value of ``x`` (any shape; -inf at 0, nan below), the same doubles on every CPU (see
    :func:`exp_array`)."""
    return _core.portable_log_array(np.asarray(x, dtype=float))


def log1p_array(x: Any) -> np.ndarray:
    """ln(1 + x) of each value of ``x`` (any shape), the same doubles on every CPU (see :func:`exp_array`)."""
    return _core.portable_log1p_array(np.asarray(x, dtype=float))


#: How far (in ulps of 1, times the count summed) a probability computed from other rounded
#: probabilities may stray outside [0, 1] by rounding alone: a density-matrix pair of
#: F = 1 - 1e-16 had a Bell weight of -2.8e-17.
ROUNDING_ULPS = 64


def any_of(*probabilities: float) -> float:
    """Probability that at least one of independent events happens, 1 - prod(1 - p_i), as
    -expm1(sum log1p(-p_i)): exact to rounding for every p_i in [0, 1], however small.

    Example:
        >>> any_of(1e-17, 1e-17), 1 - (1 - 1e-17) * (1 - 1e-17)
        (2e-17, 0.0)
        >>> any_of(0.5, 1.0), any_of()
        (1.0, 0.0)
    """
    if any(p >= 1.0 for p in probabilities):
        return 1.0  # log1p(-1) is a domain error, not -inf, in Python
    return 0.0 - expm1(math.fsum(log1p(-p) for p in probabilities))  # 0.0 - : never -0.0


def tidy(x: float) -> float:
    """``x`` to 15 significant digits: (1 - 0.97) / 3 reads 0.01, not 0.010000000000000009.

    Relative, not ``round(x, 15)``: fifteen decimal places kept nothing of an error weight below 5e-16 and
    moved one of 1.4e-15 to 1e-15 (a Werner pair of infidelity 1e-15 had the Pauli weights (0, 0, 0)).

    Example:
        >>> tidy((1 - 0.97) / 3), tidy(1e-15 / 3)
        (0.01, 3.33333333333333e-16)
    """
    return float(f"{x:.15g}")


def in_unit_interval(values: Any, count: int = 1) -> tuple[Any, float | None]:
    """``values`` (probabilities, or sums of ``count`` of them) clipped to [0, count] where they
    stray by rounding alone, and the first value that strays by more (NaN and inf included), or
    None. Callers refuse that value in their own words.

    Example:
        >>> in_unit_interval([-1e-17, 0.5, 1.0000000000000002])
        (array([0. , 0.5, 1. ]), None)
        >>> in_unit_interval(1.00002)[1]
        1.00002
    """
    v = np.asarray(values, dtype=float)
    slack = ROUNDING_ULPS * np.finfo(float).eps * max(count, 1)
    bad = ~np.isfinite(v) | (v < -slack) | (v > count + slack)
    clipped = np.clip(v, 0.0, float(count))
    first = float(v[bad].flat[0]) if np.any(bad) else None
    return (float(clipped) if not v.ndim else clipped), first


# Weighted least squares of the QEC fits (a threshold's lines, the remote model's node lines) summed by math.fsum in
# index order: numpy's sum and average reduce with SIMD kernels whose grouping, and so whose last bits, may change with
# the CPU, and np.polyfit / lstsq run on the CPU's BLAS. fsum is correctly rounded, so these are the same doubles on
# every machine (tests/test_determinism_audit10.py).
def weighted_sums(x: Any, y: Any, w: Any) -> tuple[float, float, float, float]:
    """Weighted means and centred sums of points ``(x_i, y_i)`` of weights ``w_i`` (any units; weights >= 0, not all
    0): ``(x_mean, y_mean, S_xy, S_xx)`` with ``x_mean = sum w x / sum w`` and
    ``S_xy = sum w (x - x_mean) (y - y_mean)``, each sum correctly rounded (the same doubles on every CPU).

    Example:
        >>> weighted_sums([0.0, 1.0], [1.0, 3.0], [1.0, 1.0])
        (0.5, 2.0, 1.0, 0.5)
    """
    xs, ys, ws = ([float(v) for v in np.ravel(np.asarray(a, dtype=float))] for a in (x, y, w))
    if not len(xs) == len(ys) == len(ws):
        raise ValueError(f"x, y and w must have the same length, got {len(xs)}, {len(ys)} and {len(ws)}")
    total = math.fsum(ws)
    if not total > 0:
        raise ValueError(f"the weights must sum to more than 0, got {total!r}")
    xm = math.fsum(wi * xi for wi, xi in zip(ws, xs)) / total
    ym = math.fsum(wi * yi for wi, yi in zip(ws, ys)) / total
    s_xy = math.fsum(wi * (xi - xm) * (yi - ym) for wi, xi, yi in zip(ws, xs, ys))
    s_xx = math.fsum(wi * (xi - xm) ** 2 for wi, xi in zip(ws, xs))
    return xm, ym, s_xy, s_xx


def weighted_line(x: Any, y: Any, w: Any) -> tuple[float, float] | None:
    """The weighted least-squares line ``y = a + b x`` through points ``(x_i, y_i)`` of weights ``w_i`` (units of
    y, and of y per unit of x): ``(a, b)``, or None when the x values of positive weight do not differ (no slope to
    read). Summed as :func:`weighted_sums` (the same doubles on every CPU).

    Example:
        >>> weighted_line([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], [1.0, 2.0, 1.0])
        (1.0, 2.0)
    """
    xm, ym, s_xy, s_xx = weighted_sums(x, y, w)
    if s_xx == 0:
        return None
    b = s_xy / s_xx
    return ym - b * xm, b
