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
           "exp_array", "expm1_array", "log_array", "log1p_array"]

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
