"""Estimator audit 56: the latest first pair of several links.

1. Audit 55's first finding: a job that uses several links at once cannot start before the latest of their first
   pairs, and each link's first pair comes at random, so the latest comes later than the latest of their means.
   Three 3 kHz links each used once were priced 0.33 ms (one link's mean) where the simulation takes 0.65 ms. The
   latest first pair is now priced as the expected maximum of independent exponential times
   (``estimator._expected_max_s``).

2. Not fixed (no time): audit 55's two pinned tight flow-controlled links, left pinned in audit 55's test.

3. The stalls' sum beyond a ring: a chain of QPUs with unequal gates is priced within noise, a star is priced 10%
   short (a strict xfail here until audit 57 fixed it; its test is now in test_estimate_audit57.py).

Each comparison with ``simulate_execution`` is cautious-or-within-noise (never below the simulated mean by more than
3 standard errors), and the figures say how far above.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

import qnsim.estimate.estimator as est
from qnsim.estimate import QPU, Link, estimate, operated_links, simulate_execution

_FAST = QPU(num_qubits=2, t_1q_s=1e-7, t_2q_s=1e-7, t_meas_s=1e-7)


def _star(used: int, rate_hz: float = 3e3):
    """QPU 0 linked to QPUs 1-3 alike; the job is one CX from qubit 0 to each of the first ``used`` others."""
    links = [Link((0, k), rate_hz=rate_hz, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05) for k in range(1, 4)]
    return "\n".join(f"CX 0 {k}" for k in range(1, used + 1)), links


def _priced_and_simulated(used: int, seeds: int):
    """(the estimate's wall clock in s, the simulated mean over ``seeds`` seeds, its standard error)."""
    text, links = _star(used)
    report = estimate(text, [_FAST] * 4, links, placement=[0, 1, 2, 3])
    runs = [simulate_execution(text, [_FAST] * 4, operated_links(report, links), placement=[0, 1, 2, 3],
                               seed=s).wall_clock_s for s in range(seeds)]
    return report.wall_clock_s, statistics.fmean(runs), statistics.stdev(runs) / math.sqrt(seeds)


@pytest.mark.parametrize("used, above", [(1, 0.15), (3, 0.15)])
def test_the_latest_first_pair_of_several_links(used, above):
    """Old behaviour: three 3 kHz links each used once priced 0.334 ms (the latest of the first pairs' means) where
    the simulation takes 0.646 +- 0.030 ms (200 seeds; 10 standard errors short). Now 0.612 ms, the expected latest
    of three exponentials (1 + 1/2 + 1/3) / 3 kHz; a single link keeps its mean (0.334 ms, 0.353 +- 0.025)."""
    priced, mean, err = _priced_and_simulated(used, 200)
    assert priced >= mean - 3 * err, (priced, mean, err)
    assert priced <= mean * (1 + above), (priced, mean, err)


def test_the_old_price_of_three_first_pairs_was_short_beyond_noise(monkeypatch):
    """The three-link case with the latest first pair priced at its mean (the old behaviour, patched back): more
    than 3 standard errors below the simulation, so the test above can fail."""
    monkeypatch.setattr(est._Context, "_first_pair_s",
                        lambda self, lrs: max(self._first_pairs(lrs), key=lambda x: x[0], default=None))
    priced, mean, err = _priced_and_simulated(3, 200)
    assert priced < mean - 3 * err, (priced, mean, err)


def test_the_expected_maximum_against_numpy():
    """``_expected_max_s`` against draws (200,000 each): equal and unequal means, and 14 means, past the exact
    sum's 12, whose harmonic bound lies above the draws."""
    rng = np.random.default_rng(56)
    for means in ([1 / 3e3] * 3, [1e-3, 2e-4, 5e-5], [1e-3] * 12):
        draws = rng.exponential(means, size=(200_000, len(means))).max(axis=1)
        err = draws.std() / math.sqrt(len(draws))
        assert est._expected_max_s(means) == pytest.approx(draws.mean(), abs=4 * err), means
    means = list(np.linspace(1e-4, 1e-3, 14))
    draws = rng.exponential(means, size=(200_000, 14)).max(axis=1)
    assert est._expected_max_s(means) >= draws.mean()
    assert est._expected_max_s([2e-4]) == 2e-4


# Audit 56's strict xfail (a star of 3 kHz links over unequal QPUs priced 10% short) is fixed in audit 57 and tested
# there as a passing comparison: tests/test_estimate_audit57.py.
