"""Trust audit of distributed QEC, twelfth round: the "trace" arrival law's queue run natively, bit for bit the
Python queue it replaced.

Each test's docstring says what qnsim did before its fix (or, for a check that found it right, what it checks).
"""

from __future__ import annotations

import bisect
import sys

import numpy as np
import pytest

from qnsim import _core, qec
from qnsim.qec import link as qec_link


def _python_trace_queue(arrivals: list[float], pairs: int, buffer: int, cycle: float, first_start: float,
                        repeat: float | None = None):
    """The queue as ``qnsim.qec.link._trace_queue`` ran it in Python up to round 11 (bisect and list operations,
    round by round), kept here as the oracle the native queue must match to the last bit. ``repeat``: the trace's
    repeat (round 13: chosen by ``trace_period``); None, round 11's span plus mean gap."""
    span = arrivals[-1] - arrivals[0]
    if repeat is None:
        repeat = span + span / (len(arrivals) - 1)
    second = arrivals[0] + repeat
    arrivals = arrivals + [a + repeat for a in arrivals]
    count = len(arrivals)
    kept: list[float] = []
    used = scanned = 0
    start = first_start
    for _ in range(-(-buffer // pairs)):
        start += cycle
        arrived = bisect.bisect_right(arrivals, start, scanned)
        kept.extend(arrivals[scanned : scanned + min(arrived - scanned, buffer - (len(kept) - used))])
        scanned = arrived
        used += min(pairs, len(kept) - used)
    waits: list[float] = []
    starts: list[float] = []
    first_used = None
    while True:
        ready = start + cycle
        arrived = bisect.bisect_right(arrivals, ready, scanned)
        room = min(arrived - scanned, buffer - (len(kept) - used))
        if room > 0:
            kept.extend(arrivals[scanned : scanned + room])
        scanned = arrived
        short = pairs - (len(kept) - used)
        if short > 0:
            if scanned + short > count:
                break
            kept.extend(arrivals[scanned : scanned + short])
            scanned += short
        begins = max(ready, kept[used + pairs - 1])
        if begins >= second:
            if first_used is None:
                first_used = used
            waits.append(begins - ready)
            starts.append(begins)
        used += pairs
        start = begins
    if not waits:
        return np.empty(0), np.empty(0)
    rounds = len(waits)
    stored = np.repeat(np.asarray(starts), pairs) - np.asarray(kept[first_used : first_used + rounds * pairs])
    return np.asarray(waits), stored


def _traces(rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
    """Small traces of every shape the queue meets (mean gap 1 us): Poisson, bursts of channels in step (equal
    times), a jittered schedule, a schedule with long gaps, and times on a grid commensurate with the cycle."""
    gaps = rng.exponential(1e-6, size)
    bursts = np.repeat(np.cumsum(rng.exponential(3e-6, size // 3)), 3)
    jitter = np.arange(size) * 1e-6 + rng.uniform(0, 0.3e-6, size)
    gappy = np.cumsum(np.where(rng.random(size) < 0.1, 8e-6, 0.2e-6))
    grid = np.arange(size) * 0.25e-6 + 5.0  # an origin far from 0: the sums round there
    return {"poisson": np.cumsum(gaps), "bursts": bursts, "jitter": np.sort(jitter), "gappy": gappy, "grid": grid}


@pytest.mark.parametrize("pairs", [1, 3, 9])
def test_the_native_trace_queue_gives_the_python_queues_figures_to_the_last_bit(pairs):
    """The trace queue ran in Python (bisect and list operations, ~5 us a round: ~10 s for a trace of 10^6
    arrivals over the 8 phases) and now runs natively (``_core.trace_queue``). Its waits and storage times must
    be the Python queue's to the last bit (compared as bytes, so even a zero's sign counts) on small traces of
    every shape, for buffers of one round to several, cycles shorter and longer than a batch, and the 8 phases
    ``round_timing`` starts the rounds' clock at."""
    rng = np.random.default_rng(12 + pairs)
    compared = 0
    for name, times in _traces(rng, 240).items():
        times = np.sort(times)
        for buffer in sorted({pairs, pairs + 1, 2 * pairs + 1, 40}):
            for cycle in (0.3e-6 * pairs, 1e-6 * pairs, 3e-6 * pairs, 0.25e-6):
                for phase in (0, 3, 7):
                    first = float(times[0]) - (phase + 0.5) / qec_link.TRACE_PHASES * cycle
                    old = _python_trace_queue(times.tolist(), pairs, buffer, cycle, first)
                    span = float(times[-1] - times[0])
                    new = _core.trace_queue(times, pairs, buffer, cycle, first, span + span / (times.size - 1))
                    for was, now in zip(old, new, strict=True):
                        assert now.dtype == np.float64 and now.shape == was.shape, (name, buffer, cycle, phase)
                        assert now.tobytes() == was.tobytes(), (name, pairs, buffer, cycle, phase)
                    compared += old[0].size
    assert compared > 1000  # most cases count rounds: the comparison is not of empty arrays


def test_round_timing_of_a_trace_is_the_python_queues_to_the_last_bit(monkeypatch):
    """The whole ``round_timing`` of a trace (waits, storage, pairs at use, idle error, rounds) with the native
    queue equals the one the Python queue gave (swapped in by monkeypatch), bit for bit: the phases' starts are
    computed from the same float as before (``times[0]``, not a list's copy of it)."""
    rng = np.random.default_rng(5)
    times = np.cumsum(rng.exponential(1 / 6e6, 3000))
    kwargs = dict(bell_diagonal=(0.97, 0.01, 0.01, 0.01), distance=3, cycle_time_s=1e-6, t1_s=1e-3, t2_s=5e-4)
    native = [qec.round_timing(arrival_times_s=times, buffer_pairs=b, **kwargs) for b in (5, 12)]
    monkeypatch.setattr(qec_link, "_trace_queue", lambda a, *rest: _python_trace_queue(list(map(float, a)), *rest))
    python = [qec.round_timing(arrival_times_s=times, buffer_pairs=b, **kwargs) for b in (5, 12)]
    assert native == python  # every field: round time, mean wait, storage, pairs at use, idle error, rounds
    assert native[0].trace_rounds > 100 and native[0] != native[1]


def test_a_long_trace_costs_no_python_work_per_round():
    """``round_timing`` over a trace ran its queue as a Python loop: per round a bisect, a list extend and a max,
    so ~10 s per 10^6 arrivals (the slowest path of ``qnsim qec link`` and of the QEC tests). Counted, not timed:
    the Python and C calls made while timing a 20,000-arrival trace (2,000 rounds of 9 pairs per phase) were
    ~100,000; natively they are a few hundred, whatever the trace's length."""
    times = np.cumsum(np.random.default_rng(3).exponential(1 / 8e6, 20_000))
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(count)
    try:
        timing = qec.round_timing(arrival_times_s=times, bell_diagonal=(0.97, 0.01, 0.01, 0.01), distance=5,
                                  cycle_time_s=1e-6, t1_s=1e-3, t2_s=5e-4, experiment="memory")  # fmt: skip
    finally:
        sys.setprofile(None)
    assert timing.trace_rounds > 1000
    assert calls < 2000, f"{calls} Python and C calls for {timing.trace_rounds} rounds per phase"


def test_a_seams_counts_are_built_once_per_argument_tuple(monkeypatch):
    """Every ``round_timing`` built the seam's whole patch layout to count its pairs per round
    (``seam_resources``): a d = 151 memory seam took 5-15 s a call on the shared CI-sized machine, and
    test_qec_audit10's buffer-bound test paid it three times (24 s). The counts are now kept per argument tuple
    (typed: 3.0 and True are still refused by name, not served the counts of 3 and 1)."""
    from qnsim.qec import circuits

    builds = []
    real = circuits.memory_layout
    monkeypatch.setattr(circuits, "memory_layout", lambda *a: builds.append(a) or real(*a))
    kwargs = dict(rate_hz=1e9, bell_diagonal=(0.97, 0.01, 0.01, 0.01), cycle_time_s=1e-6, t1_s=1e-3, t2_s=5e-4,
                  experiment="memory", code="unrotated")  # fmt: skip
    first = [qec.round_timing(distance=11, **kwargs).pairs_per_round for _ in range(3)]
    assert first == [qec.seam_resources(11, "memory", "teleported", "unrotated").pairs_per_round] * 3
    assert len(builds) <= 1, builds
    for bad in (11.0, True):
        with pytest.raises(ValueError, match=f"distance must be an odd int >= 3, got {bad}"):
            qec.seam_resources(bad, "memory", "teleported", "unrotated")
