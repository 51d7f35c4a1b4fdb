"""Arithmetic that stays right at the edges of the double range, shared by the closed forms.

A probability built as ``1 - (1 - p) ...`` keeps nothing of a p below 1e-16 (1 - 1e-17 is 1.0),
so a small error rate or dark-count probability vanished without a word; these forms keep it.
"""

from __future__ import annotations

import math

__all__ = ["any_of"]


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
    return 0.0 - math.expm1(math.fsum(math.log1p(-p) for p in probabilities))  # 0.0 - : never -0.0
