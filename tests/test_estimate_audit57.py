"""Estimator audit 57: the latest of several links' delays.

1. Audit 56's strict xfail: a hub QPU linked at 3 kHz (8-pair buffers) to three QPUs of 100, 10 and 1 us gates,
   each link slower than its consumers, so each link's last pair sets its consumers' end, and that comes at random
   (50 pairs spread it by 2.4 ms). The run ends with the latest of the three, later than the latest of their means,
   which the filling's floor priced (0.01713 s against 0.01918 +- 0.00012 s simulated over 200 seeds). A group of
   several links that stall or bind is now priced no sooner than a bound on the expected latest of their delays
   (``estimator._expected_latest_bound_s``, whatever their dependence): 0.01939 s.

2. Not fixed: audit 55's two pinned tight links (see the report of audit 57: the rounds' upper levels wait longer
   for their partners than the flow-controlled gap prices, but by an amount that depends on how the buffer's places
   split between stored pairs and pairs under way; pricing every level at the consumers' pace fixed these two and
   was too cautious for links far faster than their consumers).

3. A purified link's deliveries are less bunched than Poisson: each pair's gap sums its raw pairs' gaps through the
   rounds, Gamma-like of shape ``estimator._gap_shape`` (3 for two rounds at p ~ 0.93). The filling's stall takes
   that shape: audit 15's link at its need is priced 2.156 ms (was 2.208 ms) against 2.079 +- 0.009 ms simulated.

Each comparison with ``simulate_execution`` is cautious-or-within-noise (never below the simulated mean by more than
3 standard errors), and the figures say how far above.
"""

from __future__ import annotations

import functools
import math
import statistics

import numpy as np
import pytest

import qnsim.estimate.estimator as est
from qnsim.estimate import QPU, Link, estimate, operated_links, simulate_execution

_HUB_GATES = (1e-6, 1e-4, 1e-5, 1e-6)


def _hub(keys):
    """QPUs of 1 (the hub), 100, 10 and 1 us gates, 3 kHz links of 8 pairs over ``keys``, and 50 x (CX a b; H b) over
    each link's QPUs in turn."""
    qpus = [QPU(num_qubits=4, t_1q_s=t, t_2q_s=t, t_meas_s=t) for t in _HUB_GATES]
    links = [Link(k, rate_hz=3e3, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05, buffer_pairs=8) for k in keys]
    text = "REPEAT 50 {\n" + "\n".join(f" CX {a} {b}\n H {b}" for a, b in keys) + "\n}"
    return text, qpus, links


_STAR = ((0, 1), (0, 2), (0, 3))
_CHAIN = ((0, 1), (1, 2), (2, 3))


@functools.lru_cache(maxsize=None)
def _priced_and_simulated(keys, seeds: int) -> tuple[float, float, float]:
    """(the estimate's wall clock in s, the simulated mean over ``seeds`` seeds at its operating point, its standard
    error); one estimate each (its re-estimates cost more than the simulations)."""
    text, qpus, links = _hub(keys)
    report = estimate(text, qpus, links, placement=[0, 1, 2, 3])
    runs = [simulate_execution(text, qpus, operated_links(report, links), placement=[0, 1, 2, 3],
                               seed=s).wall_clock_s for s in range(seeds)]
    return report.wall_clock_s, statistics.fmean(runs), statistics.stdev(runs) / math.sqrt(seeds)


@pytest.mark.parametrize("keys, above", [(_STAR, 0.04), (_CHAIN, 0.08)])
def test_the_latest_of_several_slow_links_is_not_priced_short(keys, above):
    """Old behaviour (audit 56's strict xfail, the star): priced 0.01713 s, the latest link's mean delay and each
    link's stall beyond it, where the simulation takes 0.01918 +- 0.00012 s (200 seeds; 0.01904 +- 0.00035 over
    seeds 12-39). Now 0.01939 s (1.1% above the 200 seeds). The chain of the same QPUs, within noise before
    (0.01960 s against 0.01903 +- 0.00019 over 100 seeds), is now 0.02021 s, 6% above: the bound holds for links
    whose delays rise and fall together, and errs late for these."""
    priced, mean, err = _priced_and_simulated(keys, 24)
    assert priced >= mean - 3 * err, (priced, mean, err)
    assert priced <= mean * (1 + above), (priced, mean, err)


def test_the_old_price_of_the_star_was_short_beyond_noise(monkeypatch):
    """The star without the bound on the latest delay (the old behaviour, patched back): more than 3 standard
    errors below the same simulations, so the test above can fail."""
    monkeypatch.setattr(est, "_expected_latest_bound_s", lambda delays: 0.0)
    _priced, mean, err = _priced_and_simulated(_STAR, 24)
    text, qpus, links = _hub(_STAR)
    priced = estimate(text, qpus, links, placement=[0, 1, 2, 3]).wall_clock_s
    assert priced < mean - 3 * err, (priced, mean, err)


def test_the_latest_bound_in_closed_form_and_against_numpy():
    """``_expected_latest_bound_s`` for K delays alike of mean m and spread s is m + s K phi(z), 1 - Phi(z) = 1 / K
    (the c that minimises c + K E[(D - c)+]); it lies above the expected latest of independent normals drawn with
    numpy (a bound whatever their dependence) and below the distribution-free m + s sqrt(K - 1). Unequal delays: no
    sooner than the latest mean, and a delay far behind the others adds nothing."""
    unit = statistics.NormalDist()
    rng = np.random.default_rng(57)
    for k in (2, 3, 5):
        z = unit.inv_cdf(1 - 1 / k)
        bound = est._expected_latest_bound_s([(2e-3, 5e-4)] * k)
        assert bound == pytest.approx(2e-3 + 5e-4 * k * unit.pdf(z), rel=1e-9), k
        drawn = rng.normal(2e-3, 5e-4, size=(100_000, k)).max(axis=1).mean()
        assert drawn < bound < 2e-3 + 5e-4 * math.sqrt(k - 1), k
    assert est._expected_latest_bound_s([(1e-3, 0.0), (3e-3, 0.0)]) == 3e-3
    assert est._expected_latest_bound_s([(1e-3, 1e-5), (3e-3, 1e-4)]) == pytest.approx(3e-3, rel=1e-9)
    assert est._expected_latest_bound_s([]) == 0.0


# -- 3. a purified link's deliveries, less bunched than Poisson -------------------------------------------------


def test_the_gap_shape_against_numpy():
    """``_gap_shape``: the raw pairs per purified pair drawn with numpy through the rounds (a geometric number of
    attempts of two lower pairs each) have the squared coefficient of variation (E K + Var K) / (E K)^2 of the gap
    (exponential raw gaps summed) that the rounded-down shape bounds from above."""
    rng = np.random.default_rng(57)
    for probs in ((0.93, 0.94), (0.6,), (0.93, 0.91, 0.96)):
        k = np.ones(100_000)
        for p in probs:
            # Each of 100,000 pairs of the level above: a geometric number of attempts of two lower pairs each,
            # drawn from the level below's draws.
            lower = 2 * rng.geometric(p, size=100_000)
            drawn = rng.choice(k, size=int(lower.sum()))
            k = np.add.reduceat(drawn, np.concatenate([[0], np.cumsum(lower)[:-1]]))
        shape_drawn = k.mean() ** 2 / (k.mean() + k.var())
        shape = est._gap_shape(probs)
        assert shape <= shape_drawn * 1.02 and shape_drawn < (shape + 1) * 1.02, (probs, shape, shape_drawn)


def test_the_filling_stall_of_gamma_gaps_against_a_numpy_walk():
    """``_filling_stall_s`` with Gamma gaps of shape a (Poisson counts at a times the rate) against the walk drawn
    with numpy (20,000 runs each); shape 1, the old price of every link, is far above for a purified link's gaps
    (100 pairs at 45.8 kHz every 22 us, shape 3: 0.152 ms against 0.085 ms drawn)."""
    rng = np.random.default_rng(57)
    for pairs, tau_s, rate_hz, a in ((100, 2.2e-5, 4.58e4, 3), (50, 4.3336e-4, 3e3, 2)):
        arrivals = rng.gamma(a, 1 / (a * rate_hz), size=(20_000, pairs)).cumsum(axis=1)
        behind = (arrivals - np.arange(pairs) * tau_s).max(axis=1) - arrivals[:, 0]
        mean, err = behind.mean(), behind.std() / math.sqrt(len(behind))
        assert est._filling_stall_s(pairs, tau_s, rate_hz, a) == pytest.approx(mean, abs=4 * err), (pairs, a)
        assert est._filling_stall_s(pairs, tau_s, rate_hz) > mean + 20 * err


_NEED_QPUS = [QPU(num_qubits=4, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
_NEED_TEXT = "REPEAT 100 {\nCX 0 2\nH 0\nH 0\nH 2\n}"
_NEED_KW = {"placement": [0, 0, 1, 1], "error_budget": 0.99, "target_fidelity": 0.995}


# Audit 15's link at its need: 2 rounds to F 0.995 for 100 remote CX, at the rate the run asks for (2.4436e5 /s,
# report._delivery's need for the 10 kHz link).
_AT_NEED = Link((0, 1), rate_hz=2.4436e5, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)


@functools.lru_cache(maxsize=None)
def _at_need_priced_and_simulated(seeds: int) -> tuple[float, float, float]:
    """(the estimate's wall clock s, the simulated mean over ``seeds`` seeds, its standard error)."""
    report = estimate(_NEED_TEXT, _NEED_QPUS, [_AT_NEED], **_NEED_KW)
    runs = [simulate_execution(_NEED_TEXT, _NEED_QPUS, operated_links(report, [_AT_NEED]),
                               placement=_NEED_KW["placement"], target_fidelity=0.995, seed=s).wall_clock_s
            for s in range(seeds)]
    return report.wall_clock_s, statistics.fmean(runs), statistics.stdev(runs) / math.sqrt(seeds)


def test_a_purified_link_at_its_need_is_priced_closer_and_still_cautious(monkeypatch):
    """Old behaviour: its buffer's filling priced with Poisson deliveries, 2.208 ms where the simulation takes
    2.079 +- 0.009 ms (16 seeds; 6.2% above). Now with its pairs' gaps at their shape (3 for these two rounds):
    2.156 ms (3.7% above), never below the simulation beyond noise; patched back to Poisson gaps it is more than
    5% above, so the upper check can fail."""
    priced, mean, err = _at_need_priced_and_simulated(4)
    assert mean - 3 * err <= priced <= 1.05 * mean, (priced, mean, err)
    monkeypatch.setattr(est, "_gap_shape", lambda probs: 1)
    assert estimate(_NEED_TEXT, _NEED_QPUS, [_AT_NEED], **_NEED_KW).wall_clock_s > 1.05 * mean
