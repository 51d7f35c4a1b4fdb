"""Statistical assertions shared by the tests: one place for "within k standard deviations".

Every statistical test runs with a fixed seed, so a pass or failure is reproducible; the
tolerance (5 sigma by default, a false alarm about once in 1.7 million) only decides how far a
correct simulator may wander from the closed form before the test calls it wrong.
"""

from __future__ import annotations

import math

__all__ = ["assert_binomial", "assert_normal"]


def assert_binomial(successes: float, trials: int, p: float, sigmas: float = 5.0, what: str = "rate") -> None:
    """Asserts successes / trials is within `sigmas` binomial standard deviations of p.

    Also a (conservative) check of the mean of `trials` samples in [0, 1] with expected mean p,
    such as fidelities averaged over stabilizer trajectories: their variance is at most p(1-p).
    With p equal to 0 or 1 the rate must be exact.

    Example:
        >>> assert_binomial(498, 1000, 0.5)
        >>> assert_binomial(600, 1000, 0.5, what="heads")
        Traceback (most recent call last):
        ...
        AssertionError: heads: 600/1000 = 0.6, expected 0.5 within 5 sigma (sigma = 0.0158); off by 6.3 sigma
    """
    if trials <= 0:
        raise AssertionError(f"{what}: no trials (trials = {trials}); the test ran nothing")
    if not 0 <= p <= 1:
        raise ValueError(f"expected probability p={p} is outside [0, 1]")
    rate = successes / trials
    sigma = math.sqrt(p * (1 - p) / trials)
    _check(what, f"{successes:g}/{trials} = {rate:.6g}", rate, p, sigma, sigmas)


def assert_normal(value: float, expected: float, sigma: float, sigmas: float = 5.0, what: str = "value") -> None:
    """Asserts value is within `sigmas` standard deviations `sigma` of expected (e.g. a sample mean
    whose standard error is known: sigma = std / sqrt(n)).

    Example:
        >>> assert_normal(10.2, 10.0, sigma=0.1, what="mean wait")
        >>> assert_normal(11.0, 10.0, sigma=0.1, what="mean wait")
        Traceback (most recent call last):
        ...
        AssertionError: mean wait: 11, expected 10 within 5 sigma (sigma = 0.1); off by 10.0 sigma
    """
    if not sigma >= 0:
        raise ValueError(f"sigma={sigma} must be >= 0")
    _check(what, f"{value:.6g}", value, expected, sigma, sigmas)


def _check(what: str, shown: str, value: float, expected: float, sigma: float, sigmas: float) -> None:
    off = abs(value - expected)
    # A tiny absolute slack keeps exact cases (sigma = 0) from failing on rounding alone.
    if off <= sigmas * sigma + 1e-12:
        return
    distance = f"off by {off / sigma:.1f} sigma" if sigma > 0 else "expected exactly"
    band = f"within {sigmas:g} sigma (sigma = {sigma:.3g})"
    raise AssertionError(f"{what}: {shown}, expected {expected:.6g} {band}; {distance}")
