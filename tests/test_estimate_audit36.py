"""Estimate audit, round 36: a CCZ's pairs, one semantics in the counter, the interaction graph and the schedule.

A CCZ whose qubits sit on several QPUs runs from its first qubit's QPU, one remote operation (one Bell pair) towards
each other QPU holding its qubits, in the schedule (``count_placed``) and the event simulation
(:func:`qnsim.estimate.simulate_execution`), as a Pauli product does (audit 34). The counter's interaction graph
(what a streamed count prices, what automatic placement cuts) now holds the same star: an edge from its first qubit
to each of the other two. CCZ is the only operation of three or more qubits besides the Pauli products (MPP, SPP,
SPP_DAG); the circuit dialect has no CCX or three-qubit controlled Pauli.
"""

from __future__ import annotations

import dataclasses

from test_estimate_audit34 import _link_pairs, _pairs_of, _streamed

from qnsim.estimate import QPU, Link, count_circuit, estimate, simulate_execution

_QPU = QPU(num_qubits=3, t_1q_s=1e-6, t_2q_s=1e-4, t_meas_s=1e-4, t_reset_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)
_LINKS = [Link(pair, rate_hz=1e3, fidelity=0.9999, latency_s=1e-3) for pair in [(0, 1), (0, 2), (1, 2)]]


def test_a_cczs_pairs_are_the_star_its_schedule_and_simulation_take():
    """CCZ 0 1 2; CCZ 2 0 1 with one qubit per QPU: the interaction graph (symbolic and streamed) holds a star from
    each CCZ's first qubit, so the streamed count's pairs per link equal the schedule's and the event simulation's.
    Old behaviour: each CCZ's three qubits were joined each to each (a triangle), 2 pairs on every link where the
    schedule and the simulation take 1, 2 and 1 (links 0-1, 0-2, 1-2): a streamed count priced a pair on the link
    between a CCZ's second and third QPUs, which no pair of it crosses."""
    text = "CCZ 0 1 2\nCCZ 2 0 1\n"
    star = {(0, 1): 1, (0, 2): 2, (1, 2): 1}
    assert _pairs_of(count_circuit(text)) == star
    assert _pairs_of(_streamed(text)) == star
    kw = dict(placement=[0, 1, 2], error_budget=0.99)
    streamed, scheduled = estimate(_streamed(text), [_QPU] * 3, _LINKS, **kw), estimate(text, [_QPU] * 3, _LINKS, **kw)
    simulated = simulate_execution(text, [_QPU] * 3, _LINKS, placement=[0, 1, 2], seed=1)
    assert _link_pairs(scheduled) == star
    assert {key: n for key, n in simulated.pairs_consumed.items() if n} == star
    assert _link_pairs(streamed) == star
    assert streamed.wall_clock_s >= scheduled.wall_clock_s * (1 - 1e-9)


def test_a_streamed_cczs_local_gates_are_the_schedules_where_its_first_qubit_is_alone():
    """CCZ 0 1 2 with qubits 1 and 2 together on QPU 1: the schedule takes one pair (0-1) and one local two-qubit
    operation, the CCZ's own gate on QPU 0. The streamed count now prices the same local gate ([1, 0, 0]: the star
    has no local edge here) and at least the schedule's pairs, on its link only. Old behaviour: the triangle's edge
    between qubits 1 and 2, which no operation of the schedule joins, was priced as a local CX on QPU 1 ([1, 1, 0]).
    Its two pairs where the schedule takes one (a pair per qubit off the first qubit's QPU) are now named in the note
    that named only Pauli products' (before, no note)."""
    kw = dict(placement=[0, 1, 1], error_budget=0.99)
    text = "CCZ 0 1 2\n"
    streamed = estimate(_streamed(text), [_QPU] * 3, _LINKS, **kw)
    scheduled = estimate(text, [_QPU] * 3, _LINKS, **kw)
    assert scheduled.local_gates["two_qubit"] == [1, 0, 0]
    assert streamed.local_gates["two_qubit"] == scheduled.local_gates["two_qubit"]
    assert _link_pairs(scheduled) == {(0, 1): 1}
    assert set(_link_pairs(streamed)) == {(0, 1)} and _link_pairs(streamed)[(0, 1)] >= 1
    assert any("its 1 CCZ gate(s) take a pair from the first qubit's QPU" in n for n in streamed.notes)
    assert streamed.wall_clock_s >= scheduled.wall_clock_s * (1 - 1e-9)


def test_automatic_placement_of_cczs_cuts_what_the_schedule_runs():
    """Automatic placement cuts the star, the pairs the schedule takes. Two QPUs of two qubits, ``CCZ 0 1 2``: the
    schedule takes one pair whichever qubit is alone, and the star cuts 1 where qubit 1 or 2 is: the report's
    interaction cut equals its pairs. Old behaviour: the triangle cut 2 for every split, printed as the "interaction
    cut" of a run whose schedule takes 1 pair. Two QPUs of three qubits, ``CCZ 0 1 4; CCZ 1 0 4; CX 2 4; CX 1 3;
    CX 3 0``: the fewest pairs a placement's schedule takes is 2 (qubits 0, 1, 3 together: each CCZ one pair towards
    qubit 4's QPU), which the star's least cut (2) finds. Old behaviour: the triangle's least cut (3) is a placement
    whose schedule takes 3 pairs (the CCZs whole, the three CX remote); the partitioner happened to return the
    2-pair placement, but with an interaction cut of 4 for its 2 pairs."""
    link = [Link((0, 1), rate_hz=1e6, fidelity=0.9999)]
    one = estimate("CCZ 0 1 2\n", [dataclasses.replace(_QPU, num_qubits=2)] * 2, link, error_budget=0.99)
    assert one.remote_gates == one.bell_pairs == 1
    assert one.cut_weight == 1
    mixed = estimate("CCZ 0 1 4\nCCZ 1 0 4\nCX 2 4\nCX 1 3\nCX 3 0\n", [_QPU] * 2, link, error_budget=0.99)
    assert mixed.remote_gates == mixed.bell_pairs == 2
    assert mixed.cut_weight == 2
