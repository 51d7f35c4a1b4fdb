"""Estimator audit 54: the wait after delivery of a link about as fast as its consumers, and the operating-point search.

1. A flow-controlled link whose consumers wait for its pairs: the full buffer's wait (Little's law over its places)
   was counted at the schedule's pace, though the consumers' own waits for pairs slow the rate pairs are used at:
   audit 51's strict xfail (F 0.97698 at use priced against 0.97513 simulated) is now priced within noise. Every
   such wait now reads one figure of the pace, ``estimator._consumption_interval_s``.

2. The operating-point search and the rounds priced a link's pairs at the schedule's pace, the final price at the pace
   of the slowest other link of its QPUs' group (``paced_by_other_links``): the search kept a 64-pair buffer whose
   pairs the final price then refused. Now a first pass over the links finds the group's paces and, where another
   link is slower than the schedule, the links are priced again at them (``estimator._Context._group_paces``).

Found here and held as a strict xfail until audit 55 fixed it (``tests/test_estimate_audit55.py``): three links that
each barely keep up, over QPUs of unequal speed, run longer than the slowest link's own time (their stalls compound):
the run was priced 5.7% short.

Each comparison with ``simulate_execution`` is cautious-or-within-noise (never above the simulated mean by more than
3 standard errors and 1e-3), and the figures say how far below.
"""

from __future__ import annotations

import math
import statistics

import pytest

import qnsim.estimate.estimator as est
from qnsim.estimate import QPU, Link, estimate, operated_links, operated_purification_rounds, simulate_execution

_SLOW = QPU(t_1q_s=2e-4, t_2q_s=2e-4, t_meas_s=2e-4)
_WORK = "REPEAT 100 {\n CX 0 1\n H 0\n CX 1 0\n}"


def _link(rate_hz: float, buffer_pairs: int, t1_s: float = 0.05, **kw) -> Link:
    return Link((0, 1), rate_hz=rate_hz, fidelity=0.95, memory_t1_s=t1_s, memory_t2_s=t1_s, buffer_pairs=buffer_pairs,
                **kw)


def _at_operating_point(report, links, seeds: int, target: float | None):
    """(mean over seeds of the 0-1 pairs' F at use at the estimate's operating point, its standard error, the mean
    simulated wall clock in s)."""
    kw = {} if target is None else {"target_fidelity": target,
                                    "purification_rounds": operated_purification_rounds(report)}
    runs = [simulate_execution(_WORK, [_SLOW] * 2, operated_links(report, links), placement=[0, 1], seed=s, **kw)
            for s in range(seeds)]
    used = [r.mean_fidelity_at_use[(0, 1)] for r in runs]
    return (statistics.fmean(used), statistics.stdev(used) / math.sqrt(seeds),
            statistics.fmean(r.wall_clock_s for r in runs))


def _schedule_pace(monkeypatch) -> None:
    """The old behaviour: the full buffer's wait counted at the schedule's pace, the consumers' stalls left out."""
    monkeypatch.setattr(est, "_consumption_interval_s", lambda pairs, compute_s, *_: compute_s / pairs)


# (rate Hz, latency s, buffer pairs, target, how far below the simulation the price may sit)
_TIGHT = [
    (1e5, 3e-4, 8, 0.975, 2e-3),   # audit 51's xfail: 0.97698 priced (3 rounds, 4 buffer pairs), 0.97513 simulated
    (1e5, 3e-4, 4, 0.975, 2e-3),   # the search then throttled to 69 kHz: 0.97746 priced, 0.97562 simulated
    (1e5, 2e-4, 6, 0.975, 3e-3),
    (5e4, 3e-4, 8, 0.97, 3e-3),
]


@pytest.mark.parametrize("rate_hz, latency_s, buffer_pairs, target, below", _TIGHT)
def test_the_buffer_wait_of_a_tight_flow_controlled_link(rate_hz, latency_s, buffer_pairs, target, below):
    """A link whose pairs under way hold most of its buffer, about as fast as its consumers (0.2 ms gates): they
    wait for its pairs now and then, and use them more slowly than the schedule has it, so each of the buffer's
    places turns more slowly and its pairs wait longer. Old behaviour (audit 51's strict xfail, the first case):
    the full buffer's wait at the schedule's pace, F 0.97698 at use against 0.97513 simulated (1.85e-3 above). Now
    never above the simulation at the estimate's operating point (6 seeds), within ``below`` under it."""
    link = _link(rate_hz, buffer_pairs, latency_s=latency_s)
    report = estimate(_WORK, [_SLOW] * 2, [link], placement=[0, 1], target_fidelity=target)
    priced = report.links[0].fidelity_at_use
    assert priced is not None, report.reasons
    mean, err, sim_s = _at_operating_point(report, [link], 6, target)
    assert priced <= mean + 3 * err + 1e-3, (priced, mean, err)
    assert priced >= mean - 3 * err - below, (priced, mean, err)
    # The run is never priced shorter than it runs either.
    assert report.wall_clock_s >= sim_s * (1 - 1e-2), (report.wall_clock_s, sim_s)


def test_the_old_pace_priced_the_tight_link_above_its_simulation(monkeypatch):
    """The first case above at the schedule's pace (the old behaviour, patched back): its price sits more than
    noise above the simulation at its own operating point, so the test above can fail."""
    _schedule_pace(monkeypatch)
    link = _link(1e5, 8, latency_s=3e-4)
    report = estimate(_WORK, [_SLOW] * 2, [link], placement=[0, 1], target_fidelity=0.975)
    priced = report.links[0].fidelity_at_use
    mean, err, _sim_s = _at_operating_point(report, [link], 6, 0.975)
    assert priced > mean + 3 * err + 1e-3, (priced, mean, err)


def test_consumers_that_never_wait_keep_the_schedules_pace(monkeypatch):
    """Where the link out-paces its consumers by far (1 MHz, no latency, gates of 0.2 ms) the consumers never wait
    for a pair: every figure is bit for bit the one at the schedule's pace."""
    links = [_link(1e6, 8), _link(1e6, 64, latency_s=1e-5)]

    def figures():
        out = []
        for link in links:
            r = estimate(_WORK, [_SLOW] * 2, [link], placement=[0, 1])
            out.append((r.wall_clock_s, r.links[0].fidelity_at_use, r.links[0].purification_rounds))
        return out

    now = figures()
    _schedule_pace(monkeypatch)
    assert figures() == now


def test_the_consumption_interval_is_the_schedules_or_longer():
    """The pace never beats the schedule nor the link: at least compute / pairs and the link's mean gap."""
    for rate in (1e2, 3e3, 3.3e3, 1e4, 1e6):
        for buffer in (1, 4, 64):
            pace = est._consumption_interval_s(200, 0.0605, rate, buffer)
            assert pace >= 0.0605 / 200
            assert pace >= (1 - 1e-9) / rate


# -- the operating point at the group's pace ------------------------------------------------------------------------

_Q = QPU(t_1q_s=1e-4, t_2q_s=1e-4, t_meas_s=1e-4)
_THREE = "REPEAT 100 {\n CX 0 1\n H 0\n CX 1 2\n H 2\n CX 0 2\n CX 2 0\n}"


def _three() -> list[Link]:
    """Three QPUs; the 0-2 link (1.5 kHz, 4 buffer pairs, two pairs a round) paces the run far beyond its gates."""
    return [Link((0, 1), rate_hz=3e3, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05, buffer_pairs=64, channels=4),
            Link((1, 2), rate_hz=6e3, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05, buffer_pairs=64),
            Link((0, 2), rate_hz=1.5e3, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05, buffer_pairs=4)]


def _below_need(report) -> list[str]:
    return [r for r in report.reasons if "below the 0.6 needed" in r]


def test_the_operating_point_is_chosen_at_the_pace_the_final_price_reads():
    """Old behaviour: the search priced the 0-1 link's pairs at the schedule's pace, where its 64 buffer pairs kept
    them fresh enough, and the final price, at the pace the slow 0-2 link sets, refused them (F 0.396 at use, 0.6
    needed; the refusal itself named buffer_pairs = 1 as a fix). Now the search reads that pace too: 0-1 and 1-2 run
    fewer buffer pairs and meet the need, never above the simulation at those points (8 seeds: 0-1 priced 0.767,
    0.760 simulated; 1-2 0.627 against 0.617)."""
    links = _three()
    report = estimate(_THREE, [_Q] * 3, links, placement=[0, 1, 2], target_fidelity=0.6)
    assert not _below_need(report), report.reasons
    operated = {lk.key: lk for lk in operated_links(report, links)}
    assert operated[(0, 1)].buffer_pairs < 64 and operated[(1, 2)].buffer_pairs < 64
    runs = [simulate_execution(_THREE, [_Q] * 3, list(operated.values()), placement=[0, 1, 2], seed=s,
                               target_fidelity=0.6, purification_rounds=operated_purification_rounds(report))
            for s in range(8)]
    for lr in report.links:
        used = [r.mean_fidelity_at_use[lr.qpus] for r in runs]
        mean, err = statistics.fmean(used), statistics.stdev(used) / math.sqrt(len(used))
        assert lr.fidelity_at_use >= 0.6
        assert lr.fidelity_at_use <= mean + 3 * err + 1e-3, (lr.qpus, lr.fidelity_at_use, mean, err)
        assert lr.fidelity_at_use >= mean - 3 * err - 0.02, (lr.qpus, lr.fidelity_at_use, mean, err)


def test_the_schedules_pace_in_the_search_refused_the_links(monkeypatch):
    """The same run with the search and the rounds at the schedule's pace (the old behaviour, patched back): the
    links keep their 64 buffer pairs and are refused, so the test above can fail."""
    monkeypatch.setattr(est._Context, "_group_pace_s", lambda self, key, crit_s: crit_s)
    links = _three()
    report = estimate(_THREE, [_Q] * 3, links, placement=[0, 1, 2], target_fidelity=0.6)
    assert _below_need(report), report.reasons
    assert {lk.key: lk.buffer_pairs for lk in operated_links(report, links)}[(0, 1)] == 64


def test_a_run_no_link_paces_keeps_its_figures(monkeypatch):
    """Where no link of a group is slower than the schedule (1 MHz links), every link's figures are what the
    schedule's pace gives them (the search at the schedule's pace patched back: the same figures bit for bit)."""
    fast = [Link(key, rate_hz=1e6, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05, buffer_pairs=8)
            for key in ((0, 1), (1, 2), (0, 2))]

    def figures():
        report = estimate(_THREE, [_Q] * 3, fast, placement=[0, 1, 2], target_fidelity=0.9)
        return ([(lr.qpus, lr.fidelity_at_use, lr.purification_rounds, lr.time_s, lr.active_buffer_pairs)
                 for lr in report.links], report.wall_clock_s)

    now = figures()
    assert all(f is not None for _k, f, *_ in now[0])
    monkeypatch.setattr(est._Context, "_group_pace_s", lambda self, key, crit_s: crit_s)
    assert figures() == now
