"""Estimator audit 51: the two cases audit 50 held as priced above the simulation (its strict xfails), fixed.

1. Purification behind a small buffer over a latency: the rounds' pairs under way hold places of the buffer, flow
   control pauses the source, and a round's partner comes later than the source's own gap. Every plan priced in
   storage now goes through one mechanism (``PairStorage.of(link)`` carries the buffer, ``PairStorage.throttled``
   gives the flow-controlled gap, ``links._plan_rounds`` prices a plan of k rounds whole at its own gap).
2. Bursts of remote gates between long local stretches: the pairs made during a stretch wait through it; they are
   now priced pass by pass (``estimator._Context._idle_stretches``) where the run's mean pace priced them fresher.

Each comparison with ``simulate_execution`` is cautious-or-within-noise (never above the simulated mean by more than
3 standard errors and 1e-3) and bounded below (the figures say how far below).
"""

from __future__ import annotations

import dataclasses
import math
import statistics

import numpy as np
import pytest

import qnsim.estimate.estimator as est
from qnsim.estimate import QPU, Link, estimate, operated_links, operated_purification_rounds, simulate_execution
from qnsim.estimate.links import PairStorage, purification_noise, purification_plan

_QPU = QPU(t_1q_s=1e-4, t_2q_s=1e-4, t_meas_s=1e-4)
_FAST = QPU(t_1q_s=1e-9, t_2q_s=1e-9, t_meas_s=1e-9)


def _link(rate_hz: float, buffer_pairs: int, t1_s: float = 0.02, **kw) -> Link:
    return Link((0, 1), rate_hz=rate_hz, fidelity=0.95, memory_t1_s=t1_s, memory_t2_s=t1_s, buffer_pairs=buffer_pairs,
                **kw)


def _plan(link: Link, rounds: int, storage: PairStorage | None = None):
    """The plan of exactly ``rounds`` rounds on ``link`` (its storage, or ``storage``), with _FAST's local noise."""
    return purification_plan(0.95, 0.9, max_rounds=rounds, min_rounds=rounds, **purification_noise(_FAST, _FAST),
                             storage=PairStorage.of(link) if storage is None else storage)


def _simulated(work: str, qpus, links, seeds: int, **kw) -> tuple[float, float]:
    """(mean over seeds of the 0-1 pairs' mean fidelity at use, its standard error)."""
    used = [simulate_execution(work, qpus, links, placement=[0, 1], seed=s, **kw).mean_fidelity_at_use[(0, 1)]
            for s in range(seeds)]
    return statistics.fmean(used), statistics.stdev(used) / math.sqrt(seeds)


# (buffer pairs, rounds, source Hz, latency s, memory s, how far below the simulation the plan may sit)
_PAUSED = [
    (4, 4, 1e7, 1e-3, 0.05, 1e-3),   # audit 50's xfail: 0.94409 before, now 0.93617, simulated 0.93598
    (8, 3, 1e6, 3e-4, 0.02, 1e-3),   # 0.95697 before, now 0.95520, simulated 0.95531
    (16, 2, 1e7, 1e-3, 0.05, 1e-3),  # 0.94346 before, now 0.94267, simulated 0.94285
    (2, 3, 1e6, 1e-4, 0.02, 3e-3),   # 0.98353 before, now 0.98064, simulated 0.98235
    (1, 3, 1e6, 1e-4, 0.02, 9e-3),   # 0.98353 before, now 0.97446, simulated 0.98197
]


@pytest.mark.parametrize("buffer_pairs, rounds, rate_hz, latency_s, memory_s, below", _PAUSED)
def test_purification_behind_a_paused_source_is_never_priced_above_its_simulation(
        buffer_pairs, rounds, rate_hz, latency_s, memory_s, below):
    """Consumers far faster than the link (1 ns gates) use each purified pair as it is delivered, so the simulation's
    F at use is the delivered pairs'. Old behaviour: the plan's rounds waited for their partners at the source's own
    gap, though flow control pauses the source while the pairs under way fill the buffer: up to 8e-3 above the
    simulation (first case). Now the flow-controlled gap (a bound: the source's success probabilities, the highest,
    give the slowest rate): never above, and within ``below`` under it (a one-pair buffer 7.5e-3 under: the source
    pauses between one pair's rounds and the next's, not inside them, which the mean gap does not see)."""
    link = _link(rate_hz, buffer_pairs, memory_s, latency_s=latency_s)
    priced = _plan(link, rounds).fidelity
    unpaused = _plan(link, rounds, dataclasses.replace(PairStorage.of(link), buffer_pairs=None)).fidelity
    mean, err = _simulated("REPEAT 200 {\n CX 0 1\n H 0\n}", [_FAST] * 2, [link], 3, target_fidelity=0.9,
                           purification_rounds={(0, 1): rounds})
    assert priced <= mean + 3 * err + 1e-3, (priced, mean, err)
    assert priced >= mean - 3 * err - below, (priced, mean, err)
    assert priced < unpaused  # The fix moved it: the source's own gap priced these above.


def test_a_target_out_of_reach_behind_a_paused_source_is_refused():
    """0.3 ms latency, 0.2 ms gates, a 3-pair buffer, target 0.98: before, the estimate priced its operating point (1
    buffer pair, 3 rounds) at F 0.98019 when used, where the simulation used the pairs at 0.97876, below the target.
    Now the rounds with the paused source's gap reach at most 0.9788 and the link is refused with a reason that names
    the fix; the simulation at the old operating point confirms the target is out of reach."""
    slow = QPU(t_1q_s=2e-4, t_2q_s=2e-4, t_meas_s=2e-4)
    work = "REPEAT 100 {\n CX 0 1\n H 0\n CX 1 0\n}"
    link = _link(1e5, 3, 0.05, latency_s=3e-4)
    report = estimate(work, [slow] * 2, [link], placement=[0, 1], target_fidelity=0.98)
    assert report.links[0].fidelity_at_use is None
    assert any(r.startswith("link 0-1: raw fidelity 0.95 cannot be purified to 0.98 while its pairs wait in memory")
               for r in report.reasons), report.reasons
    old_point = dataclasses.replace(link, buffer_pairs=1)
    # The simulation's own plan (the estimate's rounds) now refuses 0.98 too; a target of 0.9 runs the same 3 rounds.
    mean, err = _simulated(work, [slow] * 2, [old_point], 4, target_fidelity=0.9, purification_rounds={(0, 1): 3})
    assert mean + 3 * err < 0.98, (mean, err)


# The buffer's wait of a tight flow-controlled link, held here as a strict xfail (F 0.97698 at use priced against
# 0.97513 simulated), is fixed and tested in tests/test_estimate_audit54.py.


def test_the_plan_never_rises_as_the_rate_or_the_buffer_falls():
    """Three rounds over 0.2 ms of latency in 20 ms memories: the plan's F never rises as the source slows (10 kHz to
    10 MHz) or the buffer shrinks (1 to 97 pairs). Old behaviour guarded against: a price that did not see the buffer
    at all (the same F for every buffer), which the first assertion below would not catch but the last does."""
    by_rate = [_plan(_link(rate, 8, latency_s=2e-4), 3).fidelity for rate in np.geomspace(1e4, 1e7, 40)]
    assert all(b >= a - 1e-15 for a, b in zip(by_rate, by_rate[1:]))
    by_buffer = [_plan(_link(1e6, buffer, latency_s=2e-4), 3).fidelity for buffer in range(1, 100, 4)]
    assert all(b >= a - 1e-15 for a, b in zip(by_buffer, by_buffer[1:]))
    assert by_buffer[-1] > by_buffer[0]


def test_without_latency_or_rounds_nothing_moved(monkeypatch):
    """Flow control holds places only for the rounds' outcomes: with no latency (or no rounds) every plan and
    estimate is bit for bit what it was when the source's own gap priced every plan (PairStorage.throttled patched
    to the old behaviour)."""
    work = "REPEAT 100 {\n CX 0 1\n H 0\n CX 1 0\n}"
    cases = [([_link(1e5, 4, 0.05)], 0.98), ([_link(3e4, 16, 0.05)], 0.97), ([_link(1e5, 4, 0.05, latency_s=1e-4)],
                                                                            None)]

    def figures():
        out = []
        for links, target in cases:
            r = estimate(work, [_QPU] * 2, links, placement=[0, 1], target_fidelity=target)
            out.append((r.wall_clock_s, r.links[0].fidelity_at_use, r.links[0].delivered_fidelity,
                        r.links[0].purification_rounds, tuple(r.reasons)))
        return out

    now = figures()
    monkeypatch.setattr(PairStorage, "throttled", lambda self, probs: self)
    assert figures() == now


def test_latency_rounds_and_a_roomy_buffer_barely_moved():
    """With room in the buffer (64 pairs, 4 rounds of 0.1 ms at 100 kHz) the paused source's gap is the source's own
    within 1%, and the plan's F within 1e-4 of the old price: the bound costs nothing where the source never
    pauses."""
    link = _link(1e5, 64, 0.05, latency_s=1e-4)
    storage = PairStorage.of(link)
    plan = _plan(link, 4)
    assert storage.throttled(plan.success_probabilities).raw_interval_s <= 1.01 * storage.raw_interval_s
    old = _plan(link, 4, dataclasses.replace(storage, buffer_pairs=None)).fidelity
    assert old - 1e-4 <= plan.fidelity <= old


def test_pair_storage_reads_its_buffer():
    """PairStorage.buffer_pairs is checked like Link.buffer_pairs (an integer in [1, 10^9]) and refused with a relay
    route's hops, whose cycle sets the gap: a float or 0 would have priced a throttle of no buffer."""
    with pytest.raises(ValueError, match="buffer_pairs"):
        PairStorage(1.0, 1.0, 1e-3, 1e-4, buffer_pairs=0)
    with pytest.raises((ValueError, TypeError), match="buffer_pairs"):
        PairStorage(1.0, 1.0, 1e-3, 1e-4, buffer_pairs=2.5)
    with pytest.raises(ValueError, match="relay_hop_rates_hz"):
        PairStorage(1.0, 1.0, 2e-3, 1e-4, relay_hop_rates_hz=(1e3, 1e3), buffer_pairs=4)
    assert PairStorage.of(_link(1e3, 7, latency_s=1e-4)).buffer_pairs == 7


# -- bursts of remote gates between local stretches ---------------------------------------------------------------


def _bursts(pairs: int, stretch: int, pace: float, buffer_pairs: int, t1_s: float = 0.02, passes: int = 30):
    """``passes`` passes of ``pairs`` remote CX then ``stretch`` local H (0.1 ms each), over a link at ``pace`` times
    the run's mean pace (its remote gates over its gates)."""
    body = "\n".join([" CX 0 1\n CX 1 0"] * (pairs // 2))
    work = f"REPEAT {passes} {{\n{body}\n REPEAT {stretch} {{\n  H 0\n }}\n}}"
    return work, _link(pace * pairs / ((pairs + stretch) * 1e-4), buffer_pairs, t1_s)


# (pairs a burst, local gates a stretch, pace, buffer, memory s, how far below the simulation the price may sit)
_BURSTS = [
    (20, 200, 0.8, 64, 0.02, 0.06),   # audit 50's xfail: 0.853 before, 0.601 now, 0.638 simulated
    (8, 100, 0.8, 64, 0.02, 0.05),    # 0.829 before, 0.697 now, 0.719 simulated (30 seeds)
    (20, 200, 0.3, 64, 0.02, 0.03),   # 0.827 now, 0.841 simulated
    (20, 200, 0.8, 8, 0.02, 0.1),     # 0.663 now, 0.748 simulated: a buffer of 8 leaves most pairs of a burst fresh
    (20, 50, 0.8, 64, 0.02, 0.03),    # 0.827 now, 0.833 simulated
    (100, 300, 0.9, 64, 0.05, 0.03),  # 0.702 now, 0.716 simulated
]


@pytest.mark.parametrize("pairs, stretch, pace, buffer_pairs, t1_s, below", _BURSTS)
def test_bursts_between_local_stretches_are_never_priced_above_their_simulation(pairs, stretch, pace, buffer_pairs,
                                                                                 t1_s, below):
    """Old behaviour: a top-level REPEAT whose remote gates come in bursts between local stretches was priced at
    the run's mean pace, as if its uses were even (0.853 against 0.670 simulated, audit 50). Now the pairs made
    during a stretch wait through it (and a Poisson stretch's pairs beyond the burst wait a pass more): never above
    the simulation at the estimate's operating point (6 seeds), and within ``below`` under it."""
    work, link = _bursts(pairs, stretch, pace, buffer_pairs, t1_s)
    report = estimate(work, [_QPU] * 2, [link], placement=[0, 1])
    priced = report.links[0].fidelity_at_use
    mean, err = _simulated(work, [_QPU] * 2, operated_links(report, [link]), 6)
    assert priced <= mean + 3 * err + 1e-3, (priced, mean, err)
    assert priced >= mean - 3 * err - below, (priced, mean, err)


def test_the_burst_price_never_rises_as_the_stretch_grows_or_the_buffer_shrinks(monkeypatch):
    """The link as given (the operating-point search off): 20-pair bursts after longer and longer stretches (a link
    at a fixed 600 Hz) are never priced fresher (their pairs wait longer), and a smaller buffer never prices them
    staler (flow control keeps fewer of them)."""
    monkeypatch.setattr(est._Context, "_search_operating_point", lambda self, key, price, as_given, *a, **k: as_given)

    def priced(stretch: int, buffer_pairs: int) -> float:
        work, _ = _bursts(20, stretch, 0.8, buffer_pairs)
        return estimate(work, [_QPU] * 2, [_link(600.0, buffer_pairs)], placement=[0, 1]).links[0].fidelity_at_use

    by_stretch = [priced(stretch, 64) for stretch in (25, 50, 100, 200, 400, 800)]
    assert all(b <= a + 1e-12 for a, b in zip(by_stretch, by_stretch[1:])), by_stretch
    by_buffer = [priced(200, buffer) for buffer in (1, 2, 4, 8, 16, 32, 64)]
    assert all(b <= a + 1e-12 for a, b in zip(by_buffer, by_buffer[1:])), by_buffer


def test_even_uses_and_flat_circuits_did_not_move(monkeypatch):
    """Only a part after a stretch that uses none of the link's pairs, and makes fewer than the part uses, is priced
    pass by pass: a circuit of one flat REPEAT, two top-level phases, a nested block that also uses the link's pairs,
    or a stretch that makes the whole burst (the buffer then fills beyond a pass's pairs: a first version priced 3
    remote CX 50 us apart over a 1 MHz link at F 0.9285, where the run's own 0.9316 is the simulation's 0.932,
    test_estimate_audit32) prices as before (the pass price patched out)."""
    works = ["REPEAT 100 {\n CX 0 1\n H 0\n CX 1 0\n}",
             "REPEAT 100 {\n CX 0 1\n H 0\n}\nREPEAT 100 {\n H 0\n}\nREPEAT 100 {\n CX 0 1\n}",
             "REPEAT 30 {\n CX 0 1\n REPEAT 20 {\n  CX 1 0\n  H 0\n }\n}",
             "REPEAT 3 {\n CX 0 1\n REPEAT 1000 {\n  H 0\n }\n}"]
    link = _link(2e3, 64)

    def figures():
        return [estimate(w, [_QPU] * 2, [link], placement=[0, 1]).links[0].fidelity_at_use for w in works]

    now = figures()
    monkeypatch.setattr(est._Context, "_idle_stretches", lambda self, *a: None)
    assert figures() == now
