"""Estimate audit, round 34: a Pauli product's pairs, one semantics in the counter, the schedule and the simulation.

A Pauli product (MPP, SPP) over qubits on several QPUs runs from its first qubit's QPU: that QPU gathers the
parity, one remote operation (one Bell pair) towards each other QPU holding its qubits, as the schedule
(``count_placed``) and the event simulation (:func:`qnsim.estimate.simulate_execution`) execute it. The counter's
interaction graph (what a streamed count prices, what automatic placement cuts) now holds the same star.
"""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_estimate_audit26 import _streamable

from qnsim.estimate import QPU, Link, count_circuit, estimate, simulate_execution, stream_circuit_file


def _streamed(text):
    """The counts of ``text`` streamed from a file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.stim"
        path.write_text(text)
        return stream_circuit_file(path, progress=False)


def _pairs_of(counts):
    return {(int(a), int(b)): int(w) for a, b, w in zip(counts.pair_a, counts.pair_b, counts.pair_weight)}


def _link_pairs(result):
    return {lr.qpus: lr.bell_pairs for lr in result.links if lr.bell_pairs}


_QPU = QPU(num_qubits=5, t_1q_s=1e-6, t_2q_s=1e-4, t_meas_s=1e-4, t_reset_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)
_LINKS = [Link(pair, rate_hz=1e3, fidelity=0.9999, latency_s=1e-3) for pair in [(0, 1), (0, 2), (1, 2)]]


def test_a_products_pairs_are_a_star_from_its_first_qubit_in_every_count():
    """MPP X1*X4*X2*X0*X4 (a qubit named twice): the interaction graph, symbolic and streamed, joins the first
    qubit to each other qubit once. Old behaviour: a chain of consecutive qubits, 1-4, 4-2, 2-0, 0-4. (It read
    X1*X4*X2*X0*Z4, an anti-Hermitian product the counter now refuses as Stim's simulators do.)"""
    text = "MPP X1*X4*X2*X0*X4\n"
    star = {(1, 4): 1, (1, 2): 1, (0, 1): 1}
    assert _pairs_of(count_circuit(text)) == star
    assert _pairs_of(_streamed(text)) == star


def test_a_streamed_products_pairs_load_the_links_its_schedule_and_simulation_use():
    """Three products over three qubits, one per QPU (each QPU holding one of a product's qubits, the star's pairs
    are exactly the schedule's): the streamed count's pairs per link equal the schedule's and the event
    simulation's, and so its wall clock is not below the schedule's. Old behaviour: the chain spread the pairs
    two per link (0-1, 0-2, 1-2) where the schedule and the simulation take 1, 3 and 2 (link 0-2 carries the
    products that start on QPU 0 or 2), so over 1 kHz links the streamed "upper bound" read 3.6 ms against the
    schedule's 4.2 ms."""
    text = "MPP X0*X1*X2\nMPP X0*X2*X1\nMPP X2*X0*X1\n"
    kw = dict(placement=[2, 1, 0], error_budget=0.99)
    streamed, scheduled = estimate(_streamed(text), [_QPU] * 3, _LINKS, **kw), estimate(text, [_QPU] * 3, _LINKS, **kw)
    simulated = simulate_execution(text, [_QPU] * 3, _LINKS, placement=[2, 1, 0], seed=1)
    assert _link_pairs(scheduled) == {(0, 1): 1, (0, 2): 3, (1, 2): 2}
    assert _link_pairs(streamed) == _link_pairs(scheduled)
    assert {key: n for key, n in simulated.pairs_consumed.items() if n} == _link_pairs(scheduled)
    assert streamed.wall_clock_s >= scheduled.wall_clock_s * (1 - 1e-9)


def test_a_streamed_products_pairs_bound_the_schedules_on_every_link_and_the_note_says_so():
    """Products with several qubits on one QPU: the streamed count cannot tell which qubits share a QPU, so it
    prices a pair per qubit off the first qubit's QPU, on the links the schedule uses and at least as many
    (MPP X0*X1*X2*X3 with qubits 1-3 on QPU 1: 3 pairs where the schedule takes 1), and its note says so. Old
    behaviour: the chain's pairs (0-1, then local ones) happened to match here; the note said nothing of it."""
    text = "MPP X0*X1*X2*X3\nMPP X3*X0\n"
    kw = dict(placement=[0, 1, 1, 1], error_budget=0.99)
    streamed, scheduled = (
        estimate(_streamed(text), [_QPU] * 2, _LINKS[:1], **kw),
        estimate(text, [_QPU] * 2, _LINKS[:1], **kw),
    )
    assert _link_pairs(scheduled) == {(0, 1): 2} and _link_pairs(streamed) == {(0, 1): 4}
    (note,) = [n for n in streamed.notes if "Pauli product" in n and "first qubit" in n]
    assert "upper bound" in note
    assert not [n for n in scheduled.notes if "Pauli product" in n and "first qubit" in n]


def test_a_streamed_counts_local_two_qubit_gates_are_never_negative_and_bound_the_schedules():
    """50 MPP X0*X1*X2*X3 and 100 local CX over three QPUs (e_2q = 1e-3). Old behaviour: every edge of the
    interaction graph was taken for a two-qubit application, so the products' 150 edges, 100 of them remote,
    left 100 - 100 - 150 = -150 CX to share: [75, -37, -38] local CX per QPU and 0 local faults where the
    schedule's 100 CX make 0.1. Now each local edge is priced as a local two-qubit gate (an upper bound for the
    products' CX) and only the applications beyond the two-qubit gates' edges are shared: none is negative, and
    the faults are at least the schedule's."""
    text = "MPP X0*X1*X2*X3\n" * 50 + "CX 0 1\n" * 100
    qpus = [dataclasses.replace(_QPU, e_2q=1e-3)] * 3
    links = [dataclasses.replace(lk, rate_hz=1e6) for lk in _LINKS]
    kw = dict(placement=[0, 0, 1, 2], error_budget=0.99)
    streamed, scheduled = estimate(_streamed(text), qpus, links, **kw), estimate(text, qpus, links, **kw)
    assert scheduled.local_error_expected == 0.1
    assert min(streamed.local_gates["two_qubit"]) >= 0
    assert streamed.local_error_expected >= scheduled.local_error_expected


def test_a_streamed_counts_ccz_gates_are_priced_as_the_schedule_prices_them():
    """H 0; CCZ 2 1 0 with each qubit on its own QPU: the schedule prices the CCZ's own gate as a local two-qubit
    operation on its first qubit's QPU (e_2q = 1e-3 there). Old behaviour: a streamed count priced none of it
    (its three edges are remote; the CCZ is no two-qubit application): 0 local faults against the schedule's
    1e-3. Now each CCZ is priced on the QPU holding qubits with the worst e_2q."""
    text = "H 0\nCCZ 2 1 0\n"
    qpus = [dataclasses.replace(_QPU, e_2q=e) for e in (1e-5, 1e-4, 1e-3)]
    links = [dataclasses.replace(lk, rate_hz=1e6) for lk in _LINKS]
    kw = dict(placement=[0, 1, 2], error_budget=0.99)
    streamed, scheduled = estimate(_streamed(text), qpus, links, **kw), estimate(text, qpus, links, **kw)
    assert scheduled.local_error_expected == 1e-3
    assert streamed.local_error_expected >= scheduled.local_error_expected


_ERRORS = st.sampled_from([0.0, 1e-5, 1e-3])


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_streamed_counts_local_faults_are_an_upper_bound_on_the_schedules(data):
    """The streamed-bound test's random circuits (estimate audit 26: products, CCZ, MZZ, SWAP over three or four
    QPUs) with random error rates: the streamed count's local faults (its note: "priced at the worst error rates of
    the QPUs holding qubits (an upper bound)") are at least the schedule's. Old behaviour: the two cases above
    (negative local CX, unpriced CCZ gates), 5 of 300 random cases."""
    text, qpus, latencies, placement, rate_hz = data.draw(_streamable())
    qpus = [
        dataclasses.replace(q, e_1q=data.draw(_ERRORS), e_2q=data.draw(_ERRORS), e_meas=data.draw(_ERRORS))
        for q in qpus
    ]
    links = [
        Link(pair, rate_hz=rate_hz, fidelity=0.9999, latency_s=lat)
        for pair, lat in zip(itertools.combinations(range(len(qpus)), 2), latencies)
    ]
    kw = dict(placement=placement, error_budget=0.99)
    streamed, scheduled = estimate(_streamed(text), qpus, links, **kw), estimate(text, qpus, links, **kw)
    assert streamed.local_error_expected >= scheduled.local_error_expected * (1 - 1e-9)


def test_an_error_corrected_products_merges_are_its_remote_operations_not_its_graphs_cut_edges():
    """1,000 MPP X0*X1*X2*X3 on two surface-code QPUs: each product is one remote operation (one lattice-surgery
    merge, one logical cycle), so the run is 1,000 cycles (its 1,000 measurements take as many). Old behaviour: the
    merges were the busiest qubit's cut edges in the interaction graph, which over-counted products: on QPUs
    0, 1, 0, 1 the old chain cut three times (qubits 1 and 2 twice each), 2,000 cycles; with qubits 1-3 on QPU 1
    the star cuts three times at qubit 0, 3,000. Now a qubit's merges are at most its QPU's remote operations."""
    from qnsim.estimate import SurfaceCode, preset

    q = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)
    link = Link((0, 1), rate_hz=1e12, fidelity=0.999)
    for placement in ([0, 1, 0, 1], [0, 1, 1, 1]):
        r = estimate("REPEAT 1000 {\n MPP X0*X1*X2*X3\n}\n", [q, q], [link], placement=placement)
        assert r.error_corrected.logical_cycles == r.remote_gates == 1000


def test_a_streamed_counts_classically_controlled_paulis_are_counted_apart_from_the_graphs_edges():
    """100 classically controlled X (CX rec[-1] 1) beside 150 remote MPP X0*X2 (e_1q = e_2q = 1e-3). The schedule
    prices each controlled X as a local one-qubit gate (0.1 faults in all). Old behaviour: a streamed count took the
    controlled gates to be the two-qubit applications less the graph's edges, 100 - 150: -50 local CX shared among
    the QPUs ([-33, -17, 0]), local faults -0.05 against the schedule's 0.1. Now the counter counts them apart
    (``controlled_paulis``) and a streamed count prices exactly those."""
    text = "M 0\nCX rec[-1] 1\n" * 100 + "MPP X0*X2\n" * 150
    streamed_counts = _streamed(text)
    assert streamed_counts.controlled_paulis == count_circuit(text).controlled_paulis == 100
    qpus = [dataclasses.replace(_QPU, e_1q=1e-3, e_2q=1e-3)] * 3
    links = [dataclasses.replace(lk, rate_hz=1e6) for lk in _LINKS]
    kw = dict(placement=[0, 0, 1], error_budget=0.99)
    streamed, scheduled = estimate(streamed_counts, qpus, links, **kw), estimate(text, qpus, links, **kw)
    assert min(streamed.local_gates["two_qubit"]) >= 0
    assert streamed.local_error_expected >= scheduled.local_error_expected
