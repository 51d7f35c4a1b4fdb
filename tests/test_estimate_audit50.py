"""Estimator audit 50: the buffer-filling price (audit 49) checked where audit 49 did not look.

Each case compares the estimate's ``fidelity_at_use`` with ``simulate_execution``'s mean over 6 seeds run at the
estimate's operating point (``operated_links``, ``operated_purification_rounds``): the price may sit below the
simulation (cautious), never above it by more than 3 standard errors and 1e-3.

Old behaviour found here: a link whose consumers are paced by another, slower link was priced at the schedule's own
pace (gate times only): over three QPUs whose 0-2 link (1.5 kHz, two pairs a round) paces the run, the 3 kHz 0-1
link's pairs read F 0.651 at use where the simulation used them at 0.39 (0.26 above; the old steady-state price was
0.21 above, and the filling price raised the 1-2 link from 0.28, below its 0.32, to 0.455, above it).
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

import qnsim.estimate.estimator as est
from qnsim.estimate import QPU, Link, estimate, operated_links, operated_purification_rounds, simulate_execution
from qnsim.estimate.links import PairStorage, purification_plan

_QPU = QPU(t_1q_s=1e-4, t_2q_s=1e-4, t_meas_s=1e-4)
_SEEDS = 6


def _work(repeats: int, lead_gates: int = 0) -> str:
    """``repeats`` rounds of two remote CX over QPUs 0-1, after ``lead_gates`` local H on qubit 0."""
    head = f"REPEAT {lead_gates} {{\n H 0\n}}\n" if lead_gates else ""
    return head + f"REPEAT {repeats} {{\n CX 0 1\n H 0\n CX 1 0\n}}"


def _link(rate_hz: float, buffer_pairs: int, t1_s: float = 0.02, t2_s: float | None = None, key=(0, 1),
          **kw) -> Link:
    return Link(key, rate_hz=rate_hz, fidelity=0.95, memory_t1_s=t1_s, memory_t2_s=t1_s if t2_s is None else t2_s,
                buffer_pairs=buffer_pairs, **kw)


def _over(work: str, qpus, links, placement, seeds: int = _SEEDS, target=None, cat=True, supply="poisson"):
    """Per link: (qpus, estimate, simulated mean, standard error), the simulation at the estimate's operating point."""
    report = estimate(work, qpus, links, placement=placement, target_fidelity=target, cat_entangler=cat)
    run = operated_links(report, links)
    kw = {"cat_entangler": cat, "supply": supply}
    if target is not None:
        kw.update(target_fidelity=target, purification_rounds=operated_purification_rounds(report))
    sims = [simulate_execution(work, qpus, run, placement=placement, seed=s, **kw) for s in range(seeds)]
    rows = []
    for lr in report.links:
        used = [r.mean_fidelity_at_use[lr.qpus] for r in sims]
        rows.append((lr.qpus, lr.fidelity_at_use, statistics.fmean(used), statistics.stdev(used) / math.sqrt(seeds)))
    return rows


def _never_above(rows, slack: float = 1e-3) -> None:
    for qpus, priced, mean, err in rows:
        assert priced <= mean + 3 * err + slack, (qpus, priced, mean, err)


_THREE = "REPEAT 100 {\n CX 0 1\n H 0\n CX 1 2\n H 2\n CX 0 2\n CX 2 0\n}"


def _three_links(rate_hz: float) -> list[Link]:
    return [_link(rate_hz, 16), _link(2 * rate_hz, 64, key=(1, 2)), _link(rate_hz / 2, 4, 0.05, key=(0, 2))]


@pytest.mark.parametrize("rate_hz, cat", [(3e3, True), (3e3, False), (1e4, True), (1e5, False)])
def test_a_link_paced_by_another_link_is_priced_at_that_pace(rate_hz, cat):
    """Three QPUs, three links, each used every round; the 0-2 link (half the rate, two pairs a round) paces the run.
    At 3 kHz: old 0-1 F 0.651 and 1-2 0.455 at use against 0.392 and 0.320 simulated; now 0.382 and 0.313. At 10 and
    100 kHz within 3.2e-3 and 5e-4 (inside the simulation's error)."""
    rows = _over(_THREE, [_QPU] * 3, _three_links(rate_hz), [0, 1, 2], cat=cat)
    _never_above(rows)
    # Not by pricing everything far below: the pacing link itself (0-2) and the others within 0.02.
    for qpus, priced, mean, err in rows:
        assert priced >= mean - 3 * err - 0.02, (qpus, priced, mean, err)


def test_a_link_of_a_separate_group_of_qpus_keeps_its_own_pace():
    """Two QPU pairs that share no link: 0-1 (30 kHz) and 2-3 (2 kHz, pacing its own pair only). The 0-1 pairs are
    priced at their own pace, 0.8096 against 0.8100 simulated; a first version of the fix above paced every link by
    every other and priced them at 0.581 (0.23 below)."""
    work = "REPEAT 100 {\n CX 0 1\n H 0\n CX 1 0\n CX 2 3\n H 2\n CX 3 2\n}"
    rows = _over(work, [_QPU] * 4, [_link(3e4, 16), _link(2e3, 16, key=(2, 3))], [0, 1, 2, 3])
    _never_above(rows)
    for qpus, priced, mean, err in rows:
        assert priced >= mean - 3 * err - 0.01, (qpus, priced, mean, err)


@pytest.mark.parametrize("channels, rate_hz, buffer_pairs", [
    (2, 2e3, 64), (2, 5e3, 64), (2, 1e5, 64), (4, 2e3, 64), (4, 5e3, 4), (4, 1e5, 64)])
def test_several_channels_are_never_priced_above_their_simulation(channels, rate_hz, buffer_pairs):
    """channels > 1 (the simulation's Poisson source at rate x channels): 0.3e-3 to 12e-3 below the simulation in
    the audit (2 channels of 5 kHz into 64 pairs: 0.689 against 0.697)."""
    rows = _over(_work(100), [_QPU] * 2, [_link(rate_hz, buffer_pairs, channels=channels)], [0, 1])
    _never_above(rows)


@pytest.mark.parametrize("t1_s, t2_s, rate_hz", [(0.1, 0.01, 3e3), (0.1, 0.01, 7e3), (0.1, 0.01, 1e5),
                                                  (0.01, 0.02, 7e3), (1.0, 0.005, 1e5)])
def test_unequal_memory_times_are_never_priced_above_their_simulation(t1_s, t2_s, rate_hz):
    """T1 != T2 (the two decay factors of the filling's mix): T1 = 0.1 s, T2 = 0.01 s at 7 kHz 0.830 against 0.839."""
    _never_above(_over(_work(100), [_QPU] * 2, [_link(rate_hz, 32, t1_s, t2_s)], [0, 1]))


@pytest.mark.parametrize("p, period_s", [(0.5, 1e-4), (0.05, 1e-5), (0.9, 1e-5), (0.9, 2e-4), (0.01, 1e-7)])
def test_geometric_attempts_are_never_priced_above_their_simulation(p, period_s):
    """Heralded attempts (supply="geometric": gaps more regular than the Poisson deliveries the filling assumes, so
    the Poisson price is the cautious one): 0.3e-3 to 0.011 below (p = 0.9 every 0.2 ms: 0.939 against 0.950)."""
    link = _link(p / period_s, 16, success_probability=p, attempt_period_s=period_s)
    _never_above(_over(_work(100), [_QPU] * 2, [link], [0, 1], supply="geometric"))


@pytest.mark.parametrize("buffer_pairs, repeats, lead_gates", [(2048, 2500, 0), (5000, 2500, 0), (20000, 2500, 0),
                                                              (5000, 100, 20000)])
def test_buffers_beyond_the_level_chain_and_long_runs(buffer_pairs, repeats, lead_gates):
    """Buffers at and beyond _CHAIN_LEVELS (2048), 5000 pairs, and a lead of 20,000 gates (2 s, 100x the run): within
    1e-4 of the simulation in the audit (B = 5000, 10^4 pairs: 0.5168 against 0.5167)."""
    link = _link(1e5, buffer_pairs, 1.0)
    rows = _over(_work(repeats, lead_gates), [_QPU] * 2, [link], [0, 1], seeds=3 if repeats > 1000 else _SEEDS)
    _never_above(rows)
    for qpus, priced, mean, err in rows:
        assert priced >= mean - 3 * err - 5e-3, (qpus, priced, mean, err)


@pytest.mark.parametrize("latency_s, rate_hz", [(1e-5, 3e4), (1e-4, 1e4), (1e-4, 1e5), (3e-4, 1e5)])
def test_latency_with_purification_where_the_buffer_has_room(latency_s, rate_hz):
    """latency_s > 0 with a target of 0.98 (2 to 4 rounds), buffer 16: within 5e-4 above and 3.5e-3 below."""
    rows = _over(_work(100), [_QPU] * 2, [_link(rate_hz, 16, 0.05, latency_s=latency_s)], [0, 1], target=0.98)
    _never_above(rows)


def test_purification_behind_a_small_buffer_with_latency():
    """Was a strict xfail (links.PairStorage, not the filling): with latency, the pairs under way count against the
    buffer and flow control pauses the source, so a round's kept pair waits longer for its partner than the R / rate
    the plan priced. 4 rounds, 1 ms latency, a 4-pair buffer, 1e7 Hz: the old plan read 0.94409 against 0.93613
    simulated (8e-3 above; 3 rounds 3.9e-3, 2 rounds 1.1e-3; 0.3e-3 with 64 pairs, exact with 1024). Audit 51 prices
    the plan at flow_controlled_rate_hz's interval (PairStorage.throttled): 0.93617 (test_estimate_audit51.py)."""
    fast = QPU(t_1q_s=1e-9, t_2q_s=1e-9, t_meas_s=1e-9)
    link = _link(1e7, 4, 0.05, latency_s=1e-3)
    plan = purification_plan(0.95, 0.9, max_rounds=4, min_rounds=4, gate1_error=fast.e_1q, gate2_error=fast.e_2q,
                             measure_error=fast.e_meas, storage=PairStorage.of(link))
    work = "REPEAT 200 {\n CX 0 1\n H 0\n}"
    used = [simulate_execution(work, [fast] * 2, [link], placement=[0, 1], seed=s, target_fidelity=0.9,
                               purification_rounds={(0, 1): 4}).mean_fidelity_at_use[(0, 1)] for s in range(4)]
    assert plan.fidelity <= statistics.fmean(used) + 1e-3, (plan.fidelity, statistics.fmean(used))


@pytest.mark.parametrize("kw", [{"channels": 3}, {"t2_s": 0.005}, {"latency_s": 5e-5}])
def test_the_price_never_rises_with_the_rate_or_the_buffer(monkeypatch, kw):
    """The link as given (the operating-point search off, as in audit 49), with 3 channels, T2 = T1 / 4, or 50 us
    latency: F at use never rises with the rate (2 to 10^4 kHz per channel) or the buffer (1 to 97 pairs)."""
    monkeypatch.setattr(est._Context, "_search_operating_point", lambda self, key, price, as_given, *a, **k: as_given)
    work = _work(100)
    t2 = kw.get("t2_s")
    extra = {k: v for k, v in kw.items() if k != "t2_s"}

    def priced(rate_hz: float, buffer: int) -> float:
        link = _link(rate_hz, buffer, 0.02, t2, **extra)
        return estimate(work, [_QPU] * 2, [link], placement=[0, 1]).links[0].fidelity_at_use

    by_rate = [priced(rate, 64) for rate in np.geomspace(2e3, 1e7, 60)]
    assert all(b <= a + 1e-12 for a, b in zip(by_rate, by_rate[1:]))
    by_buffer = [priced(1e5, buffer) for buffer in range(1, 100, 4)]
    assert all(b <= a + 1e-12 for a, b in zip(by_buffer, by_buffer[1:]))


def test_bursts_of_remote_gates_between_local_stretches():
    """Was a strict xfail (before and after the filling price: the old steady price read 0.852): 30 passes of 20
    remote CX then 200 local gates (20 ms) over a 667 Hz link (0.8 of the mean pace) into 64 pairs of 20 ms memories:
    priced F 0.853 at use (pairs wait 1.5 ms, the mean pace's), simulated 0.670 (the pairs made during each local
    stretch wait through it). 8-pair bursts after 100 gates: 0.829 against 0.742. Audit 51 prices the pairs made
    during a stretch pass by pass (estimator._Context._idle_stretches): 0.601 against 0.638 simulated at the new
    operating point (test_estimate_audit51.py)."""
    body = "\n".join([" CX 0 1\n CX 1 0"] * 10)
    work = f"REPEAT 30 {{\n{body}\n REPEAT 200 {{\n  H 0\n }}\n}}"
    link = _link(0.8 * 20 / (240 * 1e-4), 64)
    _never_above(_over(work, [_QPU] * 2, [link], [0, 1]))
