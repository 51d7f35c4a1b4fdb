"""Estimate audit 41: a better link never a worse verdict (more channels, higher rate, higher fidelity, longer
memories), error-corrected and physical QPUs."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

import qnsim.estimate.estimator as E
from qnsim.estimate import QPU, Link, SurfaceCode, estimate
from qnsim.estimate.links import stored_fidelity

EC_QPUS = [QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), num_qubits=10**7)] * 2


def test_more_channels_never_raise_the_distance_where_a_round_gathers_its_pairs():
    """Round 37's hunt, seed 37 case 297: 10^6 remote CX on error-corrected QPUs over a 9.36 MHz link with 0.42 ms
    memories. Old behaviour: 5 channels met the remote share at d = 29 as given; 11 channels filled the buffer faster
    (pairs 1.34 us old against 0.60 us, error per operation 2.3e-8 over the 1.8e-8 share), and the operating-point
    search priced each of its lines at its ends only: 1 channel fails too (a syndrome round's 57 pairs gather slowly)
    and so does the lowest rate, so the line was taken to fail throughout and d went 29 -> 31 (35.3 -> 37.2 s). The
    failure is not monotone along a line where a round gathers several pairs: where every point priced fails, its
    least failing point is looked for, and 5 of the 11 channels are found."""
    text = "REPEAT 1000000 {\nT 0\nCX 1 0\nM 1\nM 1\nH 1\n}\nM 0 1\n"
    reports = {}
    for channels in (5, 11):
        link = Link(
            (0, 1),
            rate_hz=9.36e6,
            fidelity=0.97376,
            latency_s=1.9e-5,
            channels=channels,
            memory_t1_s=4.18e-4,
            memory_t2_s=4.18e-4,
        )
        reports[channels] = estimate(text, EC_QPUS, [link], placement=[1, 0], error_budget=0.055)
    five, eleven = reports[5], reports[11]
    assert five.feasible and eleven.feasible
    assert five.error_corrected.code_distance == eleven.error_corrected.code_distance == 29
    assert eleven.wall_clock_s <= five.wall_clock_s
    assert five.links[0].active_channels is None and eleven.links[0].active_channels == 5


def _draw(rng: random.Random) -> tuple[str, list[QPU], Link, dict, str, float]:
    """A small random estimate (physical QPUs with a target fidelity and runtime limit, or error-corrected ones over a
    link with memories) and one link figure to improve by a factor."""
    if rng.random() < 0.5:
        qpu = QPU(num_qubits=2, e_1q=0, e_2q=0, e_meas=0, t_1q_s=10 ** rng.uniform(-5, -3))
        text = f"REPEAT {rng.randint(5, 40)} {{\nCX 0 1\nH 0\n}}"
        t = 10 ** rng.uniform(-3, -1)
        link = Link(
            (0, 1),
            rate_hz=10 ** rng.uniform(2, 5),
            fidelity=rng.uniform(0.99, 0.9999),
            buffer_pairs=rng.randint(1, 16),
            memory_t1_s=t,
            memory_t2_s=t,
            latency_s=10 ** rng.uniform(-7, -4),
            channels=rng.randint(1, 3),
        )
        opts = dict(target_fidelity=rng.uniform(0.9, 0.98), error_budget=0.9, max_runtime_s=10 ** rng.uniform(-3, 0))
    else:
        qpu = QPU.preset(
            rng.choice(["qubit_gate_ns_e3", "qubit_gate_ns_e4"]), surface_code=SurfaceCode(), num_qubits=10**7
        )
        text = f"REPEAT {10 ** rng.randint(2, 6)} {{\nT 0\nCX 1 0\nH 1\n}}\nM 0 1\n"
        t = 10 ** rng.uniform(-4, -2)
        link = Link(
            (0, 1),
            rate_hz=10 ** rng.uniform(5, 7),
            fidelity=rng.uniform(0.95, 0.999),
            latency_s=10 ** rng.uniform(-6, -4),
            channels=rng.randint(1, 6),
            memory_t1_s=t,
            memory_t2_s=t,
        )
        opts = dict(error_budget=10 ** rng.uniform(-3, -1))
    return text, [qpu, qpu], link, opts, rng.choice(_BETTER), 10 ** rng.uniform(0.1, 1.2)


_BETTER = ("rate_hz", "channels", "fidelity", "memory")


def _better(link: Link, figure: str, factor: float) -> Link:
    """``link`` with one figure improved by ``factor``: a rate or memory times longer, that many times the channels
    (one more at least), the raw infidelity divided by it."""
    if figure == "rate_hz":
        return dataclasses.replace(link, rate_hz=link.rate_hz * factor)
    if figure == "channels":
        return dataclasses.replace(link, channels=link.channels + max(1, round(link.channels * (factor - 1))))
    if figure == "fidelity":
        return dataclasses.replace(link, fidelity=1 - (1 - link.fidelity) / factor)
    return dataclasses.replace(link, memory_t1_s=link.memory_t1_s * factor, memory_t2_s=link.memory_t2_s * factor)


# The rate line narrows a link's best rate to about 1.4e-3 of it, on a grid set by each link's own rate
# (_RATE_LINE_BISECTIONS): two links may land on rates that far apart, and their runs with them.
_RATE_RESOLUTION = 2e-3


def test_a_better_link_never_gives_a_worse_verdict_a_larger_distance_or_a_longer_run(monkeypatch):
    """Random small estimates, one link figure improved at a time (rate, channels, raw fidelity, memory times). What
    must be monotone, and why: every operating point of the worse link is one of the better link's (the operator may
    run fewer channels, each slower; better pairs or longer-lived memories leave every point's pairs at use no
    worse), so (1) a feasible verdict stays feasible; (2) the code distance never grows: the distance loop takes the
    smallest at which the link's best point meets the remote share; (3) at the same distance (or on physical QPUs)
    the run is never longer, to the rate line's resolution. At a smaller distance the run may be longer (the
    estimator takes the smallest distance first, as QRE does: qubits before time; a smaller distance's operations
    need better pairs: d 11 -> 9 ran 47.3 -> 48.3 s in the hunt). The remote success probability is not monotone: the
    search trades pair quality for a shorter run within the budget. Old behaviour (seed 73): on physical QPUs a link
    3.6x faster met the target at use, ran as given with older pairs, and failed the error budget where the slower
    link was feasible. The checks after the estimate's run only add fixes and notes: switched off here (the verdict,
    distance and run are the run's)."""
    for name in [n for n in dir(E) if n.startswith("_check_")] + ["_headline_needs"]:
        monkeypatch.setattr(E, name, lambda *args, **kwargs: None)
    problems = []
    for seed in (*range(70, 74), *range(75, 94)):  # Seed 74 alone takes 0.9 s of CPU.
        text, qpus, link, opts, figure, factor = _draw(random.Random(seed))
        worse = estimate(text, qpus, [link], placement=[0, 1], **opts)
        better = estimate(text, qpus, [_better(link, figure, factor)], placement=[0, 1], **opts)
        d_worse = worse.error_corrected.code_distance if worse.error_corrected else None
        d_better = better.error_corrected.code_distance if better.error_corrected else None
        if not worse.feasible:
            continue
        where = f"seed {seed}, {figure} x {factor:.3g}"
        if not better.feasible:
            problems.append(f"{where}: infeasible ({better.reasons[0][:120]})")
        elif d_worse is not None and d_better > d_worse:
            problems.append(f"{where}: d {d_worse} -> {d_better}")
        elif d_better == d_worse and better.wall_clock_s > worse.wall_clock_s * (1 + _RATE_RESOLUTION):
            problems.append(f"{where}: run {worse.wall_clock_s:.6g} -> {better.wall_clock_s:.6g} s")
    assert not problems, problems


def test_the_budget_leaves_a_physical_link_the_total_less_the_local_faults():
    """100 remote CX, each after a 1 ms H of error 2e-3 (0.2 expected local faults), over a 100 kHz link of F = 0.999
    with 8 buffer pairs in 20 ms memories, target 0.95, budget 0.5. Old behaviour (round 40's fix): each operating
    point's pairs were judged against the whole total, so the link ran at the fastest rate whose 100 pairs fault 0.5
    (F = 0.995 at use, 111 pairs/s) and the run failed the budget (0.2 + 0.5). The local faults are fixed by the
    placement whatever the link does: the pairs may fault 0.3, F >= 0.997 at use. With one buffer pair a pair made an
    exponential time T (rate r) after the last use waits (tau - T)+ for the next, tau = 1 ms: a mean wait
    tau - (1 - exp(-r tau)) / r, which stored_fidelity turns into F = 0.997 at r* = 54.4 pairs/s."""
    qpu = QPU(num_qubits=1, e_1q=2e-3, e_2q=0, e_meas=0, t_1q_s=1e-3)
    link = Link((0, 1), rate_hz=1e5, fidelity=0.999, buffer_pairs=8, memory_t1_s=0.02, memory_t2_s=0.02)
    report = estimate("REPEAT 100 {\nCX 0 1\nH 0\n}", [qpu, qpu], [link], target_fidelity=0.95, error_budget=0.5)

    def used_at(rate_hz: float, tau: float = 1e-3) -> float:
        # The first of the 100 pairs, used at the run's start, is made for it and waits nothing (as simulated).
        later = stored_fidelity(0.999, tau - (1 - math.exp(-rate_hz * tau)) / rate_hz, 0.02, 0.02)
        return (stored_fidelity(0.999, 0.0, 0.02, 0.02) + 99 * later) / 100

    lo, hi = 1.0, 1e5  # used_at falls with the rate: bisect for F = 1 - 0.3 / 100 at use.
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if used_at(mid) >= 0.997 else (lo, mid)
    assert lo == pytest.approx(55.0, rel=1e-3)  # 54.4 when the first pair was priced as the others
    lr = report.links[0]
    assert report.feasible, report.reasons
    assert report.error_budget.local_physical_used == pytest.approx(0.2)
    assert report.error_budget.remote_used <= 0.3 and lr.active_buffer_pairs == 1
    assert lo * (1 - 2e-3) <= lr.active_rate_hz <= lo
