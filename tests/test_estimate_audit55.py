"""Estimator audit 55: links whose buffers fill from empty while their consumers wait, and how their stalls add.

1. Audit 54's strict xfail: three links that each barely keep up, over QPUs of unequal speed, priced at the slowest
   link's own time (0.0220 s) where the simulation takes 0.0233 s. Each link's time is its buffer's steady level
   chain, but the buffers start empty: while one fills, its consumers fall behind by the maximum of a random walk
   (``estimator._filling_stall_s``, Spitzer's identity), and a QPU that waits for one link's pair comes late to the
   next link's. The run is now priced no shorter than the schedule plus the latest of the group's delays: the
   largest of the links' whole delays, and for several a bound on their expected latest
   (``estimator._Context._filling_floor_s``; it once added each link's stall beyond the largest own delay, which a
   link made faster could lengthen, see tests/test_hypothesis_round2.py).

2. Two tight flow-controlled links of audit 54 price F at use ~1e-3 above the simulated mean, within the allowance
   (3 standard errors and 1e-3) but 5 to 8 standard errors: found to be two causes, not one (the delivered pairs'
   fidelity out of the rounds, and the buffer's wait at a pace the pairs under way in the rounds' slots slow), so
   not fixed here; the figures are pinned below.

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
from qnsim.estimate import QPU, Link, estimate, operated_links, operated_purification_rounds, simulate_execution

_RING = "REPEAT 50 {\n" + "\n".join(f" CX {i} {(i + 1) % 9}\n H {i}" for i in range(9)) + "\n}"


def _ring(gate_s: tuple[float, float, float], rate_hz: float, buffer_pairs: int):
    """A ring of 9 qubits split 3-3-3 over QPUs of the given gate times, every pair of QPUs linked alike: each
    iteration is one chain of operations that uses each link once (50 pairs per link)."""
    qpus = [QPU(num_qubits=4, t_1q_s=t, t_2q_s=t, t_meas_s=t) for t in gate_s]
    links = [Link(key, rate_hz=rate_hz, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05, buffer_pairs=buffer_pairs)
             for key in ((0, 1), (1, 2), (0, 2))]
    return qpus, links


def _priced_and_simulated(gate_s, rate_hz, buffer_pairs, seeds):
    """(the estimate's wall clock in s, the simulated mean over ``seeds`` seeds, its standard error)."""
    qpus, links = _ring(gate_s, rate_hz, buffer_pairs)
    report = estimate(_RING, qpus, links)
    operated = operated_links(report, links)
    runs = [simulate_execution(_RING, qpus, operated, placement=report.qubit_qpus, seed=s).wall_clock_s
            for s in range(seeds)]
    return report.wall_clock_s, statistics.fmean(runs), statistics.stdev(runs) / math.sqrt(seeds)


def _no_floor(monkeypatch) -> None:
    """The old behaviour: no floor for the buffers' filling (each link's time, its first pair, the slowest's)."""
    monkeypatch.setattr(est._Context, "_filling_floor_s", lambda self, link_reports, crit_s: None)


_UNEQUAL = (1e-4, 1e-5, 1e-6)

# (gate times, link rate Hz, buffer pairs, how far above the simulation the price may sit)
_NEAR_CRITICAL = [
    (_UNEQUAL, 3e3, 8, 0.04),    # audit 54's xfail: 0.02200 s priced, 0.02333 +- 0.00031 simulated; now 0.02340
    (_UNEQUAL, 3e3, 4, 0.05),    # 0.02218 s priced (the buffer's chain alone) against 0.02395 +- 0.00031; now 0.02436
    (_UNEQUAL, 2.6e3, 8, 0.08),  # 0.02205 s priced against 0.0244 +- 0.0004; now 0.02545
    ((1e-4,) * 3, 3e3, 8, 0.02),  # equal QPUs: 0.04543 s priced, 0.04562 +- 0.00011 simulated; now 0.04586
]


@pytest.mark.parametrize("gate_s, rate_hz, buffer_pairs, above", _NEAR_CRITICAL)
def test_the_run_time_of_links_that_each_barely_keep_up(gate_s, rate_hz, buffer_pairs, above):
    """Three links about as fast as their consumers (one pair every 0.43 ms on unequal QPUs, 0.9 ms on equal ones,
    from 3 kHz links): their buffers start empty, and the run falls behind its schedule while they fill, on each
    link in turn. Old behaviour (audit 54's strict xfail, the first case): the run priced at the slowest link's
    steady time or first pair, 5.7% short of the simulation. Now never below it beyond noise (12 seeds), and within
    ``above`` over it."""
    priced, mean, err = _priced_and_simulated(gate_s, rate_hz, buffer_pairs, 12)
    assert priced >= mean - 3 * err, (priced, mean, err)
    assert priced <= mean * (1 + above), (priced, mean, err)


def test_the_old_price_of_the_ring_was_short_beyond_noise(monkeypatch):
    """The first case above without the filling's floor (the old behaviour, patched back): more than 3 standard
    errors below the simulation, so the test above can fail."""
    _no_floor(monkeypatch)
    priced, mean, err = _priced_and_simulated(_UNEQUAL, 3e3, 8, 12)
    assert priced < mean - 3 * err, (priced, mean, err)


def test_a_purified_link_at_its_need_is_priced_with_its_buffers_filling(monkeypatch):
    """One link whose rate is its need (the raw pairs of 2 rounds over the run's 6 ms of gates, 2.29e5 pairs/s):
    its pairs come about as fast as the gates use them, so the gates wait on the buffer's random walk from empty.
    Old behaviour: 6.07 ms priced where the simulation takes 6.20 ms +- 0.03 (16 seeds, 5 standard errors short).
    Now never below it beyond noise, within 4% over it (Poisson deliveries, more bunched than purified pairs'); the
    floor patched out gives the old price back, short, so the test can fail."""
    qpus = [QPU(num_qubits=2, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
    text = "REPEAT 300 {\nCX 0 2\nH 0\nH 0\nH 2\n}"
    kw = {"placement": [0, 0, 1, 1], "error_budget": 0.9, "target_fidelity": 0.99}
    link = Link((0, 1), rate_hz=2.29e5, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)
    report = estimate(text, qpus, [link], **kw)
    runs = [simulate_execution(text, qpus, operated_links(report, [link]), placement=kw["placement"], seed=s,
                               target_fidelity=0.99, purification_rounds=operated_purification_rounds(report))
            for s in range(16)]
    times = [r.wall_clock_s for r in runs]
    mean, err = statistics.fmean(times), statistics.stdev(times) / math.sqrt(len(times))
    assert mean - 3 * err <= report.wall_clock_s <= 1.04 * mean, (report.wall_clock_s, mean, err)
    _no_floor(monkeypatch)
    assert estimate(text, qpus, [link], **kw).wall_clock_s < mean - 3 * err


def test_links_far_faster_than_their_consumers_keep_their_figures(monkeypatch):
    """1 MHz links over the same ring: their buffers fill within a pair or two, the floor adds nothing, and every
    figure is bit for bit the old one (the floor patched out)."""
    def figures():
        qpus, links = _ring(_UNEQUAL, 1e6, 8)
        report = estimate(_RING, qpus, links)
        return report.wall_clock_s, report.bound, [(lr.qpus, lr.time_s, lr.fidelity_at_use) for lr in report.links]

    now = figures()
    _no_floor(monkeypatch)
    assert figures() == now


def _numpy_stall(rng, pairs: int, tau_s: float, rate_hz: float, runs: int) -> tuple[float, float]:
    """(mean, standard error) of max_k (G_k - (k - 1) tau) less the first gap over ``runs`` numpy draws, G_k the k-th
    arrival of a Poisson process of ``rate_hz``."""
    arrivals = rng.exponential(1 / rate_hz, size=(runs, pairs)).cumsum(axis=1)
    behind = (arrivals - np.arange(pairs) * tau_s).max(axis=1) - arrivals[:, 0]
    return float(behind.mean()), float(behind.std() / math.sqrt(runs))


def test_the_filling_stall_against_a_numpy_walk():
    """``_filling_stall_s`` (Spitzer's identity over Poisson counts) against the walk drawn with numpy (40,000 runs
    each): a fast link, one about as fast as its consumers, and a slow one (whose stall is its drift, pairs
    (1 / rate - tau), and a little more). Beyond its 1,024 summed terms the last term goes on as a line, an upper
    bound (1,500 pairs near the critical pace: 0.02390 s against 0.02334 drawn, 2.4% above)."""
    rng = np.random.default_rng(55)
    for pairs, tau_s, rate_hz in ((50, 4.3336e-4, 3e3), (200, 1e-3, 900.0), (30, 1e-3, 5e3)):
        mean, err = _numpy_stall(rng, pairs, tau_s, rate_hz, 40_000)
        assert est._filling_stall_s(pairs, tau_s, rate_hz) == pytest.approx(mean, abs=4 * err + 1e-9), (pairs, mean)
    mean, err = _numpy_stall(rng, 1500, 1e-3, 1010.0, 4_000)
    assert mean - 4 * err <= est._filling_stall_s(1500, 1e-3, 1010.0) <= 1.05 * mean
    assert est._filling_stall_s(1, 1e-3, 1e3) == 0.0


# -- found here, not fixed: two tight links priced above their simulation within the allowance ---------------------

_SLOW = QPU(t_1q_s=2e-4, t_2q_s=2e-4, t_meas_s=2e-4)
_WORK = "REPEAT 100 {\n CX 0 1\n H 0\n CX 1 0\n}"
TIGHT_LINKS = [(5e4, 3e-4, 8, 0.97), (1e5, 2e-4, 6, 0.975)]


@functools.lru_cache(maxsize=None)
def tight_link_fidelity(rate_hz: float, latency_s: float, buffer_pairs: int, target: float):
    """(priced, simulated mean, its standard error) of the F at use of one tight link (rate in Hz, latency in s)
    running _WORK between two slow QPUs: the estimate's figure and 12 seeded simulations of its operating point.
    Cached: audit 58 states the same measurement's goal, and the simulations are seeded."""
    link = Link((0, 1), rate_hz=rate_hz, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05,
                buffer_pairs=buffer_pairs, latency_s=latency_s)
    report = estimate(_WORK, [_SLOW] * 2, [link], placement=[0, 1], target_fidelity=target)
    priced = report.links[0].fidelity_at_use
    assert priced is not None, report.reasons
    runs = [simulate_execution(_WORK, [_SLOW] * 2, operated_links(report, [link]), placement=[0, 1], seed=s,
                               target_fidelity=target, purification_rounds=operated_purification_rounds(report))
            for s in range(12)]
    used = [r.mean_fidelity_at_use[(0, 1)] for r in runs]
    return priced, statistics.fmean(used), statistics.stdev(used) / math.sqrt(len(used))


@pytest.mark.parametrize("rate_hz, latency_s, buffer_pairs, target", TIGHT_LINKS)
def test_two_tight_links_priced_above_their_simulation_within_the_allowance(rate_hz, latency_s, buffer_pairs,
                                                                              target):
    """Pinned, not fixed: audit 54's 50 kHz link of 8 pairs (0.3 ms latency; run at 3 rounds, 5 pairs) prices F at
    use 0.97283 where the simulation, at that operating point, uses its pairs at 0.97161 +- 1.6e-4 (12 seeds; 7.8
    standard errors above), and the 100 kHz link of 6 pairs over 0.2 ms (4 rounds, 5 pairs) 0.97581 against
    0.97517 +- 1.4e-4 (4.8). Each within the 3 standard errors and 1e-3 its tests allow.

    Why, from the simulation's delivered pairs and their buffer waits (24 seeds): the 50 kHz link's pairs wait
    0.267 ms in the buffer, not the 0.237 ms priced (the level chain's wait at its room, 1.6 places left by the
    pairs under way; the simulation keeps 0.85 pairs at a 0.315 ms pace against the 0.78 at 0.3025 ms priced: its
    places also hold the pairs waiting for partners in the rounds' slots, which the hold leaves out, and its
    consumers stall more), ~8.7e-4 of the excess, and its pairs come out of the rounds at F 0.97950, not 0.97970;
    the 100 kHz link's wait is close (0.344 ms against 0.341 ms) and its rounds deliver F 0.98532, not 0.98579,
    ~4.7e-4 of its 6.4e-4. Two mechanisms: the chain at the consumers' stretched pace as well (one tried) moved the
    operating points themselves (2 rounds behind 8 pairs, F 0.932 for the first audit 54 case), so neither is
    changed here. Old behaviour: none changed; this test fails when either price moves, and says where to look."""
    priced, mean, err = tight_link_fidelity(rate_hz, latency_s, buffer_pairs, target)
    assert priced <= mean + 3 * err + 1e-3, (priced, mean, err)  # The allowance holds.
    assert priced > mean + 3 * err, (priced, mean, err)  # Still above beyond noise: update this pin when fixed.


def test_a_link_that_binds_by_rounding_does_not_lengthen_a_shorter_body():
    """Found here (audit 45's fewer-gates property, a random draw), there before audit 55: a 10 MHz
    link with 0.1 ms latency, 100 repetitions of H 0, CX 0 1, H 0, CX 0 1 (200 pairs) priced 220 us where the body
    with one more CX 0 1 (300 pairs) is priced 125 us, and the simulation takes 121 us (8 seeds). The shorter body's
    link time exceeds the consumers' by 1.4e-20 s (its buffer's level chain at x = 6), so ``_last_pair_floor_s``
    takes the link as binding and adds the last gate's 0.1 ms message to the link's time, whose consumers' time
    already holds it; the longer body's chain rounds to no stall at all. Now a link binds only beyond float
    rounding (estimator._LINK_BINDS, the pacing pass's rule as well)."""
    q = QPU(t_1q_s=5e-8, t_2q_s=5e-8, t_meas_s=1e-7, e_1q=1e-4, e_2q=1e-4, e_meas=1e-4)
    link = Link((0, 1), rate_hz=1e7, fidelity=0.9, latency_s=1e-4, memory_t1_s=math.inf, memory_t2_s=math.inf)
    body = ["H 0", "CX 0 1", "H 0", "CX 0 1", "CX 0 1"]
    walls = [estimate("REPEAT 100 {\n" + "\n".join(b) + "\n}", [q, q], [link], placement=[0, 1],
                      error_budget=0.001).wall_clock_s for b in (body, body[:-1])]
    assert walls[1] <= walls[0], walls
