"""Round thirty-one of the distributed-workload estimator: one headline "need" per link (which of the three
channel counts a report gives must be provisioned, and why), and the cost of an estimate cut without changing a
bit of its report (the repairman law's recursion run natively). Each test states the old behaviour it guards."""

import random

import pytest

from qnsim import _core
from qnsim.estimate import links as estimate_links


def _python_repairman_rate(rate_hz: float, shares: int, delay_s: float) -> float:
    """The estimator's repairman recursion as Python ran it before round 31, operation by operation."""
    a = rate_hz * delay_s
    inverse = 1.0
    excess = 0.0
    for n in range(1, shares + 1):
        excess = inverse * n / a
        inverse = 1.0 + excess
        if inverse > 1e300:
            return rate_hz
    if excess < 1e-8:
        return rate_hz * excess / inverse
    return rate_hz * (1.0 - 1.0 / inverse)


def test_native_repairman_law_is_the_python_recursion_bit_for_bit():
    """The flow-controlled rate's exact law (up to 2^16 steps per call, ~1 s of an estimate at 10^5 channels) now
    runs natively. A report must not change by one bit: any reordered or fused operation (an FMA, 1 / a hoisted
    out of the loop) would move the last bits of rates, waits and fidelities. Compared as doubles' bits on random
    rates, delays and share counts across the regimes (delay-bound, server-bound, early exit past 1e300), and the
    edge of 0 shares; a zero delay (Python raised ZeroDivisionError) is the server's rate."""
    rng = random.Random(31)
    cases = [(1e3, 0, 1e-3), (1e6, 1, 1e-3), (6.6e24, 4096, 1e-3), (1.0, 3000, 1e-9)]
    for _ in range(150):
        cases.append(
            (10 ** rng.uniform(-2, 12), rng.choice([1, 2, 7, 64, rng.randrange(1, 5000)]), 10 ** rng.uniform(-9, 2))
        )
    for rate, shares, delay in cases:
        want = _python_repairman_rate(rate, shares, delay)
        got = _core.repairman_rate_hz(rate, shares, delay)
        assert got.hex() == want.hex(), (rate, shares, delay, got, want)
    # The estimator's entry point, past its exact range (the bound) and within it.
    estimate_links._repairman_rate.cache_clear()
    assert estimate_links._repairman_rate(4e3, 1 << 16, 2e-3).hex() == _python_repairman_rate(4e3, 1 << 16, 2e-3).hex()
    with pytest.raises(ValueError, match=r"shares must be in \[0, 2\*\*53\], got -1"):
        _core.repairman_rate_hz(1e3, -1, 1e-3)
    assert _core.repairman_rate_hz(1e3, 5, 0.0) == 1e3
