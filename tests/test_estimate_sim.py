"""The estimate agrees with an event-driven simulation of the distributed execution: within 10%
on wall-clock time (compute-, latency- and link-bound regimes, Poisson and geometric supply, with
and without purification) and within statistical error on the expected number of remote faults.
The cat-entangler pair counts of the native counter equal the simulator's own bookkeeping."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnsim.estimate import QPU, Link, estimate, simulate_execution

# 12 qubits on 3 QPUs (4 each); per iteration 18 operations, 4 remote gates, one of them sharing
# a cat-entangled copy of qubit 0. REPEAT 700 -> 12,600 operations.
BODY = """H 0 4 8
CX 0 1 4 5 8 9
CX 1 5
CX 0 5 0 6
CX 2 9
CX 6 10
S 3 7 11
CX 3 2 7 6 11 10
M 11
"""
TEXT = "REPEAT 700 {\n" + BODY + "}\n"
PLACEMENT = [0] * 4 + [1] * 4 + [2] * 4
QPUS = [QPU(num_qubits=4) for _ in range(3)]


def _links(rate, fidelity=0.99, latency=1e-6, **kw):
    return [
        Link(key, rate_hz=rate, fidelity=fidelity, latency_s=latency, **kw)
        for key in ((0, 1), (0, 2), (1, 2))
    ]


def _compare(links, **kw):
    est = estimate(TEXT, QPUS, links, placement=PLACEMENT, **kw)
    sim = simulate_execution(TEXT, QPUS, links, placement=PLACEMENT, seed=7, **kw)
    return est, sim


def test_pair_counts_and_operations_agree():
    est, sim = _compare(_links(1e9))
    assert sim.operations == 700 * 18
    assert sim.remote_gates == est.remote_gates == 700 * 5
    assert {lk.qpus: lk.bell_pairs for lk in est.links} == sim.pairs_consumed
    assert est.bell_pairs == 700 * 4  # The second remote gate of qubit 0 shares its cat copy.


@pytest.mark.parametrize(
    "links, kw, bound",
    [
        (_links(1e9, latency=0.0), {}, "local compute"),
        (_links(1e9, latency=1e-6), {}, "classical latency"),
        (_links(5e4), {}, "link 0-1 rate"),
        (
            _links(5e4, success_probability=0.05, attempt_period_s=1e-6),
            {"supply": "geometric"},
            "link 0-1 rate",
        ),
        (_links(5e5, fidelity=0.9), {"target_fidelity": 0.99}, "link 0-1 rate"),
    ],
    ids=["compute", "latency", "link-poisson", "link-geometric", "link-purified"],
)
def test_wall_clock_agrees_within_10_percent(links, kw, bound):
    est_kw = {k: v for k, v in kw.items() if k != "supply"}
    est = estimate(TEXT, QPUS, links, placement=PLACEMENT, **est_kw)
    sim = simulate_execution(TEXT, QPUS, links, placement=PLACEMENT, seed=11, **kw)
    assert est.bound == bound
    assert sim.wall_clock_s == pytest.approx(est.wall_clock_s, rel=0.10)
    if "target_fidelity" in kw:
        raw = sum(sim.raw_pairs_generated.values())
        assert raw == pytest.approx(est.raw_bell_pairs, rel=0.10)


SERIAL = "REPEAT 3000 {\n  CX 0 4\n  H 0\n  CX 4 0\n  H 4\n}\n"  # Every remote gate on the critical path.


@pytest.mark.parametrize("rate, buffer", [(5e5, 1), (4e5, 1), (4e5, 4), (3e5, 64), (1e5, 1)])
def test_finite_buffer_agrees_within_10_percent(rate, buffer):
    qpus = [QPU(num_qubits=4), QPU(num_qubits=4)]
    links = [Link((0, 1), rate_hz=rate, fidelity=0.99, latency_s=1e-6, buffer_pairs=buffer)]
    est = estimate(SERIAL, qpus, links, placement=[0, 0, 0, 0, 1])
    sim = simulate_execution(SERIAL, qpus, links, placement=[0, 0, 0, 0, 1], seed=3)
    assert est.bound.startswith("link 0-1 rate")
    assert sim.wall_clock_s == pytest.approx(est.wall_clock_s, rel=0.10)
    assert sim.max_buffer[(0, 1)] <= buffer


def test_expected_remote_error_agrees_within_statistical_error():
    links = _links(1e9, fidelity=0.97)
    est, sim = _compare(links)
    mean = est.remote_error_expected
    assert mean > 50
    # Faults are a sum of independent Bernoulli draws: standard deviation <= sqrt(mean).
    assert abs(sim.remote_faults - mean) < 4 * math.sqrt(mean)


@st.composite
def _circuit_and_placement(draw):
    n = 6
    qs = st.integers(0, n - 1)
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["cx", "cz", "h", "s", "m", "swap"]))
        if kind in ("cx", "cz", "swap"):
            a, b = draw(st.tuples(qs, qs).filter(lambda p: p[0] != p[1]))
            lines.append(f"{kind.upper()} {a} {b}")
        else:
            lines.append(f"{kind.upper()} {draw(qs)}")
    body = "\n".join(lines)
    text = f"REPEAT {draw(st.integers(1, 6))} {{\n{body}\n}}\nCX 0 1" if draw(st.booleans()) else body
    placement = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return text, placement


@settings(max_examples=40, deadline=None)
@given(_circuit_and_placement())
def test_native_cat_counts_and_critical_path_match_simulation(case):
    text, placement = case
    qpus = [QPU() for _ in range(3)]
    links = _links(1e12, fidelity=1.0, latency=1e-7)
    est = estimate(text, qpus, links, placement=placement)
    sim = simulate_execution(text, qpus, links, placement=placement, seed=1)
    assert {lk.qpus: lk.bell_pairs for lk in est.links} == {k: v for k, v in sim.pairs_consumed.items() if v}
    # Compute-bound: the native critical path (REPEATs extrapolated from their steady state)
    # equals the simulated makespan up to the picosecond pair waits.
    assert sim.wall_clock_s == pytest.approx(est.time_local_s + est.time_latency_s, rel=1e-3, abs=1e-9)


def test_simulation_errors():
    with pytest.raises(ValueError, match="qubit 11 is placed on no QPU"):
        simulate_execution(TEXT, QPUS, _links(1e6), placement=PLACEMENT[:11])
    with pytest.raises(ValueError, match="can never be purified"):
        simulate_execution(TEXT, QPUS, _links(1e6, fidelity=0.5), placement=PLACEMENT, target_fidelity=0.9)
    with pytest.raises(ValueError, match="supply must be 'poisson' or 'geometric'"):
        simulate_execution(TEXT, QPUS, _links(1e6), placement=PLACEMENT, supply="uniform")


@st.composite
def _long_repeat(draw):
    text, placement = draw(_circuit_and_placement())
    body = text.split("{\n")[1].split("\n}")[0] if "REPEAT" in text else text
    return body, draw(st.integers(10, 60)), placement


@settings(max_examples=40, deadline=None)
@given(_long_repeat())
def test_repeat_critical_path_extrapolation_equals_flattened(case):
    """Loops longer than the eight iterations the counter executes are extrapolated from their
    steady state; the result equals the flattened circuit's critical path."""
    body, reps, placement = case
    qpus = [QPU() for _ in range(3)]
    links = _links(1e12, fidelity=1.0, latency=3e-7)
    rep = estimate(f"REPEAT {reps} {{\n{body}\n}}\n", qpus, links, placement=placement)
    flat = estimate((body + "\n") * reps, qpus, links, placement=placement)
    assert rep.time_local_s + rep.time_latency_s == pytest.approx(
        flat.time_local_s + flat.time_latency_s, rel=1e-9
    )
    assert rep.bell_pairs == flat.bell_pairs
