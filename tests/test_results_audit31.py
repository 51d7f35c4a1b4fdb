"""Results audit, round 31: no figure capped without a word. Each test's docstring says what the old behaviour was.

The estimator's buffer model solves its level chain for at most 2,048 places (the chain costs the square of its
places). A larger buffer that a faster source keeps full was priced as if it held 2,048 pairs: its pairs' wait in
memory, and so their decay before use, came out up to 500x short, and the estimate priced them fresher than they are
used, without a word.
"""

import math

import pytest

from qnsim.estimate import estimator as est


def _exact_wait_s(monkeypatch, tau_s, rate_hz, buffer_pairs):
    """:func:`est._buffer_wait_s` with the chain solved at the buffer's own size (the cap raised past it)."""
    levels = buffer_pairs + 8
    monkeypatch.setattr(est, "_LOG_FACTORIALS_LIST", [math.lgamma(k + 1) for k in range(levels + 2)])
    monkeypatch.setattr(est, "_CHAIN_LEVELS", levels)
    est._buffer_wait_s.cache_clear()
    est._buffer_chain.cache_clear()
    try:
        return est._buffer_wait_s(tau_s, rate_hz, buffer_pairs)
    finally:
        est._buffer_wait_s.cache_clear()
        est._buffer_chain.cache_clear()


def test_a_full_buffer_beyond_the_chain_cap_waits_its_own_size():
    """Old behaviour: a buffer of 10^5 pairs filled at twice the consumers' pace (x = 2 pairs per consumption
    interval of 1 ms) waited 2.05 s, the wait of a 2,048-pair buffer, where its pairs wait out 10^5 intervals
    (100 s); at x = 40.1 the uncapped formula gave 100 s, so the figure jumped 50x between two close paces."""
    tau = 1e-3
    full = 100_000 * tau
    for x in (2.0, 5.0, 39.9, 40.1):
        wait = est._buffer_wait_s(tau, x / tau, 100_000)
        assert full - 2 * tau <= wait <= full, (x, wait)
    assert est._buffer_wait_s(tau, 39.9 / tau, 100_000) == pytest.approx(est._buffer_wait_s(tau, 40.1 / tau, 100_000),
                                                                         rel=1e-6)


@pytest.mark.parametrize("x", [0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 3.0])
def test_a_buffer_beyond_the_chain_cap_waits_as_its_chain_solved_whole(monkeypatch, x):
    """Old behaviour: a 4,096-pair buffer waited as a 2,048-pair one at every pace (1.02 s instead of 2.05 s at
    x = 1, 2.05 s instead of 4.09 s at x = 1.1); now within 0.1% of its chain solved at its own size."""
    tau, buffer = 1e-3, 4096
    capped = est._buffer_wait_s(tau, x / tau, buffer)
    exact = _exact_wait_s(monkeypatch, tau, x / tau, buffer)
    assert capped == pytest.approx(exact, rel=1e-3, abs=1e-9)


def test_a_buffer_within_the_chain_cap_is_priced_as_before():
    """Guard: buffers the chain solves whole are not shifted (2,048 places at x = 2: 2,047.4 intervals)."""
    tau = 1e-3
    assert est._buffer_wait_s(tau, 2.0 / tau, 2048) == pytest.approx(2.047372499512542, rel=1e-12)
    assert est._buffer_wait_s(tau, 0.5 / tau, 100_000) == pytest.approx(est._buffer_wait_s(tau, 0.5 / tau, 2048))
